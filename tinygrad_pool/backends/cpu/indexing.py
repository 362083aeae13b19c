"""Gather and scatter along one axis for the CPU: gathers are numpy's (take, take_along_axis), scatters one
parallel Numba kernel for every reduction.

A scatter writes into columns: the elements that share every coordinate but the scattered axis. Every write
of an index column lands in one column of the output, and different index columns land in different output
columns, so the kernel hands each thread whole columns and no two threads ever write one element; within a
column the writes happen in index order (a repeated index of 'assign' keeps its last value). Threads take
blocks of neighbouring columns and walk the axis with the block as the inner loop, so each step reads and
writes contiguous runs. np.add.at, numpy's answer, runs one element at a time on one core.
"""
import math

import numpy as np
from numba import get_num_threads, njit, prange

from .. import scalar
from .compile import PARALLEL, scatter_combine

REDUCTIONS = {"assign": scalar.SCATTER_ASSIGN, "sum": scalar.SCATTER_SUM, "prod": scalar.SCATTER_PROD,
              "amax": scalar.SCATTER_AMAX, "amin": scalar.SCATTER_AMIN}

@njit(parallel=PARALLEL, cache=True)
def _scatter_columns(out, column_start, axis_stride, index, src, kind, block):
    """out (flat) at column_start[c] + index[o, m, i] * axis_stride combines src[o, m, i], for column c = o * inner
    + i; threads take `block` neighbouring columns of one o each."""
    outer, length, inner = index.shape
    blocks_per_row = (inner + block - 1) // block
    for part in prange(outer * blocks_per_row):
        o = part // blocks_per_row
        low = (part % blocks_per_row) * block
        high = min(low + block, inner)
        for m in range(length):
            for i in range(low, high):
                target = column_start[o * inner + i] + index[o, m, i] * axis_stride
                out[target] = scatter_combine(kind, out[target], src[o, m, i])

def _around(shape, axis):
    """(outer, length, inner): `shape` as the dims before `axis`, `axis` itself and the dims after it."""
    return math.prod(shape[:axis]), shape[axis], math.prod(shape[axis + 1:])

def _column_starts(out_shape, axis, box):
    """For each column of the index-shaped `box` (in C order, the axis left out), the flat offset in an array of
    `out_shape` of the column's element at position 0 along the axis."""
    strides = np.cumprod((1,) + tuple(out_shape[:0:-1]), dtype=np.int64)[::-1]
    starts = np.zeros((), np.int64)
    for dim, size in enumerate(box):
        if dim != axis:
            starts = np.add.outer(starts, np.arange(size, dtype=np.int64) * strides[dim])
    return np.ascontiguousarray(starts).reshape(-1), int(strides[axis])

def _scatter(x, axis, box, index, src, reduce):
    """A C-ordered copy of x with src combined in at index: both (outer, length, inner) views of the
    index-shaped `box` around `axis`."""
    out = np.array(x, order="C")
    if index.size:
        starts, axis_stride = _column_starts(out.shape, axis, box)
        outer, inner = index.shape[0], index.shape[2]
        splits = max(1, min(inner, -(-get_num_threads() // outer)))   # so that every thread has a block
        block = -(-inner // splits)
        _scatter_columns(out.reshape(-1), starts, axis_stride, index, src, REDUCTIONS[reduce], block)
    return out

def gather(x, axis, index):
    box = tuple(slice(None) if d == axis else slice(0, size) for d, size in enumerate(index.shape))
    return np.take_along_axis(x[box], index, axis)

def scatter_reduce(x, axis, index, src, reduce):
    columns = _around(index.shape, axis)
    box = tuple(slice(0, size) for size in index.shape)
    return _scatter(x, axis, index.shape, np.ascontiguousarray(index).reshape(columns),
                    np.ascontiguousarray(src[box]).reshape(columns), reduce)

def index_select(x, axis, index):
    return np.take(x, index, axis)

def index_scatter(x, axis, index, src, accumulate):
    columns = _around(src.shape, axis)
    spread = np.broadcast_to(index.reshape(1, -1, 1), columns)   # the one index row, shared by every column
    return _scatter(x, axis, src.shape, spread, np.ascontiguousarray(src).reshape(columns),
                    "sum" if accumulate else "assign")
