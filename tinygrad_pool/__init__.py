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
from .ops.reduce import all, amax, amin, any, argmax, argmin, cumsum, max, mean, min, norm, prod, std, sum, var
from .ops.movement import (chunk, flatten, flip, meshgrid, permute, reshape, roll, split, squeeze, tile, transpose,
                           unbind, unsqueeze)
from .ops.matmul import bmm, matmul, mm
from .creation import empty, eye, linspace, logspace, normal, randint, randperm
from .seeding import manual_seed, Generator
from .autograd import no_grad, enable_grad, is_grad_enabled
from .gradcheck import gradcheck, GradcheckError
from .serialization import save, load, save_file, load_file
from .device import device
from . import nn, optim, cuda, accelerator
from . import utils
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
           "float32", "float64", "int64", "int32", "uint8"]   # not bool, int, float: they would shadow builtins
