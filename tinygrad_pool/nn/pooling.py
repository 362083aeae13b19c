"""Pooling modules: PyTorch's constructors and reprs over `nn.functional`'s pooling functions."""
from . import functional as F
from .module import Module

class _MaxPoolNd(Module):
    function = None

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        return type(self).function(input, self.kernel_size, self.stride, self.padding, self.dilation,
                                   self.ceil_mode, self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")

class MaxPool1d(_MaxPoolNd):
    function = staticmethod(F.max_pool1d)

class MaxPool2d(_MaxPoolNd):
    function = staticmethod(F.max_pool2d)

class MaxPool3d(_MaxPoolNd):
    function = staticmethod(F.max_pool3d)

class _AvgPoolNd(Module):
    function = None

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.ceil_mode, self.count_include_pad = padding, ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return type(self).function(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                                   self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

class AvgPool1d(_AvgPoolNd):
    """avg_pool1d has no divisor_override, as in PyTorch."""
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

class AvgPool2d(_AvgPoolNd):
    function = staticmethod(F.avg_pool2d)

class AvgPool3d(_AvgPoolNd):
    function = staticmethod(F.avg_pool3d)

class _AdaptiveAvgPoolNd(Module):
    function = None

    def __init__(self, output_size):
        self.output_size = output_size

    def forward(self, input):
        return type(self).function(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"

class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    function = staticmethod(F.adaptive_avg_pool1d)

class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    function = staticmethod(F.adaptive_avg_pool2d)

class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    function = staticmethod(F.adaptive_avg_pool3d)

class _AdaptiveMaxPoolNd(_AdaptiveAvgPoolNd):
    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input):
        return type(self).function(input, self.output_size, self.return_indices)

class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    function = staticmethod(F.adaptive_max_pool1d)

class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    function = staticmethod(F.adaptive_max_pool2d)

class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    function = staticmethod(F.adaptive_max_pool3d)

class _LPPoolNd(Module):
    function = None

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def forward(self, input):
        return type(self).function(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")

class LPPool1d(_LPPoolNd):
    function = staticmethod(F.lp_pool1d)

class LPPool2d(_LPPoolNd):
    function = staticmethod(F.lp_pool2d)

class _MaxUnpoolNd(Module):
    function = None

    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding = padding

    def forward(self, input, indices, output_size=None):
        return type(self).function(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

class MaxUnpool1d(_MaxUnpoolNd):
    function = staticmethod(F.max_unpool1d)

class MaxUnpool2d(_MaxUnpoolNd):
    function = staticmethod(F.max_unpool2d)

class MaxUnpool3d(_MaxUnpoolNd):
    function = staticmethod(F.max_unpool3d)
