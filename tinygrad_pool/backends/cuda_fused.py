"""Fused elementwise kernels for CUDA, the twins of `cpu_fused.py` (the same dropout masks, bit for bit)."""
import numpy as np
from numba import cuda, uint64

from .cuda import THREADS, _blocks, _empty

@cuda.jit(device=True)
def _uniform_hash(key, i):
    z = key + uint64(i + 1) * uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> uint64(30))) * uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> uint64(27))) * uint64(0x94D049BB133111EB)
    z = z ^ (z >> uint64(31))
    return (z >> uint64(11)) * (1.0 / 9007199254740992.0)

@cuda.jit(cache=True)
def _dropout_kernel(x, key, p, scale, out, n):
    i = cuda.grid(1)
    if i < n:
        out[i] = x[i] * scale if _uniform_hash(key, i) >= p else 0

@cuda.jit(cache=True)
def _relu_backward_kernel(g, out, grad, n):
    i = cuda.grid(1)
    if i < n:
        grad[i] = g[i] if out[i] > 0 else 0

def dropout(x, p, key):
    out = _empty(x.shape, x.dtype)
    if x.size:
        _dropout_kernel[_blocks(x.size), THREADS](x.buffer, np.uint64(key), float(p), float(1.0 / (1.0 - p)),
                                                  out.buffer, x.size)
    return out

def relu_backward(g, out):
    grad = _empty(out.shape, g.dtype)
    if grad.size:
        _relu_backward_kernel[_blocks(grad.size), THREADS](g.buffer, out.buffer, grad.buffer, grad.size)
    return grad
