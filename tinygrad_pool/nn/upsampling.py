"""Upsampling modules: PyTorch's constructors and reprs over `interpolate` (ops/resample.py).

The constructor checks its arguments with the function's own checks (all but those that need the input's rank),
so a bad one fails where the module is made rather than at its first call.
"""
from ..ops import resample
from .module import Module

class Upsample(Module):
    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        resample.check_options(type(self).__name__, size, scale_factor, mode, align_corners, recompute_scale_factor)
        self.size, self.mode = size, mode
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(float(s) for s in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor is not None else None
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, input):
        return resample.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                                    self.recompute_scale_factor)

    def extra_repr(self):
        shown = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return f"{shown}, mode={self.mode!r}"

class UpsamplingNearest2d(Upsample):
    """Upsample with mode='nearest'."""
    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")

class UpsamplingBilinear2d(Upsample):
    """Upsample with mode='bilinear' and align_corners=True (4-d inputs)."""
    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
