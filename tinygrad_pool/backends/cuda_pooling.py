"""Pooling kernels for CUDA: one thread per output (forward) or per input (backward), driven by window tables.

Arrays arrive as (planes, D, H, W) CudaArrays. Backward kernels gather: each input walks the outputs whose
window spans it (`cover_first`, `cover_count`), so no two threads write one element and no atomics are needed.
"""
import numpy as np
from numba import cuda, float64

from .cuda import THREADS, _blocks, _empty, _flat_index, asarray, zeros

def _tables(windows, factor=None):
    """Device copies of the window tables, uploaded once per table set."""
    if "cuda" not in windows.device_copies:
        windows.device_copies["cuda"] = tuple(cuda.to_device(t) for t in (
            windows.first, windows.count, windows.step, windows.cover_first, windows.cover_count))
    tables = windows.device_copies["cuda"]
    return tables if factor is None else tables + (cuda.to_device(factor),)

@cuda.jit(device=True, inline=True)
def _split(i, d, h, w):
    """Flat index -> (plane, d, h, w) for a (planes, d, h, w) array."""
    iw = i % w
    i //= w
    ih = i % h
    i //= h
    return i // d, i % d, ih, iw

@cuda.jit(cache=True)
def _max_pool_kernel(x, in_d, in_h, in_w, first, count, step, out, with_indices, indices, out_d, out_h, out_w):
    i = cuda.grid(1)
    if i >= out.size:
        return
    p, od, oh, ow = _split(i, out_d, out_h, out_w)
    d0, h0, w0 = first[0, od], first[1, oh], first[2, ow]
    base = p * in_d * in_h * in_w
    best = -np.inf
    best_index = (d0 * in_h + h0) * in_w + w0
    for jd in range(count[0, od]):
        d = d0 + jd * step[0]
        for jh in range(count[1, oh]):
            h = h0 + jh * step[1]
            for jw in range(count[2, ow]):
                w = w0 + jw * step[2]
                index = (d * in_h + h) * in_w + w
                v = x[base + index]
                if v > best or v != v:
                    best = v
                    best_index = index
    out[i] = best
    if with_indices:
        indices[i] = best_index

@cuda.jit(cache=True)
def _avg_pool_kernel(x, in_d, in_h, in_w, first, count, factor, out, out_d, out_h, out_w):
    i = cuda.grid(1)
    if i >= out.size:
        return
    p, od, oh, ow = _split(i, out_d, out_h, out_w)
    d0, h0, w0 = first[0, od], first[1, oh], first[2, ow]
    base = p * in_d * in_h * in_w
    total = float64(0.0)
    for d in range(d0, d0 + count[0, od]):
        for h in range(h0, h0 + count[1, oh]):
            for w in range(w0, w0 + count[2, ow]):
                total += x[base + (d * in_h + h) * in_w + w]
    out[i] = total / (factor[0, od] * factor[1, oh] * factor[2, ow])

@cuda.jit(cache=True)
def _max_pool_backward_kernel(grad_out, indices, out_d, out_h, out_w, cover_first, cover_count, grad_in,
                              in_d, in_h, in_w):
    """Each input sums grad_out over the outputs that cover it and chose it as their max."""
    i = cuda.grid(1)
    if i >= grad_in.size:
        return
    p, d, h, w = _split(i, in_d, in_h, in_w)
    own = (d * in_h + h) * in_w + w
    base = p * out_d * out_h * out_w
    total = float64(0.0)
    for od in range(cover_first[0, d], cover_first[0, d] + cover_count[0, d]):
        for oh in range(cover_first[1, h], cover_first[1, h] + cover_count[1, h]):
            for ow in range(cover_first[2, w], cover_first[2, w] + cover_count[2, w]):
                o = base + (od * out_h + oh) * out_w + ow
                if indices[o] == own:
                    total += grad_out[o]
    grad_in[i] = total

@cuda.jit(cache=True)
def _avg_pool_backward_kernel(grad_out, out_d, out_h, out_w, cover_first, cover_count, factor, grad_in,
                              in_d, in_h, in_w):
    i = cuda.grid(1)
    if i >= grad_in.size:
        return
    p, d, h, w = _split(i, in_d, in_h, in_w)
    base = p * out_d * out_h * out_w
    total = float64(0.0)
    for od in range(cover_first[0, d], cover_first[0, d] + cover_count[0, d]):
        for oh in range(cover_first[1, h], cover_first[1, h] + cover_count[1, h]):
            for ow in range(cover_first[2, w], cover_first[2, w] + cover_count[2, w]):
                share = factor[0, od] * factor[1, oh] * factor[2, ow]
                total += grad_out[base + (od * out_h + oh) * out_w + ow] / share
    grad_in[i] = total

def max_pool(x, windows, with_indices):
    """Values, and their indices if asked for: writing the int64 indices costs more than reading the input."""
    first, count, step, _, _ = _tables(windows)
    shape = (x.shape[0],) + windows.out_shape
    out, indices = _empty(shape, x.dtype), _empty(shape if with_indices else (1,), np.int64)
    if out.size:
        _max_pool_kernel[_blocks(out.size), THREADS](x.buffer, *windows.in_shape, first, count, step, out.buffer,
                                                     with_indices, indices.buffer, *windows.out_shape)
    return out, (indices if with_indices else None)

def max_pool_backward(grad_out, indices, windows):
    _, _, _, cover_first, cover_count = _tables(windows)
    grad_in = _empty((grad_out.shape[0],) + windows.in_shape, grad_out.dtype)
    if grad_in.size:
        _max_pool_backward_kernel[_blocks(grad_in.size), THREADS](
            grad_out.buffer, indices.buffer, *windows.out_shape, cover_first, cover_count, grad_in.buffer,
            *windows.in_shape)
    return grad_in

def avg_pool(x, windows, factor):
    first, count, _, _, _, factor = _tables(windows, factor)
    out = _empty((x.shape[0],) + windows.out_shape, x.dtype)
    if out.size:
        _avg_pool_kernel[_blocks(out.size), THREADS](x.buffer, *windows.in_shape, first, count, factor,
                                                     out.buffer, *windows.out_shape)
    return out

def avg_pool_backward(grad_out, windows, factor):
    _, _, _, cover_first, cover_count, factor = _tables(windows, factor)
    grad_in = _empty((grad_out.shape[0],) + windows.in_shape, grad_out.dtype)
    if grad_in.size:
        _avg_pool_backward_kernel[_blocks(grad_in.size), THREADS](
            grad_out.buffer, *windows.out_shape, cover_first, cover_count, factor, grad_in.buffer,
            *windows.in_shape)
    return grad_in

@cuda.jit(cache=True)
def _scatter_kernel(out, index, values):
    i = cuda.grid(1)
    if i < index.size:
        out[index[i]] = values[i]

def scatter(shape, key, values):
    """Zeros of `shape` with out[key] = values (a repeated index keeps one of its values): max_unpool."""
    out = zeros(shape, values.dtype)
    index = _flat_index(shape, key)
    if index.size:
        _scatter_kernel[_blocks(index.size), THREADS](out.buffer, asarray(index).buffer, values.buffer)
    return out
