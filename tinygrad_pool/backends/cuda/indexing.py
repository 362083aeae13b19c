"""Gather and scatter along one axis for CUDA, the twins of `cpu/indexing.py`.

Every kernel walks the elements of an index-shaped box: element e's coordinates give its place in the source
(or target) array through that array's strides, with the axis coordinate replaced by the index value there.
One index array serves gather and scatter (the index has the box's shape) and index_select and index_scatter
(a 1-d index, read through strides that are 0 except along the axis), so no index is ever expanded in memory.

A gather or an 'assign' scatter runs one thread per element (a repeated index of 'assign' keeps an arbitrary
one of its values, as on PyTorch's GPUs); 'sum' adds atomically. The other reductions, and sums of uint8 and
bool, which have no atomic add, run one thread per column (the elements that differ only along the axis), in
index order, so that the product, maximum and minimum follow scalar.scatter_combine exactly, NaN included.
"""
import math

import numpy as np
from numba import cuda

from .. import scalar
from .array import THREADS, blocks, contiguous_strides, copy, element_offset, empty, padded, scatter_combine

REDUCTIONS = {"assign": scalar.SCATTER_ASSIGN, "sum": scalar.SCATTER_SUM, "prod": scalar.SCATTER_PROD,
              "amax": scalar.SCATTER_AMAX, "amin": scalar.SCATTER_AMIN}
_ATOMIC_ADD = (np.dtype("float32"), np.dtype("float64"), np.dtype("int32"), np.dtype("int64"))

@cuda.jit(device=True, inline="always")
def _target(e, box, strides, axis_stride, index, index_strides):
    """The offset that element e of the box reaches in an array of `strides` (the axis stride zeroed there)."""
    return element_offset(e, box, strides) + index[element_offset(e, box, index_strides)] * axis_stride

@cuda.jit(cache=True)
def _gather_kernel(x, strides, axis_stride, index, index_strides, box, out):
    e = cuda.grid(1)
    if e < out.size:
        out[e] = x[_target(e, box, strides, axis_stride, index, index_strides)]

@cuda.jit(cache=True)
def _assign_kernel(out, strides, axis_stride, index, index_strides, box, src, src_strides, n):
    e = cuda.grid(1)
    if e < n:
        out[_target(e, box, strides, axis_stride, index, index_strides)] = src[element_offset(e, box, src_strides)]

@cuda.jit(cache=True)
def _add_kernel(out, strides, axis_stride, index, index_strides, box, src, src_strides, n):
    e = cuda.grid(1)
    if e < n:
        cuda.atomic.add(out, _target(e, box, strides, axis_stride, index, index_strides),
                        src[element_offset(e, box, src_strides)])

@cuda.jit(cache=True)
def _column_kernel(out, strides, axis_stride, index, index_strides, box, src, src_strides, kind, length, inner,
                   columns):
    """Column c: box elements (c // inner) * length * inner + c % inner + m * inner for m = 0 ... length - 1."""
    c = cuda.grid(1)
    if c < columns:
        first = (c // inner) * length * inner + c % inner
        for m in range(length):
            e = first + m * inner
            target = _target(e, box, strides, axis_stride, index, index_strides)
            out[target] = scatter_combine(kind, out[target], src[element_offset(e, box, src_strides)])

def _along(shape, axis):
    """The strides of an array of `shape` with the axis's stride zeroed (MAX_DIMS form), and that stride."""
    strides = list(contiguous_strides(shape))
    axis_stride, strides[axis] = strides[axis], 0
    return padded(strides, 0), axis_stride

def _spread(ndim, axis):
    """The strides that read a 1-d index as if it were laid along `axis` of an ndim box."""
    return padded(tuple(1 if d == axis else 0 for d in range(ndim)), 0)

def _gather(x, axis, index, index_strides, box):
    out = empty(box, x.dtype)
    if out.size:
        strides, axis_stride = _along(x.shape, axis)
        _gather_kernel[blocks(out.size), THREADS](x.buffer, strides, axis_stride, index.buffer, index_strides,
                                                  padded(box, 1), out.buffer)
    return out

def _scatter(x, axis, index, index_strides, box, src, reduce):
    out = copy(x)
    n = math.prod(box)
    if not n:
        return out
    strides, axis_stride = _along(x.shape, axis)
    args = (out.buffer, strides, axis_stride, index.buffer, index_strides, padded(box, 1), src.buffer,
            padded(contiguous_strides(src.shape), 0))
    if reduce == "assign":
        _assign_kernel[blocks(n), THREADS](*args, n)
    elif reduce == "sum" and x.dtype in _ATOMIC_ADD:
        _add_kernel[blocks(n), THREADS](*args, n)
    else:
        length, inner = box[axis], math.prod(box[axis + 1:])
        columns = n // length
        _column_kernel[blocks(columns), THREADS](*args, REDUCTIONS[reduce], length, inner, columns)
    return out

def gather(x, axis, index):
    return _gather(x, axis, index, padded(contiguous_strides(index.shape), 0), index.shape)

def scatter_reduce(x, axis, index, src, reduce):
    return _scatter(x, axis, index, padded(contiguous_strides(index.shape), 0), index.shape, src, reduce)

def index_select(x, axis, index):
    box = x.shape[:axis] + (index.size,) + x.shape[axis + 1:]
    return _gather(x, axis, index, _spread(x.ndim, axis), box)

def index_scatter(x, axis, index, src, accumulate):
    return _scatter(x, axis, index, _spread(src.ndim, axis), src.shape, src, "sum" if accumulate else "assign")
