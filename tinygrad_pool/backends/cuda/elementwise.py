"""Elementwise kernels for CUDA, with numpy's broadcasting and dtypes.

Kernels take an op code: one compiled kernel serves every operator of a kind (all binary operators, comparisons
included, or all unary ones), which keeps compile time and specialisations low. A broadcast operand is read
through strides that repeat it (0 along a broadcast dim), so no expanded copy is made. The public names `abs` and
`pow` mirror numpy's.
"""
import math

import numpy as np
from numba import cuda

from .array import (THREADS, CudaArray, astype, blocks, broadcast_strides, element_offset, empty, full, padded,
                    sigmoid as _sigmoid)

ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM, EQ, NE, LT, LE, GT, GE = range(13)
COMPARISONS = (EQ, NE, LT, LE, GT, GE)
NEG, EXP, LOG, SQRT, ABS, TANH, SIGN, RELU, SIGMOID, LOG1P, SIN, COS, SINH, COSH, FLOOR, CEIL, ROUND = range(17)
FLOOR_DIVIDE, REMAINDER = range(2)
BITWISE_AND, BITWISE_OR, BITWISE_XOR = range(3)
_WHOLE = 4503599627370496.0   # 2 ** 52: from here on every float64 (and float32) is a whole number
_NO_OVERFLOW = 710.0          # sinh and cosh of float64 stay finite below this magnitude

@cuda.jit(device=True, inline="always")
def _binary(op, x, y):
    """x op y. Numba unifies the branches' result types, so a comparison's bool widens to a number here; stored
    into the comparison's bool output, it is the same bool again."""
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
    if op == MINIMUM:
        return x if (x <= y or x != x) else y
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
def _binary_kernel(op, a, b, out, shape, a_strides, b_strides):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = _binary(op, a[element_offset(i, shape, a_strides)], b[element_offset(i, shape, b_strides)])

@cuda.jit(cache=True)
def _binary_scalar_kernel(op, a, scalar, scalar_first, out):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = _binary(op, scalar, a[i]) if scalar_first else _binary(op, a[i], scalar)

def _binary_op(op):
    out_dtype = np.dtype(bool) if op in COMPARISONS else None   # else numpy's result type

    def apply(a, b):
        if not isinstance(a, CudaArray):
            return _with_scalar(op, b, a, True, out_dtype)
        if not isinstance(b, CudaArray):
            return _with_scalar(op, a, b, False, out_dtype)
        shape = np.broadcast_shapes(a.shape, b.shape)
        out = empty(shape, out_dtype or np.result_type(a.dtype, b.dtype))
        if out.size:
            _binary_kernel[blocks(out.size), THREADS](
                op, a.buffer, b.buffer, out.buffer, padded(shape, 1),
                padded(broadcast_strides(a.shape, shape), 0), padded(broadcast_strides(b.shape, shape), 0))
        return out
    return apply

def add_into(x, a):
    """x += a in place: element i of x reads and writes only element i, so x may be the kernel's output."""
    if x.size:
        _binary_kernel[blocks(x.size), THREADS](ADD, x.buffer, a.buffer, x.buffer, padded(x.shape, 1),
                                                padded(broadcast_strides(x.shape, x.shape), 0),
                                                padded(broadcast_strides(a.shape, x.shape), 0))
    return True

def _with_scalar(op, a, scalar, scalar_first, out_dtype):
    dtype = np.result_type(a.dtype, scalar)
    out = empty(a.shape, out_dtype or dtype)
    if out.size:
        _binary_scalar_kernel[blocks(out.size), THREADS](op, astype(a, dtype).buffer, dtype.type(scalar),
                                                         scalar_first, out.buffer)
    return out

add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge = (
    _binary_op(op) for op in (ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM, EQ, NE, LT, LE, GT, GE))

@cuda.jit(device=True, inline="always")
def _whole(op, v):
    """floor, ceil or round (ties to even) of a float through its truncation to int64, which is exact below 2^52;
    larger values, inf and NaN are whole already. The sign of v carries over to a zero result (-0.5 -> -0.0)."""
    if not -_WHOLE < v < _WHOLE:   # (not abs: this module's abs is the array function)
        return v
    t = float(int(v))
    if op == FLOOR and t > v:
        t -= 1.0
    elif op == CEIL and t < v:
        t += 1.0
    elif op == ROUND:
        if t > v:
            t -= 1.0
        rest = v - t
        if rest > 0.5 or (rest == 0.5 and t % 2.0 != 0.0):
            t += 1.0
    return math.copysign(t, v)

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
            out[i] = 1 if v > 0 else (-1 if v < 0 else 0)   # NaN gives 0, as torch.sign
        elif op == RELU:
            out[i] = 0 if v <= 0 else v   # NaN passes through, as in PyTorch
        elif op == SIGMOID:
            out[i] = _sigmoid(v)
        elif op == LOG1P:
            out[i] = math.log1p(v) if v > -1 else (-math.inf if v == -1 else math.nan)
        elif op == SIN:
            out[i] = math.sin(v) if v - v == 0 else math.nan   # v - v is NaN for inf and NaN
        elif op == COS:
            out[i] = math.cos(v) if v - v == 0 else math.nan
        elif op == SINH:
            out[i] = math.copysign(math.inf, v) if v > _NO_OVERFLOW or v < -_NO_OVERFLOW else math.sinh(v)
        elif op == COSH:
            out[i] = math.inf if v > _NO_OVERFLOW or v < -_NO_OVERFLOW else math.cosh(v)
        else:
            out[i] = _whole(op, v)

def _unary_op(op):
    def apply(x):
        out = empty(x.shape, x.dtype)
        if out.size:
            _unary_kernel[blocks(out.size), THREADS](op, x.buffer, out.buffer)
        return out
    return apply

neg, exp, log, sqrt, abs, tanh, sign, relu, sigmoid, log1p, sin, cos, sinh, cosh, floor, ceil, round = (
    _unary_op(op) for op in (NEG, EXP, LOG, SQRT, ABS, TANH, SIGN, RELU, SIGMOID, LOG1P, SIN, COS, SINH, COSH, FLOOR,
                             CEIL, ROUND))

# --- floor division and remainder: Python's rounding toward -inf ---------------------------------------------
@cuda.jit(device=True, inline="always")
def _float_divmod(op, x, y):
    """floor(x / y) or x - y * floor(x / y) of floats, from fmod so that the quotient rounds once, as numpy does:
    x // 0 is inf or NaN, and x % 0 NaN."""
    if y == 0:
        if op == REMAINDER or x != x or x == 0:
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)
    mod = math.fmod(x, y) if x - x == 0 else math.nan
    if op == REMAINDER:
        if mod != 0 and (y < 0) != (mod < 0):
            mod += y
        return mod if mod != 0 else math.copysign(0.0, y)
    quotient = (x - mod) / y
    if mod != 0 and (y < 0) != (mod < 0):
        quotient -= 1.0
    if quotient == 0:
        return math.copysign(0.0, x / y)
    whole = _whole(FLOOR, quotient)
    return whole + 1.0 if quotient - whole > 0.5 else whole

@cuda.jit(cache=True)
def _float_divmod_kernel(op, a, b, out, shape, a_strides, b_strides):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = _float_divmod(op, a[element_offset(i, shape, a_strides)], b[element_offset(i, shape, b_strides)])

@cuda.jit(cache=True)
def _int_divmod_kernel(op, a, b, out, shape, a_strides, b_strides):
    """Integers: Numba's // and % round toward -inf, as Python's (the ops rule out a divisor of 0)."""
    i = cuda.grid(1)
    if i < out.size:
        x, y = a[element_offset(i, shape, a_strides)], b[element_offset(i, shape, b_strides)]
        out[i] = x // y if op == FLOOR_DIVIDE else x % y

@cuda.jit(cache=True)
def _bitwise_kernel(op, a, b, out, shape, a_strides, b_strides):
    i = cuda.grid(1)
    if i < out.size:
        x, y = a[element_offset(i, shape, a_strides)], b[element_offset(i, shape, b_strides)]
        if op == BITWISE_AND:
            out[i] = x & y
        elif op == BITWISE_OR:
            out[i] = x | y
        else:
            out[i] = x ^ y

def _broadcast_op(kernel, op, pick_kernel=None):
    """A binary function over `kernel(op, a, b, out, shape, a_strides, b_strides)`; a python number becomes a
    0-d array of the result dtype. `pick_kernel(dtype)` chooses the kernel by dtype where one is not enough."""
    def apply(a, b):
        dtype = np.result_type(*(x.dtype if isinstance(x, CudaArray) else x for x in (a, b)))
        a, b = (astype(x, dtype) if isinstance(x, CudaArray) else full((), x, dtype) for x in (a, b))
        shape = np.broadcast_shapes(a.shape, b.shape)
        out = empty(shape, dtype)
        if out.size:
            (pick_kernel(dtype) if pick_kernel else kernel)[blocks(out.size), THREADS](
                op, a.buffer, b.buffer, out.buffer, padded(shape, 1),
                padded(broadcast_strides(a.shape, shape), 0), padded(broadcast_strides(b.shape, shape), 0))
        return out
    return apply

def _divmod_kernel(dtype):
    return _float_divmod_kernel if dtype.kind == "f" else _int_divmod_kernel

floor_divide, remainder = (_broadcast_op(None, op, _divmod_kernel) for op in (FLOOR_DIVIDE, REMAINDER))
bitwise_and, bitwise_or, bitwise_xor = (_broadcast_op(_bitwise_kernel, op)
                                        for op in (BITWISE_AND, BITWISE_OR, BITWISE_XOR))

@cuda.jit(cache=True)
def _where_kernel(cond, a, b, out, shape, c_strides, a_strides, b_strides):
    i = cuda.grid(1)
    if i < out.size:
        if cond[element_offset(i, shape, c_strides)]:
            out[i] = a[element_offset(i, shape, a_strides)]
        else:
            out[i] = b[element_offset(i, shape, b_strides)]

def where(cond, a, b):
    dtype = np.result_type(*(x.dtype if isinstance(x, CudaArray) else x for x in (a, b)))
    a, b = (x if isinstance(x, CudaArray) else full((), x, dtype) for x in (a, b))
    shape = np.broadcast_shapes(cond.shape, a.shape, b.shape)
    out = empty(shape, dtype)
    if out.size:
        _where_kernel[blocks(out.size), THREADS](
            cond.buffer, astype(a, dtype).buffer, astype(b, dtype).buffer, out.buffer, padded(shape, 1),
            *(padded(broadcast_strides(x.shape, shape), 0) for x in (cond, a, b)))
    return out
