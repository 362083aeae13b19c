"""Fused elementwise kernels for CUDA, the twins of the CPU's: dropout draws its mask from `scalar.uniform_hash`,
so both devices drop the same elements, bit for bit; relu_backward masks the gradient in one pass."""
import numpy as np
from numba import cuda

from .array import THREADS, blocks, empty, uniform_hash

@cuda.jit(cache=True)
def _dropout_kernel(x, key, p, scale, out, n):
    i = cuda.grid(1)
    if i < n:
        out[i] = x[i] * scale if uniform_hash(key, i) >= p else 0

@cuda.jit(cache=True)
def _relu_backward_kernel(g, out, grad, n):
    i = cuda.grid(1)
    if i < n:
        grad[i] = 0 if out[i] <= 0 else g[i]   # NaN lets the gradient through, as in PyTorch

def dropout(x, p, key):
    out = empty(x.shape, x.dtype)
    if x.size:
        _dropout_kernel[blocks(x.size), THREADS](x.buffer, np.uint64(key), float(p), float(1.0 / (1.0 - p)),
                                                 out.buffer, x.size)
    return out

def relu_backward(g, out):
    grad = empty(out.shape, g.dtype)
    if grad.size:
        _relu_backward_kernel[blocks(grad.size), THREADS](g.buffer, out.buffer, grad.buffer, grad.size)
    return grad
