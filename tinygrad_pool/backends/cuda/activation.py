"""The pointwise activations for CUDA: one thread per element over the formulas of `backends/scalar.py`, the
twins of `cpu/activation.py`."""
from numba import cuda

from .array import THREADS, activation as _activation, activation_grad as _activation_grad, blocks, empty

@cuda.jit(cache=True)
def _forward_kernel(x, kind, a, b, out):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = _activation(kind, x[i], a, b)

@cuda.jit(cache=True)
def _backward_kernel(g, x, kind, a, b, grad):
    i = cuda.grid(1)
    if i < grad.size:
        grad[i] = g[i] * _activation_grad(kind, x[i], a, b)

def activation(x, kind, a, b):
    out = empty(x.shape, x.dtype)
    if out.size:
        _forward_kernel[blocks(out.size), THREADS](x.buffer, kind, float(a), float(b), out.buffer)
    return out

def activation_backward(g, x, kind, a, b):
    grad = empty(x.shape, g.dtype)
    if grad.size:
        _backward_kernel[blocks(grad.size), THREADS](g.buffer, x.buffer, kind, float(a), float(b), grad.buffer)
    return grad
