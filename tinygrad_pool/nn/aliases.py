"""PyTorch's second names for pooling and resampling in `nn.functional`: the `*_with_indices` forms, which always
return (values, indices), and the deprecated `upsample`, `upsample_nearest` and `upsample_bilinear`, which call
`interpolate` (with a UserWarning, as PyTorch's do)."""
import warnings

from ..ops import pooling
from ..ops.resample import interpolate

def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    return pooling.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)

def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    return pooling.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)

def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    return pooling.max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)

def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    return pooling.adaptive_max_pool1d(input, output_size, True)

def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    return pooling.adaptive_max_pool2d(input, output_size, True)

def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    return pooling.adaptive_max_pool3d(input, output_size, True)

def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                                       _random_samples=None):
    return pooling.fractional_max_pool2d(input, kernel_size, output_size, output_ratio, True, _random_samples)

def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                                       _random_samples=None):
    return pooling.fractional_max_pool3d(input, kernel_size, output_size, output_ratio, True, _random_samples)

def _deprecated(name):
    warnings.warn(f"nn.functional.{name} is deprecated in PyTorch: call nn.functional.interpolate", UserWarning,
                  stacklevel=3)

def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    _deprecated("upsample")
    return interpolate(input, size, scale_factor, mode, align_corners)

def upsample_nearest(input, size=None, scale_factor=None):
    _deprecated("upsample_nearest")
    return interpolate(input, size, scale_factor, mode="nearest")

def upsample_bilinear(input, size=None, scale_factor=None):
    """Bilinear with align_corners=True, as this old name always was."""
    _deprecated("upsample_bilinear")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
