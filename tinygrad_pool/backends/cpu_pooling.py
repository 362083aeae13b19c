"""Pooling kernels for the CPU: one kernel per reduction, for 1-3 spatial dims, driven by window tables.

Arrays arrive as (planes, D, H, W), planes = N * C, and the kernels run planes in parallel (`prange`), so each
thread owns whole planes and the backward scatters never race. See `tinygrad_pool/windows.py` for the tables.
"""
import numpy as np
from numba import njit, prange

@njit(parallel=True, cache=True)
def _max_pool_kernel(x, first, count, step, out, indices):
    """Max over each window; ties keep the first tap in (d, h, w) order, a NaN wins and the last NaN's index
    is kept. The running max starts at -inf with the window's first in-range tap as its index."""
    planes, _, height, width = x.shape
    out_d, out_h, out_w = out.shape[1], out.shape[2], out.shape[3]
    for p in prange(planes):
        for od in range(out_d):
            d0, nd = first[0, od], count[0, od]
            for oh in range(out_h):
                h0, nh = first[1, oh], count[1, oh]
                for ow in range(out_w):
                    w0, nw = first[2, ow], count[2, ow]
                    best = -np.inf
                    best_index = (d0 * height + h0) * width + w0
                    for jd in range(nd):
                        d = d0 + jd * step[0]
                        for jh in range(nh):
                            h = h0 + jh * step[1]
                            for jw in range(nw):
                                w = w0 + jw * step[2]
                                v = x[p, d, h, w]
                                if v > best or v != v:
                                    best = v
                                    best_index = (d * height + h) * width + w
                    out[p, od, oh, ow] = best
                    indices[p, od, oh, ow] = best_index

@njit(parallel=True, cache=True)
def _avg_pool_kernel(x, first, count, factor, out):
    """Sum over each window (in float64) divided by the product of the three per-dim divisor factors."""
    planes = x.shape[0]
    out_d, out_h, out_w = out.shape[1], out.shape[2], out.shape[3]
    for p in prange(planes):
        for od in range(out_d):
            d0, nd = first[0, od], count[0, od]
            for oh in range(out_h):
                h0, nh = first[1, oh], count[1, oh]
                for ow in range(out_w):
                    w0, nw = first[2, ow], count[2, ow]
                    total = 0.0
                    for d in range(d0, d0 + nd):
                        for h in range(h0, h0 + nh):
                            for w in range(w0, w0 + nw):
                                total += x[p, d, h, w]
                    out[p, od, oh, ow] = total / (factor[0, od] * factor[1, oh] * factor[2, ow])

@njit(parallel=True, cache=True)
def _max_pool_backward_kernel(grad_out, indices, grad_in):
    """grad_in[plane, index] += grad_out: overlapping windows that chose the same input add up."""
    for p in prange(grad_out.shape[0]):
        for o in range(grad_out.shape[1]):
            grad_in[p, indices[p, o]] += grad_out[p, o]

@njit(parallel=True, cache=True)
def _avg_pool_backward_kernel(grad_out, first, count, factor, grad_in):
    """Every input of a window receives grad_out / divisor (the forward's divisor)."""
    planes = grad_out.shape[0]
    out_d, out_h, out_w = grad_out.shape[1], grad_out.shape[2], grad_out.shape[3]
    for p in prange(planes):
        for od in range(out_d):
            d0, nd = first[0, od], count[0, od]
            for oh in range(out_h):
                h0, nh = first[1, oh], count[1, oh]
                for ow in range(out_w):
                    w0, nw = first[2, ow], count[2, ow]
                    share = grad_out[p, od, oh, ow] / (factor[0, od] * factor[1, oh] * factor[2, ow])
                    for d in range(d0, d0 + nd):
                        for h in range(h0, h0 + nh):
                            for w in range(w0, w0 + nw):
                                grad_in[p, d, h, w] += share

def max_pool(x, windows):
    """(planes, D, H, W) -> values and int64 flat indices into each plane, both (planes, OD, OH, OW)."""
    x = np.ascontiguousarray(x)
    shape = (x.shape[0],) + windows.out_shape
    out, indices = np.empty(shape, x.dtype), np.empty(shape, np.int64)
    _max_pool_kernel(x, windows.first, windows.count, windows.step, out, indices)
    return out, indices

def max_pool_backward(grad_out, indices, windows):
    planes = grad_out.shape[0]
    grad_in = np.zeros((planes, int(np.prod(windows.in_shape))), grad_out.dtype)
    _max_pool_backward_kernel(np.ascontiguousarray(grad_out).reshape(planes, -1), indices.reshape(planes, -1),
                              grad_in)
    return grad_in.reshape((planes,) + windows.in_shape)

def avg_pool(x, windows, factor):
    x = np.ascontiguousarray(x)
    out = np.empty((x.shape[0],) + windows.out_shape, x.dtype)
    _avg_pool_kernel(x, windows.first, windows.count, factor, out)
    return out

def avg_pool_backward(grad_out, windows, factor):
    grad_in = np.zeros((grad_out.shape[0],) + windows.in_shape, grad_out.dtype)
    _avg_pool_backward_kernel(np.ascontiguousarray(grad_out), windows.first, windows.count, factor, grad_in)
    return grad_in

def scatter(shape, key, values):
    """Zeros of `shape` with out[key] = values (a repeated index keeps one of its values): max_unpool."""
    out = np.zeros(shape, values.dtype)
    out[key] = values
    return out
