"""Special functions for CUDA: one thread per element over the formulas of `backends/scalar.py` (expm1, log2,
log10, trunc, erf, erfc, erfinv, sinc: the twin of `cpu/special.py`), and atan2, fmod, hypot and copysign with
numpy's broadcasting, by an op code, as the binary kernels of `elementwise.py`."""
import math

import numpy as np
from numba import cuda

from .array import (THREADS, CudaArray, astype, blocks, broadcast_strides, element_offset, empty, full, padded,
                    special as _special)

ATAN2, FMOD, HYPOT, COPYSIGN = range(4)

@cuda.jit(cache=True)
def _special_kernel(x, kind, out):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = _special(kind, x[i])

def special(x, kind):
    out = empty(x.shape, x.dtype)
    if out.size:
        _special_kernel[blocks(out.size), THREADS](x.buffer, kind, out.buffer)
    return out

@cuda.jit(device=True, inline="always")
def _float_binary(op, x, y):
    """x op y for floats, with C's values where Python's math module (numba's simulator) would raise: fmod of an
    infinite x or by a zero y is NaN."""
    if op == ATAN2:
        return math.atan2(x, y)
    if op == FMOD:
        return math.nan if (y == 0 or x == math.inf or x == -math.inf) else math.fmod(x, y)
    if op == HYPOT:
        return math.hypot(x, y)
    return math.copysign(x, y)

@cuda.jit(cache=True)
def _float_binary_kernel(op, a, b, out, shape, a_strides, b_strides):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = _float_binary(op, a[element_offset(i, shape, a_strides)], b[element_offset(i, shape, b_strides)])

@cuda.jit(cache=True)
def _int_fmod_kernel(op, a, b, out, shape, a_strides, b_strides):
    """C's integer remainder, with the sign of x: Numba's % takes the sign of y, as Python's (the ops rule out a
    divisor of 0)."""
    i = cuda.grid(1)
    if i < out.size:
        x, y = a[element_offset(i, shape, a_strides)], b[element_offset(i, shape, b_strides)]
        rest = x % y
        out[i] = rest - y if rest != 0 and (rest < 0) != (x < 0) else rest

def _binary(op):
    """The function of `op`: a python number becomes a 0-d array of the result dtype, integers (fmod only) run
    the integer kernel."""
    def apply(a, b):
        dtype = np.result_type(*(x.dtype if isinstance(x, CudaArray) else x for x in (a, b)))
        a, b = (astype(x, dtype) if isinstance(x, CudaArray) else full((), x, dtype) for x in (a, b))
        shape = np.broadcast_shapes(a.shape, b.shape)
        out = empty(shape, dtype)
        if out.size:
            kernel = _float_binary_kernel if dtype.kind == "f" else _int_fmod_kernel
            kernel[blocks(out.size), THREADS](op, a.buffer, b.buffer, out.buffer, padded(shape, 1),
                                              padded(broadcast_strides(a.shape, shape), 0),
                                              padded(broadcast_strides(b.shape, shape), 0))
        return out
    return apply

atan2, fmod, hypot, copysign = (_binary(op) for op in (ATAN2, FMOD, HYPOT, COPYSIGN))
