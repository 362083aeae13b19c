"""The copying pad modes (reflect, replicate, circular) for the CPU: one pass over each plane, parallel over
planes.

Along each of D, H and W a table says which input position every output position copies (the interior copies
itself), so one gather serves every mode; the gradient adds each output back into the position it copied, plane
by plane, so no two threads write one element."""
import numpy as np
from numba import njit, prange

from .compile import PARALLEL

@njit(parallel=PARALLEL, cache=True)
def _gather(x, from_d, from_h, from_w, left, out):
    """Each row: its interior (W elements from `left` on) in one contiguous copy, the padding by the table."""
    width = x.shape[3]
    for p in prange(out.shape[0]):
        for d in range(out.shape[1]):
            for h in range(out.shape[2]):
                source, target = x[p, from_d[d], from_h[h]], out[p, d, h]
                target[left:left + width] = source
                for w in range(left):
                    target[w] = source[from_w[w]]
                for w in range(left + width, out.shape[3]):
                    target[w] = source[from_w[w]]

@njit(parallel=PARALLEL, cache=True)
def _scatter_add(g, from_d, from_h, from_w, grad_x):
    for p in prange(g.shape[0]):
        grad_x[p] = 0
        for d in range(g.shape[1]):
            for h in range(g.shape[2]):
                source, target = g[p, d, h], grad_x[p, from_d[d], from_h[h]]
                for w in range(g.shape[3]):
                    target[from_w[w]] += source[w]

@njit(parallel=PARALLEL, cache=True)
def _constant(x, value, before, out):
    """out (P, OD, OH, OW): x (P, D, H, W) at offset `before` (3 ints), `value` around it."""
    depth, height, width = x.shape[1], x.shape[2], x.shape[3]
    for p in prange(out.shape[0]):
        for d in range(out.shape[1]):
            for h in range(out.shape[2]):
                target = out[p, d, h]
                i, j = d - before[0], h - before[1]
                if 0 <= i < depth and 0 <= j < height:
                    target[:before[2]] = value
                    target[before[2]:before[2] + width] = x[p, i, j]
                    target[before[2] + width:] = value
                else:
                    target[:] = value

def pad_constant(x, widths, value):
    """np.pad's constant mode for padding of the last three dims of a (P, D, H, W) array, one pass, parallel over
    planes."""
    out = np.empty((x.shape[0],) + tuple(size + lo + hi for size, (lo, hi) in zip(x.shape[1:], widths)), x.dtype)
    if out.size:
        _constant(np.ascontiguousarray(x), out.dtype.type(value), np.array([lo for lo, _ in widths], np.int64), out)
    return out

def pad_copy(x, sources):
    out = np.empty(x.shape[:1] + sources.out_shape, x.dtype)
    if out.size:
        _gather(np.ascontiguousarray(x), sources.depth, sources.height, sources.width, sources.width_left, out)
    return out

def pad_copy_backward(g, sources, in_shape):
    grad_x = np.empty(in_shape, g.dtype)
    if grad_x.size:
        _scatter_add(np.ascontiguousarray(g), sources.depth, sources.height, sources.width, grad_x)
    return grad_x
