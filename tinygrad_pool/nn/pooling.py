"""Pooling modules: PyTorch's constructors and reprs over the pooling functions of `ops/pooling.py`.

Each module keeps its constructor's arguments as attributes and calls its function with them. `arguments` names
them in the function's order (after the input), `shown` the ones its repr shows, as PyTorch prints them.
Constructors check their arguments with the functions' own checks, so a bad one fails where the module is made
rather than at its first call (the call checks again: attributes can be reassigned).
"""
from ..ops import pooling
from .module import Module

class _Pool(Module):
    function = None
    dims = 0
    arguments = shown = ()

    def forward(self, input):
        return type(self).function(input, *(getattr(self, name) for name in self.arguments))

    def extra_repr(self):
        return ", ".join(f"{name}={getattr(self, name)}" for name in self.shown)

def _for_each_dim(base, *functions):
    """A family's modules, one per function (max_pool1d, max_pool2d, ...): `base` (_MaxPoolNd) calling it,
    named after its dims (MaxPool1d, ...)."""
    return tuple(type(base.__name__.strip("_").replace("N", function.__name__[-2]), (base,),
                      {"function": staticmethod(function), "dims": int(function.__name__[-2]),
                       "__module__": __name__, "__doc__": base.__doc__})
                 for function in functions)

class _MaxPoolNd(_Pool):
    arguments = ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")
    shown = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        pooling.max_pool_arguments(type(self).__name__, self.dims, kernel_size, stride, padding, dilation,
                                   ceil_mode, return_indices)
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

MaxPool1d, MaxPool2d, MaxPool3d = _for_each_dim(_MaxPoolNd, pooling.max_pool1d, pooling.max_pool2d,
                                                pooling.max_pool3d)

class _AvgPoolNd(_Pool):
    arguments = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override")
    shown = ("kernel_size", "stride", "padding")

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        pooling.avg_pool_arguments(type(self).__name__, self.dims, kernel_size, stride, padding, ceil_mode,
                                   count_include_pad, divisor_override)
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.ceil_mode, self.count_include_pad = padding, ceil_mode, count_include_pad
        self.divisor_override = divisor_override

class AvgPool1d(_AvgPoolNd):
    """avg_pool1d has no divisor_override, as in PyTorch."""
    function = staticmethod(pooling.avg_pool1d)
    dims = 1
    arguments = _AvgPoolNd.arguments[:-1]

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)

AvgPool2d, AvgPool3d = _for_each_dim(_AvgPoolNd, pooling.avg_pool2d, pooling.avg_pool3d)

class _AdaptiveAvgPoolNd(_Pool):
    arguments = shown = ("output_size",)

    def __init__(self, output_size):
        pooling.adaptive_arguments(type(self).__name__, self.dims, output_size)
        self.output_size = output_size

AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d = _for_each_dim(
    _AdaptiveAvgPoolNd, pooling.adaptive_avg_pool1d, pooling.adaptive_avg_pool2d, pooling.adaptive_avg_pool3d)

class _AdaptiveMaxPoolNd(_Pool):
    arguments, shown = ("output_size", "return_indices"), ("output_size",)

    def __init__(self, output_size, return_indices=False):
        pooling.adaptive_arguments(type(self).__name__, self.dims, output_size, return_indices)
        self.output_size, self.return_indices = output_size, return_indices

AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d = _for_each_dim(
    _AdaptiveMaxPoolNd, pooling.adaptive_max_pool1d, pooling.adaptive_max_pool2d, pooling.adaptive_max_pool3d)

class _LPPoolNd(_Pool):
    """norm_type must be a number: PyTorch's module also takes a string that float() reads ('2', 'inf')."""
    arguments = shown = ("norm_type", "kernel_size", "stride", "ceil_mode")

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        pooling.lp_pool_arguments(type(self).__name__, self.dims, norm_type, kernel_size, stride, ceil_mode)
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

LPPool1d, LPPool2d, LPPool3d = _for_each_dim(_LPPoolNd, pooling.lp_pool1d, pooling.lp_pool2d, pooling.lp_pool3d)

class _MaxUnpoolNd(_Pool):
    """forward(input, indices, output_size=None): the indices that max pooling returned."""
    arguments = shown = ("kernel_size", "stride", "padding")

    def __init__(self, kernel_size, stride=None, padding=0):
        """Keeps its sizes as tuples, one entry per dim, which is how PyTorch's repr shows them."""
        self.kernel_size, self.stride, self.padding = pooling.max_unpool_arguments(
            type(self).__name__, self.dims, kernel_size, stride, padding)

    def forward(self, input, indices, output_size=None):
        return type(self).function(input, indices, self.kernel_size, self.stride, self.padding, output_size)

MaxUnpool1d, MaxUnpool2d, MaxUnpool3d = _for_each_dim(_MaxUnpoolNd, pooling.max_unpool1d, pooling.max_unpool2d,
                                                      pooling.max_unpool3d)

class _FractionalMaxPoolNd(_Pool):
    """_random_samples (N, C, dims), when given, fixes the windows of every call and is kept as a buffer; else
    each call draws new ones. The repr shows no arguments, as PyTorch's."""
    arguments = ("kernel_size", "output_size", "output_ratio", "return_indices", "_random_samples")

    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices=False, _random_samples=None):
        pooling.fractional_arguments(type(self).__name__, self.dims, kernel_size, output_size, output_ratio,
                                     return_indices)
        self.kernel_size, self.output_size, self.output_ratio = kernel_size, output_size, output_ratio
        self.return_indices = return_indices
        if _random_samples is None:
            self._random_samples = None
        else:
            self.register_buffer("_random_samples", _random_samples)

FractionalMaxPool2d, FractionalMaxPool3d = _for_each_dim(_FractionalMaxPoolNd, pooling.fractional_max_pool2d,
                                                         pooling.fractional_max_pool3d)
