"""Creation, elementwise functions, reductions and movement on the CPU: numpy's, whose views (transpose, broadcast,
slicing) cost nothing; the four arithmetic operations, fill and copy of large arrays run on every thread
(`threaded.py`).
"""
import numpy as np

from .padding import pad_constant
from .threaded import add, copy, div, full, mul, sub

# --- creation and transfer -------------------------------------------------------------------------------------
def asarray(array):
    return np.asarray(array, order="C")

def to_numpy(x):
    return np.asarray(x)   # numpy reductions of 0-d results give scalars; callers get an array

def zeros(shape, dtype):
    return np.zeros(shape, dtype=dtype)

def arange(n, dtype):
    return np.arange(n, dtype=dtype)

def astype(x, dtype):
    return x.astype(dtype, copy=False)

def contiguous(x):
    return x if x.flags.c_contiguous else np.ascontiguousarray(x)   # ascontiguousarray makes a 0-d array 1-d

def owned(x, taken):
    """A view (a reshape, a slice) shares its base's storage, which `taken` records by the id of the array at the
    root of the view chain; a broadcast view is read-only and is always copied."""
    root = storage(x)
    if not x.flags.writeable or id(root) in taken:
        x = root = np.array(x)
    taken.add(id(root))
    return x

def storage(x):
    """The array at the root of x's view chain: views of one array share it."""
    while isinstance(x.base, np.ndarray):
        x = x.base
    return x

def assign(x, key, values):
    """x[key] = values in place; a read-only x (a broadcast view, read-only memory) is a ValueError."""
    if not x.flags.writeable:
        raise ValueError("this tensor's storage is read-only (an expanded view, or memory that numpy may not "
                         "write, such as np.frombuffer's): clone() it before writing in place")
    x[key] = values

# --- elementwise -----------------------------------------------------------------------------------------------
pow = np.power
maximum, minimum = np.maximum, np.minimum
eq, ne, lt, le, gt, ge = np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal
neg, exp, log, sqrt, abs, tanh = np.negative, np.exp, np.log, np.sqrt, np.abs, np.tanh
log1p, sin, cos, sinh, cosh = np.log1p, np.sin, np.cos, np.sinh, np.cosh
floor, ceil, round = np.floor, np.ceil, np.rint   # rint: ties to even, as torch.round
floor_divide, remainder = np.floor_divide, np.remainder   # Python's // and %, rounding toward -inf
bitwise_and, bitwise_or, bitwise_xor = np.bitwise_and, np.bitwise_or, np.bitwise_xor

def sign(x):
    """1, -1 or 0; NaN gives 0, as torch.sign (np.sign keeps NaN)."""
    return np.subtract(x > 0, x < 0, dtype=x.dtype)

def where(cond, a, b):
    return np.where(cond, a, b)

def sigmoid(x):
    """scalar.sigmoid's formula, 0.5 * (tanh(x / 2) + 1), in numpy's ufuncs and in x's dtype. Numpy's tanh is vector
    code (AVX-512 here), while a Numba loop calls the C library's scalar tanh for each element: on 4 MB of float32
    the ufuncs take 0.6 ms, a parallel Numba kernel over scalar.sigmoid 8 ms on both cores."""
    return (np.tanh(x * x.dtype.type(0.5)) + x.dtype.type(1)) * x.dtype.type(0.5)

# --- reductions ------------------------------------------------------------------------------------------------
def sum(x, axis, keepdims):
    return np.sum(x, axis=axis, keepdims=keepdims)

def max(x, axis, keepdims):
    return np.max(x, axis=axis, keepdims=keepdims)

def min(x, axis, keepdims):
    return np.min(x, axis=axis, keepdims=keepdims)

def prod(x, axis, keepdims):
    return np.prod(x, axis=axis, keepdims=keepdims, dtype=np.int64 if x.dtype.kind in "biu" else x.dtype)

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
    """x inside a border of `value`: the interior copied once and only the border filled (np.pad fills the
    whole output first); padding of at most the last three dims of a float array runs in one parallel pass."""
    padded = [axis for axis, (lo, hi) in enumerate(widths) if lo or hi]
    if x.dtype.kind == "f" and x.ndim >= 3 and padded and padded[0] >= x.ndim - 3 and x.size:
        planes = x.reshape((-1,) + x.shape[-3:])
        out = pad_constant(planes, widths[-3:], value)
        return out.reshape(x.shape[:-3] + out.shape[1:])
    out = np.empty(tuple(size + lo + hi for size, (lo, hi) in zip(x.shape, widths)), x.dtype)
    out[tuple(slice(lo, lo + size) for size, (lo, _) in zip(x.shape, widths))] = x
    for axis, (lo, hi) in enumerate(widths):
        inner = tuple(slice(a, a + size) for size, (a, _) in zip(x.shape[:axis], widths[:axis]))
        if lo:
            out[inner + (slice(0, lo),)] = value
        if hi:
            out[inner + (slice(out.shape[axis] - hi, None),)] = value
    return out

def concatenate(xs, axis):
    return np.concatenate(xs, axis=axis)

def scatter(shape, key, values):
    """Zeros of `shape` with out[key] = values (a repeated index keeps one of its values): max_unpool."""
    out = np.zeros(shape, values.dtype)
    out[key] = values
    return out
