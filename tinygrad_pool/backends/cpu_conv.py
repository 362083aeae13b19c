"""Convolution kernels for the CPU: im2col and col2im as parallel Numba loops; the products go to BLAS.

Inputs are (N, C, D, H, W) (unit dims in front for 1-d and 2-d). Columns are (C * KD*KH*KW, N * OD*OH*OW):
row r = (c, jd, jh, jw) holds, for every output position of every sample, the input element that tap
(jd, jh, jw) of channel c reads there, or 0 where the tap falls in the zero padding. One BLAS product per group
then convolves the whole batch at once.
"""
import numpy as np
from numba import njit, prange

@njit(cache=True)
def _split_row(r, kd, kh, kw):
    jw = r % kw
    r //= kw
    jh = r % kh
    r //= kh
    return r // kd, r % kd, jh, jw

@njit(cache=True)
def _valid_range(tap_offset, stride, count, length):
    """The outputs o in [low, high) whose tap o * stride + tap_offset lies inside [0, length)."""
    low = 0 if tap_offset >= 0 else (-tap_offset + stride - 1) // stride
    high = (length - 1 - tap_offset) // stride + 1 if length - 1 - tap_offset >= 0 else 0
    return min(low, count), max(min(high, count), min(low, count))

@njit(parallel=True, cache=True)
def _im2col_kernel(x, kernel, stride, pad, dilation, out_shape, cols):
    n_samples, channels, depth, height, width = x.shape
    kd, kh, kw = kernel[0], kernel[1], kernel[2]
    od_n, oh_n, ow_n = out_shape[0], out_shape[1], out_shape[2]
    for r in prange(channels * kd * kh * kw):
        c, jd, jh, jw = _split_row(r, kd, kh, kw)
        offset_w = jw * dilation[2] - pad[2]
        low, high = _valid_range(offset_w, stride[2], ow_n, width)   # columns inside the input: a plain copy
        out_row = cols[r]
        col = 0
        for n in range(n_samples):
            for od in range(od_n):
                d = od * stride[0] - pad[0] + jd * dilation[0]
                for oh in range(oh_n):
                    h = oh * stride[1] - pad[1] + jh * dilation[1]
                    if 0 <= d < depth and 0 <= h < height:
                        for ow in range(low):
                            out_row[col + ow] = 0
                        for ow in range(low, high):
                            out_row[col + ow] = x[n, c, d, h, ow * stride[2] + offset_w]
                        for ow in range(high, ow_n):
                            out_row[col + ow] = 0
                    else:
                        for ow in range(ow_n):
                            out_row[col + ow] = 0
                    col += ow_n

@njit(parallel=True, cache=True)
def _col2im_kernel(cols, kernel, stride, pad, dilation, out_shape, grad_x):
    """The adjoint of im2col: every column entry adds back into the input element it was read from.
    Threads own channels, so no two threads write one element."""
    n_samples, channels, depth, height, width = grad_x.shape
    kd, kh, kw = kernel[0], kernel[1], kernel[2]
    od_n, oh_n, ow_n = out_shape[0], out_shape[1], out_shape[2]
    for c in prange(channels):
        for jd in range(kd):
            for jh in range(kh):
                for jw in range(kw):
                    r = ((c * kd + jd) * kh + jh) * kw + jw
                    offset_w = jw * dilation[2] - pad[2]
                    low, high = _valid_range(offset_w, stride[2], ow_n, width)
                    in_row = cols[r]
                    col = 0
                    for n in range(n_samples):
                        for od in range(od_n):
                            d = od * stride[0] - pad[0] + jd * dilation[0]
                            for oh in range(oh_n):
                                h = oh * stride[1] - pad[1] + jh * dilation[1]
                                if 0 <= d < depth and 0 <= h < height:
                                    for ow in range(low, high):
                                        grad_x[n, c, d, h, ow * stride[2] + offset_w] += in_row[col + ow]
                                col += ow_n

def _geometry(geometry):
    return tuple(np.asarray(g, np.int64) for g in geometry)

def im2col(x, geometry):
    """geometry = (kernel, stride, pad_left, dilation, out_shape), each three ints."""
    kernel, stride, pad, dilation, out_shape = _geometry(geometry)
    x = np.ascontiguousarray(x)
    cols = np.empty((x.shape[1] * int(np.prod(kernel)), x.shape[0] * int(np.prod(out_shape))), x.dtype)
    _im2col_kernel(x, kernel, stride, pad, dilation, out_shape, cols)
    return cols

def col2im(cols, input_shape, geometry):
    kernel, stride, pad, dilation, out_shape = _geometry(geometry)
    grad_x = np.zeros(input_shape, cols.dtype)
    _col2im_kernel(np.ascontiguousarray(cols), kernel, stride, pad, dilation, out_shape, grad_x)
    return grad_x
