"""Pooling modules: PyTorch's constructors and reprs over `nn.functional`'s pooling functions.

Each module keeps its constructor's arguments as attributes and calls its function with them. `arguments` names
them in the function's order (after the input), `shown` the ones its repr shows, as PyTorch prints them.
"""
from . import functional as F
from .module import Module

class _Pool(Module):
    function = None
    arguments = shown = ()

    def forward(self, input):
        return type(self).function(input, *(getattr(self, name) for name in self.arguments))

    def extra_repr(self):
        return ", ".join(f"{name}={getattr(self, name)}" for name in self.shown)

def _for_each_dim(base, *functions):
    """A family's modules, one per function (max_pool1d, max_pool2d, ...): `base` (_MaxPoolNd) calling it,
    named after its dims (MaxPool1d, ...)."""
    return tuple(type(base.__name__.strip("_").replace("N", function.__name__[-2]), (base,),
                      {"function": staticmethod(function), "__module__": __name__, "__doc__": base.__doc__})
                 for function in functions)

class _MaxPoolNd(_Pool):
    arguments = ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")
    shown = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

MaxPool1d, MaxPool2d, MaxPool3d = _for_each_dim(_MaxPoolNd, F.max_pool1d, F.max_pool2d, F.max_pool3d)

class _AvgPoolNd(_Pool):
    arguments = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override")
    shown = ("kernel_size", "stride", "padding")

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.ceil_mode, self.count_include_pad = padding, ceil_mode, count_include_pad
        self.divisor_override = divisor_override

class AvgPool1d(_AvgPoolNd):
    """avg_pool1d has no divisor_override, as in PyTorch."""
    function = staticmethod(F.avg_pool1d)
    arguments = _AvgPoolNd.arguments[:-1]

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)

AvgPool2d, AvgPool3d = _for_each_dim(_AvgPoolNd, F.avg_pool2d, F.avg_pool3d)

class _AdaptiveAvgPoolNd(_Pool):
    arguments = shown = ("output_size",)

    def __init__(self, output_size):
        self.output_size = output_size

AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d = _for_each_dim(_AdaptiveAvgPoolNd, F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_avg_pool3d)

class _AdaptiveMaxPoolNd(_Pool):
    arguments, shown = ("output_size", "return_indices"), ("output_size",)

    def __init__(self, output_size, return_indices=False):
        self.output_size, self.return_indices = output_size, return_indices

AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d = _for_each_dim(_AdaptiveMaxPoolNd, F.adaptive_max_pool1d, F.adaptive_max_pool2d, F.adaptive_max_pool3d)

class _LPPoolNd(_Pool):
    arguments = shown = ("norm_type", "kernel_size", "stride", "ceil_mode")

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

LPPool1d, LPPool2d = _for_each_dim(_LPPoolNd, F.lp_pool1d, F.lp_pool2d)

class _MaxUnpoolNd(_Pool):
    """forward(input, indices, output_size=None): the indices that max pooling returned."""
    arguments = shown = ("kernel_size", "stride", "padding")

    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding = padding

    def forward(self, input, indices, output_size=None):
        return type(self).function(input, indices, self.kernel_size, self.stride, self.padding, output_size)

MaxUnpool1d, MaxUnpool2d, MaxUnpool3d = _for_each_dim(_MaxUnpoolNd, F.max_unpool1d, F.max_unpool2d, F.max_unpool3d)
