"""`Linear` (y = x W^T + b), `Bilinear` (y = x1^T A x2 + b), and the modules that only reshape: `Flatten`,
`Unflatten`, `Identity`, `PixelShuffle`, `PixelUnshuffle`, `ChannelShuffle`."""
import math

import numpy as np

from ..arguments import check_bool, check_int, normalize_dim
from . import functional as F, init
from .module import Module, Parameter

class Linear(Module):
    """weight (out_features, in_features) and bias (out_features,), both U(-1/sqrt(in), 1/sqrt(in)) as in PyTorch."""
    def __init__(self, in_features, out_features, bias=True):
        check_int(in_features, "in_features", "Linear", minimum=0)
        check_int(out_features, "out_features", "Linear", minimum=0)
        check_bool(bias, "bias", "Linear")
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(np.empty((out_features, in_features), np.float32))
        self.bias = Parameter(np.empty(out_features, np.float32)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        init.layer_default_(self.weight, self.bias)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"

class Flatten(Module):
    def __init__(self, start_dim=1, end_dim=-1):
        check_int(start_dim, "start_dim", "Flatten")
        check_int(end_dim, "end_dim", "Flatten")
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"

class Identity(Module):
    def forward(self, input):
        return input

class Unflatten(Module):
    """Split dim `dim` into `unflattened_size`: the inverse of Flatten."""
    def __init__(self, dim, unflattened_size):
        self.dim = check_int(dim, "dim", "Unflatten")
        if not isinstance(unflattened_size, (tuple, list)) or not unflattened_size:
            raise TypeError(f"Unflatten: unflattened_size must be a non-empty tuple of ints, got "
                            f"{unflattened_size!r}")
        for size in unflattened_size:
            check_int(size, "unflattened_size", "Unflatten", minimum=-1)
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input):
        dim = normalize_dim(self.dim, input.ndim)
        return input.reshape(input.shape[:dim] + self.unflattened_size + input.shape[dim + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"

class PixelShuffle(Module):
    def __init__(self, upscale_factor):
        self.upscale_factor = check_int(upscale_factor, "upscale_factor", "PixelShuffle", minimum=1)

    def forward(self, input):
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"

class PixelUnshuffle(Module):
    def __init__(self, downscale_factor):
        self.downscale_factor = check_int(downscale_factor, "downscale_factor", "PixelUnshuffle", minimum=1)

    def forward(self, input):
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"

class Bilinear(Module):
    """weight (out_features, in1_features, in2_features) and bias (out_features,), both
    U(-1/sqrt(in1_features), 1/sqrt(in1_features)) as in PyTorch."""
    def __init__(self, in1_features, in2_features, out_features, bias=True):
        for name, value in (("in1_features", in1_features), ("in2_features", in2_features),
                            ("out_features", out_features)):
            check_int(value, name, "Bilinear", minimum=0)
        check_bool(bias, "bias", "Bilinear")
        self.in1_features, self.in2_features, self.out_features = in1_features, in2_features, out_features
        self.weight = Parameter(np.empty((out_features, in1_features, in2_features), np.float32))
        self.bias = Parameter(np.empty(out_features, np.float32)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.in1_features) if self.in1_features else 0.0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")

class ChannelShuffle(Module):
    def __init__(self, groups):
        self.groups = check_int(groups, "groups", "ChannelShuffle", minimum=1)

    def forward(self, input):
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"
