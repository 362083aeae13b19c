"""Running sums, products, maxima and minima along an axis for CUDA: with the axis last, one thread walks each
row."""
import numpy as np
from numba import cuda

from .array import THREADS, astype, blocks, empty
from .movement import permute

@cuda.jit(cache=True)
def _running_rows_kernel(multiply, x, rows, row_length, out):
    """One thread per row: the running product (or sum) in the output's dtype, element after element, as numpy
    accumulates."""
    row = cuda.grid(1)
    if row < rows:
        base = row * row_length
        acc = x[base]
        out[base] = acc
        for j in range(1, row_length):
            acc = acc * x[base + j] if multiply else acc + x[base + j]
            out[base + j] = acc

@cuda.jit(cache=True)
def _running_extreme_rows_kernel(is_max, x, rows, row_length, values, indices):
    """The running extreme of each row and the last index where it was reached: an equal value takes the index
    over, a NaN wins and stays, and a later NaN takes the index (as in PyTorch)."""
    row = cuda.grid(1)
    if row < rows:
        base = row * row_length
        best, best_j = x[base], 0
        for j in range(row_length):
            v = x[base + j]
            if v != v or (best == best and (v >= best if is_max else v <= best)):
                best, best_j = v, j
            values[base + j] = best
            indices[base + j] = best_j

def _axis_last(x, axis):
    return x if axis == x.ndim - 1 else permute(x, tuple(a for a in range(x.ndim) if a != axis) + (axis,))

def _axis_back(out, axis):
    """Undo _axis_last."""
    ndim = len(out.shape)
    return out if axis == ndim - 1 else permute(out, tuple(range(axis)) + (ndim - 1,) + tuple(range(axis, ndim - 1)))

def _running(x, axis, multiply):
    """Integers and bools accumulate as int64, as numpy's and PyTorch's do."""
    dtype = np.dtype(np.int64) if x.dtype.kind in "biu" else x.dtype
    rows_x = _axis_last(astype(x, dtype), axis)
    out = empty(rows_x.shape, dtype)
    if out.size:
        row_length = rows_x.shape[-1]
        rows = out.size // row_length
        _running_rows_kernel[blocks(rows), THREADS](multiply, rows_x.buffer, rows, row_length, out.buffer)
    return _axis_back(out, axis)

def cumsum(x, axis):
    return _running(x, axis, False)

def cumprod(x, axis):
    return _running(x, axis, True)

def _running_extreme(x, axis, is_max):
    rows_x = _axis_last(x, axis)
    values, indices = empty(rows_x.shape, x.dtype), empty(rows_x.shape, np.int64)
    if values.size:
        row_length = rows_x.shape[-1]
        rows = values.size // row_length
        _running_extreme_rows_kernel[blocks(rows), THREADS](is_max, rows_x.buffer, rows, row_length, values.buffer,
                                                            indices.buffer)
    return _axis_back(values, axis), _axis_back(indices, axis)

def cummax(x, axis):
    return _running_extreme(x, axis, True)

def cummin(x, axis):
    return _running_extreme(x, axis, False)
