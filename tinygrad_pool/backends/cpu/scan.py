"""Running sums, products, maxima and minima along an axis on the CPU, from numpy's accumulations (integers and
bools accumulate as int64, as PyTorch's do)."""
import numpy as np

def cumsum(x, axis):
    return np.cumsum(x, axis=axis, dtype=np.int64 if x.dtype.kind in "biu" else x.dtype)

def cumprod(x, axis):
    return np.cumprod(x, axis=axis, dtype=np.int64 if x.dtype.kind in "biu" else x.dtype)

def _running_extreme(x, axis, extreme):
    """(running extreme, the last index where it was reached). An element that equals the running extreme at its
    own position (or is NaN, which wins and stays) records its position there; since the extreme only moves one
    way, the largest position recorded so far is the last one where the current extreme was reached."""
    values = extreme.accumulate(x, axis=axis)
    positions = np.arange(x.shape[axis]).reshape((-1,) + (1,) * (x.ndim - axis - 1))
    reached = (x == values) | (x != x)
    return values, np.maximum.accumulate(np.where(reached, positions, 0), axis=axis)

def cummax(x, axis):
    return _running_extreme(x, axis, np.maximum)

def cummin(x, axis):
    return _running_extreme(x, axis, np.minimum)
