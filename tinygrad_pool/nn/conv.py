"""Convolution modules with PyTorch's constructor, initialisation, padding modes and repr."""
import numpy as np

from ..arguments import as_tuple, check_bool, check_choice, check_int
from ..ops.conv import padding_pairs
from ..ops.movement import pad_mode
from . import functional as F
from . import init
from .module import Module, Parameter

class _ConvNd(Module):
    dims = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros"):
        dims = type(self).dims
        op = type(self).__name__
        check_int(in_channels, "in_channels", op, minimum=0)
        check_int(out_channels, "out_channels", op, minimum=0)
        check_int(groups, "groups", op, minimum=1)
        check_bool(bias, "bias", op)
        check_choice(padding_mode, "padding_mode", op, ("zeros", "reflect", "replicate", "circular"))
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{op}: groups={groups} must divide in_channels={in_channels} and "
                             f"out_channels={out_channels}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = as_tuple(kernel_size, dims, "kernel_size", op)
        self.stride, self.dilation = as_tuple(stride, dims, "stride", op), as_tuple(dilation, dims, "dilation", op)
        for name, values in (("kernel_size", self.kernel_size), ("stride", self.stride), ("dilation", self.dilation)):
            if min(values) < 1:
                raise ValueError(f"{op}: {name} must be positive, got {values}")
        padding_pairs(padding, self.kernel_size, self.stride, self.dilation, dims)   # checks padding
        self.padding = padding if isinstance(padding, str) else as_tuple(padding, dims, "padding", op)
        self.groups, self.padding_mode = groups, padding_mode
        self.weight = Parameter(np.empty((out_channels, in_channels // groups) + self.kernel_size, np.float32))
        self.bias = Parameter(np.empty(out_channels, np.float32)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        init.layer_default_(self.weight, self.bias)

    def forward(self, input):
        conv = getattr(F, f"conv{type(self).dims}d")
        if self.padding_mode == "zeros":
            return conv(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        pairs = padding_pairs(self.padding, self.kernel_size, self.stride, self.dilation, type(self).dims)
        padded = pad_mode(input, pairs, self.padding_mode)
        return conv(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}")
        if self.padding != (0,) * type(self).dims:
            text += f", padding={self.padding!r}" if isinstance(self.padding, str) else f", padding={self.padding}"
        if self.dilation != (1,) * type(self).dims:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text

class Conv1d(_ConvNd):
    dims = 1

class Conv2d(_ConvNd):
    dims = 2

class Conv3d(_ConvNd):
    dims = 3
