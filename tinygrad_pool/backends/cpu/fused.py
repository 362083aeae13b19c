"""Fused elementwise kernels for the training step: one pass over memory where numpy would make several.

Dropout draws its mask from a counter-based generator, `scalar.uniform_hash`: element i of a call with key k keeps
its value when hash(k, i) >= p. The same key gives the same mask on every device and thread count, and the
backward pass recomputes the mask from the key instead of storing it (dropout's gradient is dropout of the
gradient).
"""
import numpy as np
from numba import njit, prange

from .compile import PARALLEL, uniform_hash

@njit(parallel=PARALLEL, cache=True)
def _dropout(x, key, p, scale, out):
    for i in prange(x.size):
        out[i] = x[i] * scale if uniform_hash(key, i) >= p else 0

@njit(parallel=PARALLEL, cache=True)
def _relu(x, out):
    for i in prange(x.size):
        out[i] = 0 if x[i] <= 0 else x[i]   # NaN passes through, as in PyTorch

@njit(parallel=PARALLEL, cache=True)
def _relu_backward(g, out, grad):
    for i in prange(g.size):
        grad[i] = 0 if out[i] <= 0 else g[i]   # NaN lets the gradient through, as in PyTorch

def dropout(x, p, key):
    """x with each element zeroed where hash(key, i) < p, the rest scaled by 1 / (1 - p)."""
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty_like(flat)
    _dropout(flat, np.uint64(key), float(p), x.dtype.type(1.0 / (1.0 - p)), out)
    return out.reshape(x.shape)

def relu(x):
    """max(x, 0) over all threads (numpy's maximum runs on one). NaN stays NaN, as in PyTorch."""
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty_like(flat)
    _relu(flat, out)
    return out.reshape(x.shape)

def relu_backward(g, out):
    """g where the ReLU's output is positive or NaN, else 0."""
    grad = np.empty(out.shape, g.dtype)
    _relu_backward(np.ascontiguousarray(g).reshape(-1), np.ascontiguousarray(out).reshape(-1), grad.reshape(-1))
    return grad
