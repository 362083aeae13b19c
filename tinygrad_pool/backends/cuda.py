"""The CUDA backend: `CudaArray` storage and numba.cuda kernels with the same function names as `cpu.py`.

Every CudaArray is contiguous (C order), so a reshape is free and each kernel sees a flat buffer. Views that
numpy gets for free (permute, expand, slicing) are one strided-copy kernel here. Elementwise kernels take an
op code: one compiled kernel serves every operator of a kind, which keeps compile time and specialisations low.
Shapes and strides travel as fixed-length tuples (MAX_DIMS entries) so they need no device copy per launch.
The public names `sum`, `max`, `min`, `abs` and `pow` mirror numpy's, so the builtins are spelled `builtins.*`.
"""
import builtins
import math

import numpy as np
from numba import config, cuda, float64

from .cuda_memory import device_buffer

name = "cuda"
MAX_DIMS = 8
# The simulator (NUMBA_ENABLE_CUDASIM=1) runs each GPU thread as a Python thread: smaller blocks keep tests fast.
THREADS = 32 if config.ENABLE_CUDASIM else 256
# Small tensors make small grids by design; numba would warn on each such launch (and pay for the warning).
config.CUDA_LOW_OCCUPANCY_WARNINGS = 0

class CudaArray:
    """A contiguous array in GPU memory: a flat numba device buffer and the shape it stands for."""
    __slots__ = ("buffer", "shape", "dtype")

    def __init__(self, buffer, shape):
        self.buffer, self.shape, self.dtype = buffer, tuple(int(s) for s in shape), np.dtype(buffer.dtype)

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: math.prod(self.shape))

    @property
    def __cuda_array_interface__(self):
        return self.buffer[:self.size].reshape(self.shape).__cuda_array_interface__

    def __repr__(self):
        return f"CudaArray(shape={self.shape}, dtype={self.dtype})"

def _empty(shape, dtype):
    shape = tuple(int(s) for s in shape)
    return CudaArray(device_buffer(builtins.max(math.prod(shape), 1), dtype), shape)

def _blocks(n):
    return (n + THREADS - 1) // THREADS

def _padded(values, fill):
    if len(values) > MAX_DIMS:
        raise ValueError(f"the CUDA backend supports at most {MAX_DIMS} dims, got shape {tuple(values)}")
    return (fill,) * (MAX_DIMS - len(values)) + tuple(int(v) for v in values)

def _contiguous_strides(shape):
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= size
    return tuple(reversed(strides))

def _broadcast_strides(shape, out_shape):
    """Element strides that walk a contiguous array of `shape` as if broadcast to `out_shape` (0 = repeat)."""
    strides = _contiguous_strides(shape)
    lead = len(out_shape) - len(shape)
    return (0,) * lead + tuple(0 if size == 1 and out_shape[lead + i] != 1 else strides[i]
                               for i, size in enumerate(shape))

@cuda.jit(device=True, inline=True)
def _offset(i, shape, strides):
    """Offset of the i-th element of `shape` (row-major) in an array with `strides`."""
    offset = 0
    for d in range(MAX_DIMS - 1, -1, -1):
        if i == 0:
            break
        offset += (i % shape[d]) * strides[d]
        i //= shape[d]
    return offset

# --- creation and transfer -------------------------------------------------------------------------------------
def asarray(array):
    array = np.asarray(array, order="C")
    out = _empty(array.shape, array.dtype)
    if array.size:
        out.buffer.copy_to_device(array.reshape(-1))
    return out

def to_numpy(x):
    return x.buffer.copy_to_host()[:x.size].reshape(x.shape)

@cuda.jit(cache=True)
def _fill_kernel(out, value):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = value

def full(shape, value, dtype):
    out = _empty(shape, dtype)
    _fill_kernel[_blocks(out.buffer.size), THREADS](out.buffer, out.dtype.type(value))
    return out

def zeros(shape, dtype):
    return full(shape, 0, dtype)

def arange(n, dtype):
    return asarray(np.arange(n, dtype=dtype))

@cuda.jit(cache=True)
def _cast_kernel(x, out):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = x[i]

def astype(x, dtype):
    dtype = np.dtype(dtype)
    if dtype == x.dtype:
        return x
    out = _empty(x.shape, dtype)
    _cast_kernel[_blocks(out.buffer.size), THREADS](x.buffer, out.buffer)
    return out

def copy(x):
    out = _empty(x.shape, x.dtype)
    out.buffer.copy_to_device(x.buffer)
    return out

def contiguous(x):
    return x

# --- elementwise -----------------------------------------------------------------------------------------------
ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM = range(7)
EQ, NE, LT, LE, GT, GE = range(6)
NEG, EXP, LOG, SQRT, ABS, TANH, SIGN, RELU, SIGMOID = range(9)

@cuda.jit(device=True, inline=True)
def _arith(op, x, y):
    if op == ADD:
        return x + y
    if op == SUB:
        return x - y
    if op == MUL:
        return x * y
    if op == DIV:
        return x / y
    if op == POW:
        return x ** y
    if op == MAXIMUM:   # NaN wins, as in numpy.maximum
        return x if (x >= y or x != x) else y
    return x if (x <= y or x != x) else y

@cuda.jit(device=True, inline=True)
def _compare(op, x, y):
    if op == EQ:
        return x == y
    if op == NE:
        return x != y
    if op == LT:
        return x < y
    if op == LE:
        return x <= y
    if op == GT:
        return x > y
    return x >= y

@cuda.jit(cache=True)
def _arith_kernel(op, a, b, out, shape, a_strides, b_strides):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = _arith(op, a[_offset(i, shape, a_strides)], b[_offset(i, shape, b_strides)])

@cuda.jit(cache=True)
def _arith_scalar_kernel(op, a, scalar, scalar_first, out):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = _arith(op, scalar, a[i]) if scalar_first else _arith(op, a[i], scalar)

@cuda.jit(cache=True)
def _compare_kernel(op, a, b, out, shape, a_strides, b_strides):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = _compare(op, a[_offset(i, shape, a_strides)], b[_offset(i, shape, b_strides)])

@cuda.jit(cache=True)
def _compare_scalar_kernel(op, a, scalar, scalar_first, out):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = _compare(op, scalar, a[i]) if scalar_first else _compare(op, a[i], scalar)

def _elementwise(op, a, b, array_kernel, scalar_kernel, out_dtype):
    if not isinstance(a, CudaArray):
        return _elementwise_scalar(op, b, a, True, scalar_kernel, out_dtype)
    if not isinstance(b, CudaArray):
        return _elementwise_scalar(op, a, b, False, scalar_kernel, out_dtype)
    shape = np.broadcast_shapes(a.shape, b.shape)
    dtype = out_dtype or np.result_type(a.dtype, b.dtype)
    out = _empty(shape, dtype)
    if out.size:
        array_kernel[_blocks(out.size), THREADS](
            op, a.buffer, b.buffer, out.buffer, _padded(shape, 1),
            _padded(_broadcast_strides(a.shape, shape), 0), _padded(_broadcast_strides(b.shape, shape), 0))
    return out

def _elementwise_scalar(op, a, scalar, scalar_first, kernel, out_dtype):
    dtype = np.result_type(a.dtype, scalar)
    out = _empty(a.shape, out_dtype or dtype)
    if out.size:
        kernel[_blocks(out.size), THREADS](op, astype(a, dtype).buffer, dtype.type(scalar), scalar_first, out.buffer)
    return out

def _arith_op(op):
    return lambda a, b: _elementwise(op, a, b, _arith_kernel, _arith_scalar_kernel, None)

def _compare_op(op):
    return lambda a, b: _elementwise(op, a, b, _compare_kernel, _compare_scalar_kernel, np.dtype(bool))

add, sub, mul, div, pow = (_arith_op(op) for op in (ADD, SUB, MUL, DIV, POW))
maximum, minimum = _arith_op(MAXIMUM), _arith_op(MINIMUM)
eq, ne, lt, le, gt, ge = (_compare_op(op) for op in (EQ, NE, LT, LE, GT, GE))

@cuda.jit(cache=True)
def _unary_kernel(op, x, out):
    i = cuda.grid(1)
    if i < out.size:
        v = x[i]
        if op == NEG:
            out[i] = -v
        elif op == EXP:
            out[i] = math.exp(v)
        elif op == LOG:
            out[i] = math.log(v) if v > 0 else (-math.inf if v == 0 else math.nan)
        elif op == SQRT:
            out[i] = math.sqrt(v) if v >= 0 else math.nan
        elif op == ABS:
            out[i] = -v if v < 0 else v
        elif op == TANH:
            out[i] = math.tanh(v)
        elif op == SIGN:
            out[i] = 1 if v > 0 else (-1 if v < 0 else v)   # keeps 0 and NaN as they are
        elif op == RELU:
            out[i] = 0 if v <= 0 else v   # NaN passes through, as in PyTorch
        else:
            out[i] = 0.5 * (math.tanh(0.5 * v) + 1.0)

def _unary_op(op):
    def apply(x):
        out = _empty(x.shape, x.dtype)
        if out.size:
            _unary_kernel[_blocks(out.size), THREADS](op, x.buffer, out.buffer)
        return out
    return apply

neg, exp, log, sqrt, abs, tanh, sign, relu, sigmoid = (
    _unary_op(op) for op in (NEG, EXP, LOG, SQRT, ABS, TANH, SIGN, RELU, SIGMOID))

@cuda.jit(cache=True)
def _where_kernel(cond, a, b, out, shape, c_strides, a_strides, b_strides):
    i = cuda.grid(1)
    if i < out.size:
        if cond[_offset(i, shape, c_strides)]:
            out[i] = a[_offset(i, shape, a_strides)]
        else:
            out[i] = b[_offset(i, shape, b_strides)]

def where(cond, a, b):
    dtype = np.result_type(*(x.dtype if isinstance(x, CudaArray) else x for x in (a, b)))
    a, b = (x if isinstance(x, CudaArray) else full((), x, dtype) for x in (a, b))
    shape = np.broadcast_shapes(cond.shape, a.shape, b.shape)
    out = _empty(shape, dtype)
    if out.size:
        _where_kernel[_blocks(out.size), THREADS](
            cond.buffer, astype(a, dtype).buffer, astype(b, dtype).buffer, out.buffer, _padded(shape, 1),
            *(_padded(_broadcast_strides(x.shape, shape), 0) for x in (cond, a, b)))
    return out

# --- movement --------------------------------------------------------------------------------------------------
@cuda.jit(cache=True)
def _strided_copy_kernel(src, src_offset, src_strides, dst, dst_offset, dst_strides, shape, n):
    i = cuda.grid(1)
    if i < n:
        dst[dst_offset + _offset(i, shape, dst_strides)] = src[src_offset + _offset(i, shape, src_strides)]

def _strided_copy(src, src_offset, src_strides, dst, dst_offset, dst_strides, shape):
    n = math.prod(shape)
    if n:
        _strided_copy_kernel[_blocks(n), THREADS](src.buffer, src_offset, _padded(src_strides, 0), dst.buffer,
                                                  dst_offset, _padded(dst_strides, 0), _padded(shape, 1), n)

def reshape(x, shape):
    shape = tuple(int(s) for s in shape)
    if -1 in shape:   # numpy's "whatever is left"
        known = math.prod(s for s in shape if s != -1)
        shape = tuple(x.size // known if s == -1 else s for s in shape)
    return CudaArray(x.buffer, shape)

def permute(x, axes):
    shape = tuple(x.shape[a] for a in axes)
    strides = _contiguous_strides(x.shape)
    out = _empty(shape, x.dtype)
    _strided_copy(x, 0, tuple(strides[a] for a in axes), out, 0, _contiguous_strides(shape), shape)
    return out

def expand(x, shape):
    out = _empty(shape, x.dtype)
    _strided_copy(x, 0, _broadcast_strides(x.shape, shape), out, 0, _contiguous_strides(shape), shape)
    return out

def _basic_view(shape, key):
    """(offset, shape, strides) of x[key] for a key of ints, slices, None and Ellipsis, in elements."""
    if builtins.sum(part is Ellipsis for part in key) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = builtins.sum(part is not None and part is not Ellipsis for part in key)
    if used > len(shape):
        raise IndexError(f"too many indices for a tensor of {len(shape)} dims")
    if Ellipsis not in key:
        key = key + (Ellipsis,)
    at = key.index(Ellipsis)
    key = key[:at] + (slice(None),) * (len(shape) - used) + key[at + 1:]
    strides, offset, dim = _contiguous_strides(shape), 0, 0
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

def _flat_index(shape, key):
    """Advanced indexing through numpy: the flat source offset of every element of x[key]."""
    return np.ascontiguousarray(np.arange(math.prod(shape), dtype=np.int64).reshape(shape)[key])

def getitem(x, key):
    if _is_basic(key):
        offset, shape, strides = _basic_view(x.shape, key)
        out = _empty(shape, x.dtype)
        _strided_copy(x, offset, strides, out, 0, _contiguous_strides(shape), shape)
        return out
    index = _flat_index(x.shape, key)
    out = _empty(index.shape, x.dtype)
    if out.size:
        _gather_kernel[_blocks(out.size), THREADS](x.buffer, asarray(index).buffer, out.buffer)
    return out

def index_add(shape, key, values):
    out = zeros(shape, values.dtype)
    if _is_basic(key):
        offset, view_shape, strides = _basic_view(shape, key)
        _strided_copy(values, 0, _contiguous_strides(view_shape), out, offset, strides, view_shape)
        return out
    index = _flat_index(shape, key)
    if index.size:
        _scatter_add_kernel[_blocks(index.size), THREADS](out.buffer, asarray(index).buffer, values.buffer)
    return out

def pad(x, widths, value):
    shape = tuple(size + lo + hi for size, (lo, hi) in zip(x.shape, widths))
    out = full(shape, value, x.dtype)
    strides = _contiguous_strides(shape)
    offset = builtins.sum(lo * s for (lo, _), s in zip(widths, strides))
    _strided_copy(x, 0, _contiguous_strides(x.shape), out, offset, strides, x.shape)
    return out

def concatenate(xs, axis):
    shape = list(xs[0].shape)
    shape[axis] = builtins.sum(x.shape[axis] for x in xs)
    out = _empty(shape, xs[0].dtype)
    strides, start = _contiguous_strides(shape), 0
    for x in xs:
        _strided_copy(x, 0, _contiguous_strides(x.shape), out, start * strides[axis], strides, x.shape)
        start += x.shape[axis]
    return out

# --- reductions ------------------------------------------------------------------------------------------------
SUM, MAX, MIN = range(3)

@cuda.jit(device=True, inline=True)
def _combine(op, acc, v):
    if op == SUM:
        return acc + v
    if op == MAX:
        return v if (v > acc or v != v) else acc
    return v if (v < acc or v != v) else acc

@cuda.jit(cache=True)
def _reduce_rows_kernel(op, x, row_length, out):
    """One block per row of a (rows, row_length) array: each thread folds a strided part, then a tree."""
    partial = cuda.shared.array(THREADS, float64)
    row, t = cuda.blockIdx.x, cuda.threadIdx.x
    base = row * row_length
    acc = 0.0 if op == SUM else float64(x[base])
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
        acc = 0.0 if op == SUM else float64(x[base])
        for j in range(row_length):
            acc = _combine(op, acc, float64(x[base + j]))
        out[row] = acc

def _rows_last(x, axes):
    """x with the reduced `axes` moved last, as a (rows, row_length) problem; plus the kept shape."""
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
    out = _empty(kept_shape, dtype)
    if out.size and (out.size >= 1024 or row_length <= 64):
        _reduce_short_rows_kernel[_blocks(out.size), THREADS](op, rows_x.buffer, row_length, out.buffer)
    elif out.size:
        _reduce_rows_kernel[out.size, THREADS](op, rows_x.buffer, row_length, out.buffer)
    return reshape(out, _keepdims(x.shape, axes)) if keepdims else out

def sum(x, axis, keepdims):
    return _reduce(SUM, x, axis, keepdims, np.int64 if x.dtype.kind in "bi" else x.dtype)

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
    out = _empty(kept_shape, np.int64)
    if out.size:
        _arg_extreme_kernel[_blocks(out.size), THREADS](op, rows_x.buffer, row_length, out.buffer)
    return reshape(out, _keepdims(x.shape, axes)) if keepdims else out

def argmax(x, axis, keepdims):
    return _arg_extreme(MAX, x, axis, keepdims)

def argmin(x, axis, keepdims):
    return _arg_extreme(MIN, x, axis, keepdims)

# --- kernels with modules of their own ---------------------------------------------------------------------------
from .cuda_matmul import matmul  # noqa: E402,F401
from .cuda_pooling import max_pool, max_pool_backward, avg_pool, avg_pool_backward, scatter  # noqa: E402,F401
from .cuda_conv import conv_forward, conv_backward  # noqa: E402,F401
from .cuda_optim import sgd_step, adam_step, adadelta_step  # noqa: E402,F401
from .cuda_fused import dropout, relu_backward  # noqa: E402,F401
