"""The CPU backend: numpy arrays as storage, Numba kernels for the heavy work, exporting the functions that
`backends/interface.py` declares.

Elementwise arithmetic, reductions and views are numpy's (`arrays.py`), whose views (transpose, broadcast, slicing)
cost nothing; the four arithmetic operations, fill and copy of large arrays run on every thread (`threaded.py`),
since numpy's ufuncs run on one. Numba takes the work where numpy has no fast answer or where fusing saves passes over
memory: matmul through BLAS (`blas.py`), pooling, convolution (`conv.py` with `winograd.py`, `winograd4.py` and
`direct.py`), relu and dropout (`fused.py`), the other activations (`activation.py`), the optimizer steps (`optim.py`),
scatters (`indexing.py`) and grid sampling (`grid_sample.py`); `machine.py` says which CPU this is. The kernel
modules import from each other directly, never from this package, so each imports alone.
"""
from .. import interface, missing_kernel as _missing_kernel
from .activation import activation, activation_backward
from .arrays import (abs, add, arange, argmax, argmin, asarray, assign, astype, concatenate, contiguous, copy, div, eq,
                     exp, expand, full, ge, getitem, gt, index_add, le, log, lt, max, maximum, min, minimum, mul, ne,
                     neg, owned, pad, permute, pow, reshape, scatter, sigmoid, sign, sqrt, storage, sub, sum, tanh,
                     to_numpy, where, zeros)
from .arrays import (bitwise_and, bitwise_or, bitwise_xor, ceil, cos, cosh, floor, floor_divide, log1p,
                     prod, remainder, round, sin, sinh)
from .blas import matmul
from .conv import conv_backward, conv_forward
from .fused import dropout, relu, relu_backward
from .indexing import gather, index_scatter, index_select, scatter_reduce
from .normalization import normalize, normalize_backward
from .optim import (adadelta_step, adagrad_step, adam_step, adamax_step, nadam_step, radam_step,
                    rmsprop_step, sgd_step)
from .padding import pad_copy, pad_copy_backward
from .pooling import avg_pool, avg_pool_backward, fractional_max_pool, max_pool, max_pool_backward
from .unfold import col2im, im2col
from .resample import resample
from .grid_sample import grid_sample, grid_sample_backward
from .sorting import argsort, searchsorted
from .scan import cummax, cummin, cumprod, cumsum
from .special import atan2, copysign, fmod, hypot, special
from .threaded import add_into

name = "cpu"

__all__ = list(interface.FUNCTIONS)   # the explicit imports above provide each of them

def __getattr__(name):
    raise _missing_kernel("cpu", name)
