"""tinygrad_pool: a small deep-learning framework with a reverse-mode tape and Numba kernels (CPU and CUDA)."""
from .tensor import Tensor, float32, float64, int64, int32, uint8, bool_
from .ops.movement import cat, stack
from .ops.elementwise import where
from .creation import (tensor, from_numpy, zeros, ones, full, randn, rand, arange, zeros_like, ones_like,
                       full_like, randn_like, rand_like)
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
           "float32", "float64", "int64", "int32", "uint8"]   # not bool, int, float: they would shadow builtins
