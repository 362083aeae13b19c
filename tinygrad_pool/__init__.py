"""tinygrad_pool: a small deep-learning framework with a reverse-mode tape and Numba kernels (CPU and CUDA)."""
from .tensor import Tensor, float32, float64, int64, int32, uint8, bool_
from .ops.movement import cat, stack
from .ops.elementwise import where
from .creation import (tensor, from_numpy, zeros, ones, full, randn, rand, arange, zeros_like, ones_like,
                       full_like, randn_like, rand_like)
from .tensor import Size, is_tensor, numel
from .ops.elementwise import (abs, allclose, ceil, clamp, clip, cos, cosh, equal, exp, floor, floor_divide, isfinite,
                              isinf, isnan, log, log1p, masked_fill, maximum, minimum, neg, pow, reciprocal,
                              remainder, round, rsqrt, sign, sin, sinh, sqrt, square)
from .ops.activation import relu, sigmoid, tanh
from .ops.distance import cosine_similarity, pairwise_distance, pdist
from .ops.reduce import all, amax, amin, any, argmax, argmin, cumsum, max, mean, min, norm, prod, std, sum, var
from .ops.sorting import (argsort, bucketize, kthvalue, median, mode, msort, nanmedian, searchsorted, sort, topk,
                          unique, unique_consecutive)
from .ops.movement import (chunk, flatten, flip, meshgrid, permute, reshape, roll, split, squeeze, tile, transpose,
                           unbind, unsqueeze)
from .ops.matmul import bmm, matmul, mm
from .ops.indexing import (argwhere, gather, index_add, index_copy, index_fill, index_select, masked_scatter,
                           masked_select, nonzero, put, repeat_interleave, scatter, scatter_add, scatter_reduce, take,
                           take_along_dim)
from .ops.movement import (atleast_1d, atleast_2d, atleast_3d, broadcast_shapes, broadcast_tensors, broadcast_to,
                           column_stack, diag, diag_embed, diagonal, dstack, fliplr, flipud, hstack, moveaxis, movedim,
                           narrow, rot90, row_stack, swapaxes, swapdims, t, tensor_split, trace, tril, triu,
                           unflatten, vstack)
from .creation import empty, eye, linspace, logspace, normal, randint, randperm
from .seeding import manual_seed, Generator
from .autograd import no_grad, enable_grad, is_grad_enabled
from .ops.elementwise import (add, addcdiv, addcmul, arctan2, atan2, copysign, deg2rad, div, divide, eq, erf, erfc,
                              erfinv, expm1, fix, float_power, fmod, frac, ge, gt, heaviside, hypot, isclose, le,
                              lerp, log10, log2, logaddexp, logaddexp2, logical_and, logical_not, logical_or,
                              logical_xor, lt, mul, multiply, nan_to_num, ne, negative, rad2deg, signbit, sinc, sub,
                              subtract, true_divide, trunc, xlogy)
from .ops.movement import clone
from .ops.activation import log_softmax, softmax
from .ops.reduce import (aminmax, count_nonzero, cummax, cummin, cumprod, logsumexp, nanmean, nansum, std_mean,
                         var_mean)
from .ops.matmul import addbmm, addmm, addmv, baddbmm, cdist, dot, ger, kron, mv, outer, tensordot, vdot
from .ops.einsum import einsum
from .ops.random import bernoulli, multinomial, poisson
from .creation import as_tensor, empty_like, randint_like
from .autograd import inference_mode, is_inference_mode_enabled, set_grad_enabled
from .dtypes import finfo, get_default_dtype, iinfo, set_default_dtype
from .legacy import BoolTensor, ByteTensor, DoubleTensor, FloatTensor, IntTensor, LongTensor, typename
from .printing import set_printoptions
from .threads import get_num_threads, set_num_threads
from .tensor import is_complex, is_floating_point
from .version import __version__
from .gradcheck import gradcheck, GradcheckError
from .serialization import save, load, save_file, load_file
from .device import device
from . import nn, optim, cuda, accelerator
from . import distributed, utils
from . import onnx
from .data import DataLoader

bool = bool_
long, int, double, float = int64, int32, float64, float32   # PyTorch's aliases: torch.long, torch.int, ...

__all__ = ["Tensor", "tensor", "from_numpy", "zeros", "ones", "full", "randn", "rand", "arange", "zeros_like",
           "ones_like", "full_like", "randn_like", "rand_like", "manual_seed", "Generator", "cat", "stack", "where",
           "no_grad", "enable_grad", "is_grad_enabled", "gradcheck", "GradcheckError", "save", "load", "nn", "optim",
           "DataLoader",
           "save_file", "load_file", "device", "cuda", "accelerator",
           "Size", "is_tensor", "numel", "allclose", "ceil", "clamp", "clip", "cos", "cosh", "equal", "exp", "floor",
           "floor_divide", "isfinite", "isinf", "isnan", "log", "log1p", "masked_fill", "maximum", "minimum", "neg",
           "reciprocal", "remainder", "rsqrt", "sign", "sin", "sinh", "sqrt", "square", "relu", "sigmoid", "tanh",
           "amax", "amin", "argmax", "argmin", "cumsum", "mean", "norm", "prod", "std", "var", "chunk", "flatten",
           "flip", "meshgrid", "permute", "reshape", "roll", "split", "squeeze", "tile", "transpose", "unbind",
           "unsqueeze", "bmm", "matmul", "mm", "empty", "eye", "linspace", "logspace", "normal", "randint", "randperm",
           "float32", "float64", "int64", "int32", "uint8",
           "argsort", "bucketize", "kthvalue", "median", "mode", "msort", "nanmedian", "searchsorted", "sort", "topk",
           "unique", "unique_consecutive",
           "argwhere", "gather", "index_add", "index_copy", "index_fill", "index_select", "masked_scatter",
           "masked_select", "nonzero", "put", "repeat_interleave", "scatter", "scatter_add", "scatter_reduce", "take",
           "take_along_dim", "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_shapes", "broadcast_tensors",
           "broadcast_to", "column_stack", "diag", "diag_embed", "diagonal", "dstack", "fliplr", "flipud", "hstack",
           "moveaxis", "movedim", "narrow", "rot90", "row_stack", "swapaxes", "swapdims", "t", "tensor_split",
           "trace", "tril", "triu", "unflatten", "vstack"]   # not bool, int, float: they would shadow builtins
__all__ += ["add", "addcdiv", "addcmul", "arctan2", "atan2", "copysign", "deg2rad", "div", "divide", "eq", "erf",
            "erfc", "erfinv", "expm1", "fix", "float_power", "fmod", "frac", "ge", "gt", "heaviside", "hypot",
            "isclose", "le", "lerp", "log10", "log2", "logaddexp", "logaddexp2", "logical_and", "logical_not",
            "logical_or", "logical_xor", "lt", "mul", "multiply", "nan_to_num", "ne", "negative", "rad2deg",
            "signbit", "sinc", "sub", "subtract", "true_divide", "trunc", "xlogy", "clone", "log_softmax", "softmax",
            "aminmax", "count_nonzero", "cummax", "cummin", "cumprod", "logsumexp", "nanmean", "nansum", "std_mean",
            "var_mean", "addbmm", "addmm", "addmv", "baddbmm", "cdist", "dot", "ger", "kron", "mv", "outer",
            "tensordot", "vdot", "einsum", "bernoulli", "multinomial", "poisson", "as_tensor", "empty_like",
            "randint_like", "inference_mode", "is_inference_mode_enabled", "set_grad_enabled", "finfo",
            "get_default_dtype", "iinfo", "set_default_dtype", "BoolTensor", "ByteTensor", "DoubleTensor",
            "FloatTensor", "IntTensor", "LongTensor", "typename", "set_printoptions", "get_num_threads",
            "set_num_threads", "is_complex", "is_floating_point", "__version__", "cosine_similarity",
            "pairwise_distance", "pdist"]
