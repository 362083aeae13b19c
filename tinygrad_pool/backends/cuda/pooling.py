"""Pooling kernels for CUDA: one thread per output (forward) or per input (backward), driven by window tables.

Arrays arrive as (planes, D, H, W) CudaArrays. The backward kernel gathers: each input walks the outputs whose
window spans it (`cover_first`, `cover_count`), so no two threads write one element and no atomics are needed.
The max kernels start each window from its first tap, never from -inf, so they serve integer inputs too.
"""
from collections import namedtuple

import numpy as np
from numba import cuda, float64

from .array import THREADS, blocks, empty, max_wins, split_index

_TABLES = ("first", "count", "step", "factor", "cover_first", "cover_count")
_DeviceTables = namedtuple("_DeviceTables", _TABLES)

def _tables(windows):
    """Device copies of the window tables, uploaded once per table set."""
    if "cuda" not in windows.device_copies:
        windows.device_copies["cuda"] = _DeviceTables(*(cuda.to_device(getattr(windows, t)) for t in _TABLES))
    return windows.device_copies["cuda"]

@cuda.jit(device=True, inline="always")
def _window(i, first, in_d, in_h, in_w, out_d, out_h, out_w):
    """Output i of (planes, out_d, out_h, out_w) -> its (od, oh, ow), the first in-range tap (d0, h0, w0) of its
    window, and the offset of its plane in the (planes, in_d, in_h, in_w) input."""
    p, od, oh, ow = split_index(i, out_d, out_h, out_w)
    return od, oh, ow, first[0, od], first[1, oh], first[2, ow], p * in_d * in_h * in_w

@cuda.jit(device=True, inline="always")
def _box_max(x, base, in_h, in_w, d0, h0, w0, count_d, count_h, count_w, step_d, step_h, step_w):
    """The max over a box of taps, from (d0, h0, w0), count_* taps apart by step_* per dim, and its index in the
    plane: the first tap starts the scan, so integer inputs need no -inf."""
    best_index = (d0 * in_h + h0) * in_w + w0
    best = x[base + best_index]
    for jd in range(count_d):
        d = d0 + jd * step_d
        for jh in range(count_h):
            h = h0 + jh * step_h
            for jw in range(count_w):
                index = (d * in_h + h) * in_w + w0 + jw * step_w
                v = x[base + index]
                if max_wins(v, best):
                    best = v
                    best_index = index
    return best, best_index

@cuda.jit(cache=True)
def _max_pool_kernel(x, in_d, in_h, in_w, first, count, step, out, with_indices, indices, out_d, out_h, out_w):
    i = cuda.grid(1)
    if i >= out.size:
        return
    od, oh, ow, d0, h0, w0, base = _window(i, first, in_d, in_h, in_w, out_d, out_h, out_w)
    best, best_index = _box_max(x, base, in_h, in_w, d0, h0, w0, count[0, od], count[1, oh], count[2, ow],
                                step[0], step[1], step[2])
    out[i] = best
    if with_indices:
        indices[i] = best_index

@cuda.jit(cache=True)
def _fractional_max_pool_kernel(x, in_d, in_h, in_w, starts, kernel, out, with_indices, indices, out_d, out_h,
                                out_w):
    """Output i's window: the kernel box from its plane's starts (starts[p, 0, od], starts[p, 1, oh],
    starts[p, 2, ow])."""
    i = cuda.grid(1)
    if i >= out.size:
        return
    p, od, oh, ow = split_index(i, out_d, out_h, out_w)
    best, best_index = _box_max(x, p * in_d * in_h * in_w, in_h, in_w, starts[p, 0, od], starts[p, 1, oh],
                                starts[p, 2, ow], kernel[0], kernel[1], kernel[2], 1, 1, 1)
    out[i] = best
    if with_indices:
        indices[i] = best_index

@cuda.jit(cache=True)
def _avg_pool_kernel(x, in_d, in_h, in_w, first, count, factor, out, out_d, out_h, out_w):
    i = cuda.grid(1)
    if i >= out.size:
        return
    od, oh, ow, d0, h0, w0, base = _window(i, first, in_d, in_h, in_w, out_d, out_h, out_w)
    total = float64(0.0)
    for d in range(d0, d0 + count[0, od]):
        for h in range(h0, h0 + count[1, oh]):
            for w in range(w0, w0 + count[2, ow]):
                total += x[base + (d * in_h + h) * in_w + w]
    out[i] = total / (factor[0, od] * factor[1, oh] * factor[2, ow])

@cuda.jit(cache=True)
def _pool_backward_kernel(average, grad_out, indices, factor, out_d, out_h, out_w, cover_first, cover_count,
                          grad_in, in_d, in_h, in_w):
    """Each input sums grad_out over the outputs whose window covers it: when averaging, all of them, each divided
    by its window's divisor; else those that chose it as their max (`indices`)."""
    i = cuda.grid(1)
    if i >= grad_in.size:
        return
    p, d, h, w = split_index(i, in_d, in_h, in_w)
    own = (d * in_h + h) * in_w + w
    base = p * out_d * out_h * out_w
    total = float64(0.0)
    for od in range(cover_first[0, d], cover_first[0, d] + cover_count[0, d]):
        for oh in range(cover_first[1, h], cover_first[1, h] + cover_count[1, h]):
            for ow in range(cover_first[2, w], cover_first[2, w] + cover_count[2, w]):
                o = base + (od * out_h + oh) * out_w + ow
                if average:
                    total += grad_out[o] / (factor[0, od] * factor[1, oh] * factor[2, ow])
                elif indices[o] == own:
                    total += grad_out[o]
    grad_in[i] = total

def max_pool(x, windows, with_indices):
    """Values, and their indices if asked for: writing the int64 indices costs more than reading the input."""
    tables = _tables(windows)
    shape = (x.shape[0],) + windows.out_shape
    out, indices = empty(shape, x.dtype), empty(shape if with_indices else (1,), np.int64)
    if out.size:
        _max_pool_kernel[blocks(out.size), THREADS](x.buffer, *windows.in_shape, tables.first, tables.count,
                                                    tables.step, out.buffer, with_indices, indices.buffer,
                                                    *windows.out_shape)
    return out, (indices if with_indices else None)

def fractional_max_pool(x, starts, kernel, out_shape, with_indices):
    shape = (x.shape[0],) + tuple(out_shape)
    out, indices = empty(shape, x.dtype), empty(shape if with_indices else (1,), np.int64)
    if out.size:
        _fractional_max_pool_kernel[blocks(out.size), THREADS](
            x.buffer, *x.shape[1:], cuda.to_device(starts), cuda.to_device(kernel), out.buffer, with_indices,
            indices.buffer, *out_shape)
    return out, (indices if with_indices else None)

def _pool_backward(grad_out, windows, average, indices, factor):
    tables = _tables(windows)
    grad_in = empty((grad_out.shape[0],) + windows.in_shape, grad_out.dtype)
    if grad_in.size:
        _pool_backward_kernel[blocks(grad_in.size), THREADS](
            average, grad_out.buffer, indices.buffer, factor, *windows.out_shape, tables.cover_first,
            tables.cover_count, grad_in.buffer, *windows.in_shape)
    return grad_in

def max_pool_backward(grad_out, indices, windows):
    """The kernel does not read the divisors when not averaging: the windows' own table stands in for them."""
    return _pool_backward(grad_out, windows, False, indices, _tables(windows).factor)

def avg_pool(x, windows, factor):
    tables = _tables(windows)
    out = empty((x.shape[0],) + windows.out_shape, x.dtype)
    if out.size:
        _avg_pool_kernel[blocks(out.size), THREADS](x.buffer, *windows.in_shape, tables.first, tables.count,
                                                    cuda.to_device(factor), out.buffer, *windows.out_shape)
    return out

def avg_pool_backward(grad_out, windows, factor):
    """A one-element array stands in for the max's indices, which the kernel does not read when averaging."""
    return _pool_backward(grad_out, windows, True, empty((1,), np.int64), cuda.to_device(factor))
