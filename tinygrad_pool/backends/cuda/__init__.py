"""The CUDA backend: `CudaArray`s and numba.cuda kernels, one module per kind of op, exporting the functions that
`backends/interface.py` declares.

`array.py` is the base: the array, device memory, launch helpers and the shared per-element formulas. The
modules import one way only, so each imports on its own: activation, elementwise, special, movement, indexing,
pooling, grid_sample, optim and fused import only `array`; reduce, matmul, sorting and scan also `movement`; conv
also elementwise, matmul and reduce.
"""
from .. import interface, missing_kernel as _missing_kernel
from .activation import activation, activation_backward
from .array import arange, asarray, astype, contiguous, copy, full, owned, to_numpy, zeros
from .conv import col2im, conv_backward, conv_forward, im2col
from .elementwise import (abs, add, add_into, div, eq, exp, ge, gt, le, log, lt, maximum, minimum, mul, ne, neg, pow, relu,
                          sigmoid, sign, sqrt, sub, tanh, where)
from .elementwise import (bitwise_and, bitwise_or, bitwise_xor, ceil, cos, cosh, floor, floor_divide, log1p, remainder,
                          round, sin, sinh)
from .fused import dropout, relu_backward
from .indexing import gather, index_scatter, index_select, scatter_reduce
from .matmul import matmul
from .movement import (assign, concatenate, expand, getitem, index_add, pad, permute, reshape, scatter,
                       storage)
from .normalization import normalize, normalize_backward
from .optim import (adadelta_step, adagrad_step, adam_step, adamax_step, nadam_step, radam_step,
                    rmsprop_step, sgd_step)
from .padding import pad_copy, pad_copy_backward
from .pooling import avg_pool, avg_pool_backward, fractional_max_pool, max_pool, max_pool_backward
from .resample import resample
from .grid_sample import grid_sample, grid_sample_backward
from .reduce import argmax, argmin, max, min, prod, sum
from .sorting import argsort, searchsorted
from .scan import cummax, cummin, cumprod, cumsum
from .special import atan2, copysign, fmod, hypot, special

name = "cuda"

__all__ = list(interface.FUNCTIONS)   # the explicit imports above provide each of them

def __getattr__(name):
    raise _missing_kernel("cuda", name)
