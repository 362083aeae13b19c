"""Reductions for CUDA: with the reduced axes last, the input is a (rows, row_length) problem, and each row is
folded by one block (few long rows) or by one thread (many or short rows). The public names `sum`, `max` and
`min` mirror numpy's, so the builtins are spelled `builtins.*`.
"""
import builtins
import math

import numpy as np
from numba import cuda, float64

from .array import THREADS, blocks, empty, max_wins
from .movement import permute, reshape

SUM, MAX, MIN, PROD = range(4)

@cuda.jit(device=True, inline="always")
def _start(op, x, base):
    """What a fold starts from: the identity of a sum or product, a row's first element for max and min."""
    if op == SUM:
        return 0.0
    if op == PROD:
        return 1.0
    return float64(x[base])

@cuda.jit(device=True, inline="always")
def _combine(op, acc, v):
    if op == SUM:
        return acc + v
    if op == PROD:
        return acc * v
    if op == MAX:
        return v if max_wins(v, acc) else acc
    return v if (v < acc or v != v) else acc

@cuda.jit(cache=True)
def _reduce_rows_kernel(op, x, row_length, out):
    """One block per row of a (rows, row_length) array: each thread folds a strided part, then a tree."""
    partial = cuda.shared.array(THREADS, float64)
    row, t = cuda.blockIdx.x, cuda.threadIdx.x
    base = row * row_length
    acc = _start(op, x, base)
    for j in range(t, row_length, THREADS):
        acc = _combine(op, acc, float64(x[base + j]))
    partial[t] = acc
    cuda.syncthreads()
    width = THREADS // 2
    while width > 0:
        if t < width:
            partial[t] = _combine(op, partial[t], partial[t + width])
        cuda.syncthreads()
        width //= 2
    if t == 0:
        out[row] = partial[0]

@cuda.jit(cache=True)
def _reduce_short_rows_kernel(op, x, row_length, out):
    """One thread per row: for many rows, or rows too short to share among a block."""
    row = cuda.grid(1)
    if row < out.size:
        base = row * row_length
        acc = _start(op, x, base)
        for j in range(row_length):
            acc = _combine(op, acc, float64(x[base + j]))
        out[row] = acc

def _rows_last(x, axes):
    """x with the reduced `axes` last, as a (rows, row_length) problem; plus the kept shape."""
    kept = [a for a in range(x.ndim) if a not in axes]
    if list(axes) != list(range(x.ndim - len(axes), x.ndim)):
        x = permute(x, tuple(kept) + tuple(axes))
    row_length = math.prod(x.shape[len(kept):])
    return x, row_length, tuple(x.shape[:len(kept)])

def _normalize_axes(x, axis):
    if axis is None:
        return tuple(range(x.ndim))
    return tuple(sorted(a % builtins.max(x.ndim, 1) for a in (axis if isinstance(axis, tuple) else (axis,))))

def _keepdims(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))

def _reduce(op, x, axis, keepdims, dtype):
    axes = _normalize_axes(x, axis)
    rows_x, row_length, kept_shape = _rows_last(x, axes)
    out = empty(kept_shape, dtype)
    if out.size and (out.size >= 1024 or row_length <= 64):
        _reduce_short_rows_kernel[blocks(out.size), THREADS](op, rows_x.buffer, row_length, out.buffer)
    elif out.size:
        _reduce_rows_kernel[out.size, THREADS](op, rows_x.buffer, row_length, out.buffer)
    return reshape(out, _keepdims(x.shape, axes)) if keepdims else out

def sum(x, axis, keepdims):
    return _reduce(SUM, x, axis, keepdims, np.int64 if x.dtype.kind in "bi" else x.dtype)

def prod(x, axis, keepdims):
    return _reduce(PROD, x, axis, keepdims, np.int64 if x.dtype.kind in "biu" else x.dtype)

def max(x, axis, keepdims):
    return _reduce(MAX, x, axis, keepdims, x.dtype)

def min(x, axis, keepdims):
    return _reduce(MIN, x, axis, keepdims, x.dtype)

@cuda.jit(cache=True)
def _arg_extreme_kernel(op, x, row_length, out):
    """One thread per row: the index of the first maximum (or minimum); a NaN wins, as in numpy."""
    row = cuda.grid(1)
    if row < out.size:
        base = row * row_length
        best, best_j = x[base], 0
        for j in range(1, row_length):
            v = x[base + j]
            if best != best:
                break
            if (op == MAX and v > best) or (op == MIN and v < best) or v != v:
                best, best_j = v, j
        out[row] = best_j

def _arg_extreme(op, x, axis, keepdims):
    axes = _normalize_axes(x, axis)
    rows_x, row_length, kept_shape = _rows_last(x, axes)
    out = empty(kept_shape, np.int64)
    if out.size:
        _arg_extreme_kernel[blocks(out.size), THREADS](op, rows_x.buffer, row_length, out.buffer)
    return reshape(out, _keepdims(x.shape, axes)) if keepdims else out

def argmax(x, axis, keepdims):
    return _arg_extreme(MAX, x, axis, keepdims)

def argmin(x, axis, keepdims):
    return _arg_extreme(MIN, x, axis, keepdims)
