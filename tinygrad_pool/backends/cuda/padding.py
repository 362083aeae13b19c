"""The copying pad modes (reflect, replicate, circular) for CUDA: one thread per output element reads the input
position that the tables of `ops.movement.CopySources` name; the gradient adds each output element back there
atomically (a reflected position is copied to up to three places per dim)."""
from numba import cuda

from .array import THREADS, blocks, empty, split_index, zeros

def _tables(sources):
    if "cuda" not in sources.device_copies:
        sources.device_copies["cuda"] = tuple(cuda.to_device(t) for t in (sources.depth, sources.height,
                                                                           sources.width))
    return sources.device_copies["cuda"]

@cuda.jit(device=True, inline="always")
def _source(i, from_d, from_h, from_w, in_d, in_h, in_w, out_d, out_h, out_w):
    p, d, h, w = split_index(i, out_d, out_h, out_w)
    return ((p * in_d + from_d[d]) * in_h + from_h[h]) * in_w + from_w[w]

@cuda.jit(cache=True)
def _gather_kernel(x, from_d, from_h, from_w, in_d, in_h, in_w, out, out_d, out_h, out_w):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = x[_source(i, from_d, from_h, from_w, in_d, in_h, in_w, out_d, out_h, out_w)]

@cuda.jit(cache=True)
def _scatter_add_kernel(g, from_d, from_h, from_w, in_d, in_h, in_w, grad_x, out_d, out_h, out_w):
    i = cuda.grid(1)
    if i < g.size:
        cuda.atomic.add(grad_x, _source(i, from_d, from_h, from_w, in_d, in_h, in_w, out_d, out_h, out_w), g[i])

def pad_copy(x, sources):
    out = empty(x.shape[:1] + sources.out_shape, x.dtype)
    if out.size:
        _gather_kernel[blocks(out.size), THREADS](x.buffer, *_tables(sources), *x.shape[1:], out.buffer,
                                                  *sources.out_shape)
    return out

def pad_copy_backward(g, sources, in_shape):
    grad_x = zeros(in_shape, g.dtype)
    if g.size:
        _scatter_add_kernel[blocks(g.size), THREADS](g.buffer, *_tables(sources), *in_shape[1:], grad_x.buffer,
                                                     *sources.out_shape)
    return grad_x
