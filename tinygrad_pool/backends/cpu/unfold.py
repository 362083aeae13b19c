"""im2col and col2im on their own, for `F.unfold` and `F.fold`: the column walk of `conv.py`, one channel per
thread (each channel reads and writes its own rows of the columns and its own plane of the input)."""
import numpy as np
from numba import njit, prange

from .compile import PARALLEL
from .conv import _im2col

@njit(parallel=PARALLEL, cache=True)
def _by_channel(x, kernel, stride, pad, dilation, out_shape, cols, adjoint):
    taps = kernel[0] * kernel[1] * kernel[2]
    for c in prange(x.shape[1]):
        _im2col(x[:, c:c + 1], kernel, stride, pad, dilation, out_shape, cols[c * taps:(c + 1) * taps], adjoint)

def _fields(geometry):
    return [np.asarray(f, np.int64) for f in (geometry.kernel, geometry.stride, geometry.padding, geometry.dilation,
                                               geometry.out_shape)]

def im2col(x, geometry):
    x = np.ascontiguousarray(x)
    cols = np.empty((x.shape[1] * int(np.prod(geometry.kernel)), x.shape[0] * int(np.prod(geometry.out_shape))),
                    x.dtype)
    if cols.size:
        _by_channel(x, *_fields(geometry), cols, False)
    return cols

def col2im(cols, input_shape, geometry):
    grad_x = np.zeros(input_shape, cols.dtype)
    if cols.size:
        _by_channel(grad_x, *_fields(geometry), np.ascontiguousarray(cols), True)
    return grad_x
