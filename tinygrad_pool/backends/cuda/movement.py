"""Movement for CUDA: reshapes, views and indexing.

A CudaArray is always contiguous, so a reshape is free, and each view numpy gets for free (permute, expand,
basic slicing, padding, concatenation) is one strided-copy kernel here. Advanced indexing asks numpy for the flat
source offset of every element, then gathers (getitem) or scatters (index_add, scatter) them on the device.
"""
import math

import numpy as np
from numba import cuda

from .array import (THREADS, CudaArray, asarray, astype, blocks, broadcast_strides, contiguous_strides,
                    element_offset, empty, full, padded, zeros)

@cuda.jit(cache=True)
def _strided_copy_kernel(src, src_offset, src_strides, dst, dst_offset, dst_strides, shape, n):
    i = cuda.grid(1)
    if i < n:
        source = src_offset + element_offset(i, shape, src_strides)
        dst[dst_offset + element_offset(i, shape, dst_strides)] = src[source]

def _strided_copy(src, src_offset, src_strides, dst, dst_offset, dst_strides, shape):
    n = math.prod(shape)
    if n:
        _strided_copy_kernel[blocks(n), THREADS](src.buffer, src_offset, padded(src_strides, 0), dst.buffer,
                                                 dst_offset, padded(dst_strides, 0), padded(shape, 1), n)

def reshape(x, shape):
    shape = tuple(int(s) for s in shape)
    if -1 in shape:   # numpy's "whatever is left"
        known = math.prod(s for s in shape if s != -1)
        shape = tuple(x.size // known if s == -1 else s for s in shape)
    return CudaArray(x.buffer, shape)

def permute(x, axes):
    shape = tuple(x.shape[a] for a in axes)
    strides = contiguous_strides(x.shape)
    out = empty(shape, x.dtype)
    _strided_copy(x, 0, tuple(strides[a] for a in axes), out, 0, contiguous_strides(shape), shape)
    return out

def expand(x, shape):
    out = empty(shape, x.dtype)
    _strided_copy(x, 0, broadcast_strides(x.shape, shape), out, 0, contiguous_strides(shape), shape)
    return out

def _basic_view(shape, key):
    """(offset, shape, strides) of x[key] for a key of ints, slices, None and Ellipsis, in elements."""
    if sum(part is Ellipsis for part in key) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(part is not None and part is not Ellipsis for part in key)
    if used > len(shape):
        raise IndexError(f"too many indices for a tensor of {len(shape)} dims")
    if Ellipsis not in key:
        key = key + (Ellipsis,)
    at = key.index(Ellipsis)
    key = key[:at] + (slice(None),) * (len(shape) - used) + key[at + 1:]
    strides, offset, dim = contiguous_strides(shape), 0, 0
    out_shape, out_strides = [], []
    for part in key:
        if part is None:
            out_shape.append(1)
            out_strides.append(0)
            continue
        size, stride = shape[dim], strides[dim]
        if isinstance(part, slice):
            start, stop, step = part.indices(size)
            out_shape.append(len(range(start, stop, step)))
            out_strides.append(stride * step)
            offset += start * stride
        else:
            index = int(part)
            if not -size <= index < size:
                raise IndexError(f"index {index} is out of bounds for dimension {dim} with size {size}")
            offset += (index % size) * stride
        dim += 1
    return offset, tuple(out_shape), tuple(out_strides)

def _is_basic(key):
    return all(part is None or part is Ellipsis or isinstance(part, (slice, int, np.integer)) for part in key)

def _flat_index(shape, key):
    """Advanced indexing through numpy: the flat source offset of every element of x[key]."""
    return np.ascontiguousarray(np.arange(math.prod(shape), dtype=np.int64).reshape(shape)[key])

@cuda.jit(cache=True)
def _gather_kernel(src, index, out):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = src[index[i]]

@cuda.jit(cache=True)
def _scatter_add_kernel(dst, index, values):
    i = cuda.grid(1)
    if i < index.size:
        cuda.atomic.add(dst, index[i], values[i])

@cuda.jit(cache=True)
def _scatter_kernel(out, index, values):
    i = cuda.grid(1)
    if i < index.size:
        out[index[i]] = values[i]

def getitem(x, key):
    if _is_basic(key):
        offset, shape, strides = _basic_view(x.shape, key)
        out = empty(shape, x.dtype)
        _strided_copy(x, offset, strides, out, 0, contiguous_strides(shape), shape)
        return out
    index = _flat_index(x.shape, key)
    out = empty(index.shape, x.dtype)
    if out.size:
        _gather_kernel[blocks(out.size), THREADS](x.buffer, asarray(index).buffer, out.buffer)
    return out

def index_add(shape, key, values):
    out = zeros(shape, values.dtype)
    if _is_basic(key):
        offset, view_shape, strides = _basic_view(shape, key)
        _strided_copy(values, 0, contiguous_strides(view_shape), out, offset, strides, view_shape)
        return out
    index = _flat_index(shape, key)
    if index.size:
        _scatter_add_kernel[blocks(index.size), THREADS](out.buffer, asarray(index).buffer, values.buffer)
    return out

def storage(x):
    """The buffer that owns x's memory (a reshape shares it)."""
    return x.buffer

def assign(x, key, values):
    """x[key] = values in place: values (a CudaArray or a number) broadcast to x[key]'s shape and cast."""
    index = _flat_index(x.shape, key)
    if not index.size:
        return
    if isinstance(values, CudaArray):
        values = astype(expand(values, index.shape) if values.shape != index.shape else values, x.dtype)
    else:
        values = full(index.shape, values, x.dtype)
    _scatter_kernel[blocks(index.size), THREADS](x.buffer, asarray(index).buffer, values.buffer)

def scatter(shape, key, values):
    """Zeros of `shape` with out[key] = values (a repeated index keeps one of its values): max_unpool."""
    out = zeros(shape, values.dtype)
    index = _flat_index(shape, key)
    if index.size:
        _scatter_kernel[blocks(index.size), THREADS](out.buffer, asarray(index).buffer, values.buffer)
    return out

def pad(x, widths, value):
    shape = tuple(size + lo + hi for size, (lo, hi) in zip(x.shape, widths))
    out = full(shape, value, x.dtype)
    strides = contiguous_strides(shape)
    offset = sum(lo * s for (lo, _), s in zip(widths, strides))
    _strided_copy(x, 0, contiguous_strides(x.shape), out, offset, strides, x.shape)
    return out

def concatenate(xs, axis):
    shape = list(xs[0].shape)
    shape[axis] = sum(x.shape[axis] for x in xs)
    out = empty(shape, xs[0].dtype)
    strides, start = contiguous_strides(shape), 0
    for x in xs:
        _strided_copy(x, 0, contiguous_strides(x.shape), out, start * strides[axis], strides, x.shape)
        start += x.shape[axis]
    return out
