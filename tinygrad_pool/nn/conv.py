"""Convolution and transposed convolution modules with PyTorch's constructors, initialisation, padding modes and
repr."""
import numpy as np

from ..arguments import as_tuple, check_bool, check_choice, check_int, check_tensor, described, is_int
from ..ops.conv import padding_pairs
from ..ops.movement import pad_mode
from . import functional as F
from . import init
from .module import Module, Parameter

def _set_layer_arguments(layer, in_channels, out_channels, kernel_size, stride, dilation, groups, bias):
    """The checks every convolution layer shares; sets its channels, kernel_size, stride, dilation and groups."""
    dims, op = type(layer).dims, type(layer).__name__
    check_int(in_channels, "in_channels", op, minimum=0)
    check_int(out_channels, "out_channels", op, minimum=0)
    check_int(groups, "groups", op, minimum=1)
    check_bool(bias, "bias", op)
    if in_channels % groups or out_channels % groups:
        raise ValueError(f"{op}: groups={groups} must divide in_channels={in_channels} and "
                         f"out_channels={out_channels}")
    layer.in_channels, layer.out_channels, layer.groups = in_channels, out_channels, groups
    layer.kernel_size = as_tuple(kernel_size, dims, "kernel_size", op)
    layer.stride, layer.dilation = as_tuple(stride, dims, "stride", op), as_tuple(dilation, dims, "dilation", op)
    for name, values in (("kernel_size", layer.kernel_size), ("stride", layer.stride), ("dilation", layer.dilation)):
        if min(values) < 1:
            raise ValueError(f"{op}: {name} must be positive, got {values}")

class _ConvNd(Module):
    dims = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros"):
        dims = type(self).dims
        op = type(self).__name__
        check_choice(padding_mode, "padding_mode", op, ("zeros", "reflect", "replicate", "circular"))
        _set_layer_arguments(self, in_channels, out_channels, kernel_size, stride, dilation, groups, bias)
        padding_pairs(padding, self.kernel_size, self.stride, self.dilation, dims)   # checks padding
        self.padding = padding if isinstance(padding, str) else as_tuple(padding, dims, "padding", op)
        self.padding_mode = padding_mode
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

class _ConvTransposeNd(Module):
    """A transposed convolution layer. Its weight is (in_channels, out_channels/groups, *kernel_size), so PyTorch's
    initialisation draws it and the bias from U(-1/sqrt(f), 1/sqrt(f)) with f = out_channels/groups * kernel
    elements: the fan-in that init reads from the weight's second dim."""
    dims = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros"):
        dims = type(self).dims
        op = type(self).__name__
        if padding_mode != "zeros":
            raise ValueError(f"{op}: padding_mode={padding_mode!r}: only 'zeros' is supported for a transposed "
                             f"convolution")
        _set_layer_arguments(self, in_channels, out_channels, kernel_size, stride, dilation, groups, bias)
        self.padding = as_tuple(padding, dims, "padding", op)
        self.output_padding = as_tuple(output_padding, dims, "output_padding", op)
        for name, values in (("padding", self.padding), ("output_padding", self.output_padding)):
            if min(values) < 0:
                raise ValueError(f"{op}: {name} must be non-negative, got {values}")
        self.padding_mode = padding_mode
        self.weight = Parameter(np.empty((in_channels, out_channels // groups) + self.kernel_size, np.float32))
        self.bias = Parameter(np.empty(out_channels, np.float32)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        init.layer_default_(self.weight, self.bias)

    def forward(self, input, output_size=None):
        """output_size, when given, picks the output_padding that gives it: (N, C_out, *spatial), (C_out,
        *spatial) or just the spatial sizes; each must lie within stride - 1 of the size without output_padding."""
        dims = type(self).dims
        output_padding = self.output_padding
        if output_size is not None and check_tensor(input, "input", type(self).__name__).ndim in (dims + 1, dims + 2):
            output_padding = self._output_padding(input, output_size)
        conv_transpose = getattr(F, f"conv_transpose{dims}d")
        return conv_transpose(input, self.weight, self.bias, self.stride, self.padding, output_padding, self.groups,
                              self.dilation)

    def _output_padding(self, input, output_size):
        dims, op = type(self).dims, type(self).__name__
        if not isinstance(output_size, (tuple, list)) or not all(is_int(size) for size in output_size):
            raise TypeError(f"{op}: output_size must be a tuple or list of ints, got {described(output_size)}")
        if len(output_size) not in (dims, input.ndim):
            raise ValueError(f"{op}: for a {input.ndim}-d input, output_size must have {dims} or {input.ndim} "
                             f"entries, got {tuple(output_size)}")
        spatial, wanted = input.shape[-dims:], tuple(int(size) for size in output_size[-dims:])
        smallest = tuple((L - 1) * s - 2 * p + d * (k - 1) + 1 for L, k, s, p, d in
                         zip(spatial, self.kernel_size, self.stride, self.padding, self.dilation))
        largest = tuple(low + s - 1 for low, s in zip(smallest, self.stride))
        if any(not low <= size <= high for size, low, high in zip(wanted, smallest, largest)):
            raise ValueError(f"{op}: output_size {wanted} is out of reach: for an input of spatial size {spatial} "
                             f"the sizes range from {smallest} to {largest}")
        return tuple(size - low for size, low in zip(wanted, smallest))

    def extra_repr(self):
        dims = type(self).dims
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * dims:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * dims:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * dims:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text

class ConvTranspose1d(_ConvTransposeNd):
    dims = 1

class ConvTranspose2d(_ConvTransposeNd):
    dims = 2

class ConvTranspose3d(_ConvTransposeNd):
    dims = 3
