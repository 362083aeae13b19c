"""numpy's elementwise arithmetic, fill and copy on every thread, for large arrays.

numpy's ufuncs run on one core. Where one core cannot saturate memory, or where the arrays sit in a large
last-level cache (480 MiB on the 2-core Xeon measured in shared/CPU.md), a second thread doubles the speed:
adding two (32, 64, 56, 56) float32 arrays there takes numpy 1.7 ms, PyTorch 0.9 ms and `add` here 0.9 ms.
Below PARALLEL_MIN elements starting the threads costs more than the work, and other layouts, dtypes and
broadcasts go to numpy. Each element is the same IEEE operation as numpy's, so the results are equal to the bit.
"""
import numpy as np
from numba import njit, prange

from .compile import PARALLEL

PARALLEL_MIN = 1 << 16   # elements
ADD, SUB, MUL, DIV = 0, 1, 2, 3

@njit(parallel=PARALLEL, cache=True, error_model="numpy")   # numpy's model: x / 0 is inf or NaN, no exception
def _binary(op, a, b, out):
    """out = a op b over flat arrays; the op is chosen once, outside the loops, so each loop is vector code."""
    if op == ADD:
        for i in prange(out.size):
            out[i] = a[i] + b[i]
    elif op == SUB:
        for i in prange(out.size):
            out[i] = a[i] - b[i]
    elif op == MUL:
        for i in prange(out.size):
            out[i] = a[i] * b[i]
    else:
        for i in prange(out.size):
            out[i] = a[i] / b[i]

@njit(parallel=PARALLEL, cache=True)
def _copy(source, out):
    for i in prange(out.size):
        out[i] = source[i]

@njit(parallel=PARALLEL, cache=True)
def _fill(out, value):
    for i in prange(out.size):
        out[i] = value

def _large_float(x):
    """Whether x goes to the threads: a large C-ordered float array."""
    return isinstance(x, np.ndarray) and x.size >= PARALLEL_MIN and x.dtype.kind == "f" and x.flags.c_contiguous

def _threaded(a, b):
    """Whether a op b goes to the threads: two large C-ordered float arrays of one shape and dtype."""
    return _large_float(a) and _large_float(b) and a.shape == b.shape and a.dtype == b.dtype

def _binary_op(op, ufunc):
    def apply(a, b):
        if not _threaded(a, b):
            return ufunc(a, b)
        out = np.empty_like(a)
        _binary(op, a.reshape(-1), b.reshape(-1), out.reshape(-1))
        return out
    apply.__name__ = ufunc.__name__
    return apply

add, sub, mul, div = (_binary_op(op, ufunc) for op, ufunc in ((ADD, np.add), (SUB, np.subtract),
                                                               (MUL, np.multiply), (DIV, np.true_divide)))

def add_into(x, a):
    """x += a in place (gradient accumulation into a leaf's .grad); False, with x unchanged, for a read-only x."""
    if not x.flags.writeable:
        return False
    if _threaded(x, a):
        _binary(ADD, x.reshape(-1), a.reshape(-1), x.reshape(-1))
    else:
        np.add(x, a, out=x)
    return True

def full(shape, value, dtype):
    out = np.empty(shape, dtype)
    if out.size < PARALLEL_MIN or out.dtype.kind != "f":
        out.fill(value)
    else:
        _fill(out.reshape(-1), out.dtype.type(value))
    return out

def copy(x):
    """A new array with x's values, as np.array(x) (a Tensor made from a numpy array gets one)."""
    if not _large_float(x):
        return np.array(x)
    out = np.empty_like(x)
    _copy(x.reshape(-1), out.reshape(-1))
    return out
