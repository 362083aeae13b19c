"""The CPU backend: numpy arrays as storage, Numba kernels for the heavy work.

Elementwise arithmetic, reductions and views are numpy's: its ufuncs already stream memory at full speed and
its views (transpose, broadcast, slicing) cost nothing. Numba takes the work where numpy has no fast answer or
where fusing saves passes over memory (matmul through BLAS, and later pooling and convolution).
Every function here has a twin of the same name and signature in `cuda.py`; `docs/architecture.md` lists them.
"""
import numpy as np

from .cpu_memory import KEPT as KEEPS_FREED_MEMORY  # noqa: F401  (raises glibc's thresholds on import)

name = "cpu"

# --- creation and transfer -------------------------------------------------------------------------------------
def asarray(array):
    return np.asarray(array, order="C")

def to_numpy(x):
    return np.asarray(x)   # numpy reductions of 0-d results give scalars; callers get an array

def full(shape, value, dtype):
    return np.full(shape, value, dtype=dtype)

def zeros(shape, dtype):
    return np.zeros(shape, dtype=dtype)

def arange(n, dtype):
    return np.arange(n, dtype=dtype)

def astype(x, dtype):
    return x.astype(dtype, copy=False)

def copy(x):
    return np.array(x)

def contiguous(x):
    return np.ascontiguousarray(x)

# --- elementwise -----------------------------------------------------------------------------------------------
add, sub, mul, div, pow = np.add, np.subtract, np.multiply, np.true_divide, np.power
maximum, minimum = np.maximum, np.minimum
eq, ne, lt, le, gt, ge = np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal
neg, exp, log, sqrt, abs, tanh, sign = np.negative, np.exp, np.log, np.sqrt, np.abs, np.tanh, np.sign
where = np.where

def sigmoid(x):
    """1 / (1 + exp(-x)) written through tanh, which never overflows."""
    return (np.tanh(x * x.dtype.type(0.5)) + x.dtype.type(1)) * x.dtype.type(0.5)

# --- reductions ------------------------------------------------------------------------------------------------
def sum(x, axis, keepdims):
    return np.sum(x, axis=axis, keepdims=keepdims)

def max(x, axis, keepdims):
    return np.max(x, axis=axis, keepdims=keepdims)

def min(x, axis, keepdims):
    return np.min(x, axis=axis, keepdims=keepdims)

def argmax(x, axis, keepdims):
    return np.argmax(x, axis=axis, keepdims=keepdims)

def argmin(x, axis, keepdims):
    return np.argmin(x, axis=axis, keepdims=keepdims)

# --- movement --------------------------------------------------------------------------------------------------
def reshape(x, shape):
    return x.reshape(shape)

def permute(x, axes):
    return x.transpose(axes)

def expand(x, shape):
    return np.broadcast_to(x, shape)

def getitem(x, key):
    return x[key]

def index_add(shape, key, values):
    """The gradient of `x[key]`: zeros of `shape` with `values` added at `key` (repeated indices add up)."""
    out = np.zeros(shape, dtype=values.dtype)
    np.add.at(out, key, values)
    return out

def pad(x, widths, value):
    return np.pad(x, widths, mode="constant", constant_values=value)

def concatenate(xs, axis):
    return np.concatenate(xs, axis=axis)

# --- matmul, pooling, convolution: Numba kernels in their own modules ---------------------------------------
from .cpu_blas import matmul  # noqa: E402,F401
from .cpu_pooling import max_pool, max_pool_backward, avg_pool, avg_pool_backward, scatter  # noqa: E402,F401
from .cpu_conv import conv_forward, conv_backward  # noqa: E402,F401
from .cpu_optim import sgd_step, adam_step, adadelta_step  # noqa: E402,F401
from .cpu_fused import dropout, relu, relu_backward  # noqa: E402,F401
