"""The pointwise activations (leaky_relu, elu, gelu, silu, ...): one parallel loop each way over the formulas of
`backends/scalar.py`, chosen by their code, so that the CPU and CUDA compute the same thing."""
import numpy as np
from numba import njit, prange

from .compile import PARALLEL, activation as _activation, activation_grad as _activation_grad

@njit(parallel=PARALLEL, cache=True)
def _forward(x, kind, a, b, out):
    for i in prange(x.size):
        out[i] = _activation(kind, x[i], a, b)

@njit(parallel=PARALLEL, cache=True)
def _backward(g, x, kind, a, b, grad):
    for i in prange(x.size):
        grad[i] = g[i] * _activation_grad(kind, x[i], a, b)

def activation(x, kind, a, b):
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty_like(flat)
    _forward(flat, kind, float(a), float(b), out)
    return out.reshape(x.shape)

def activation_backward(g, x, kind, a, b):
    grad = np.empty(x.shape, g.dtype)
    _backward(np.ascontiguousarray(g).reshape(-1), np.ascontiguousarray(x).reshape(-1), kind, float(a), float(b),
              grad.reshape(-1))
    return grad
