"""Layer, group, instance, RMS and local response normalisation modules, as in PyTorch (BatchNorm lives in
batchnorm.py)."""
import warnings

import numpy as np

from ..arguments import check_bool, check_int, check_number, check_tensor, is_int
from . import functional as F
from .batchnorm import _BatchNorm
from .module import Module, Parameter

class LayerNorm(Module):
    """Normalises over the last dims, `normalized_shape`, with a learned weight and bias of that shape."""
    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True):
        shape = (normalized_shape,) if is_int(normalized_shape) else normalized_shape
        if not isinstance(shape, (tuple, list)) or not all(is_int(s) for s in shape):
            raise TypeError(f"LayerNorm: normalized_shape must be an int or a tuple of ints, got {normalized_shape!r}")
        for size in shape:
            check_int(size, "normalized_shape entries", "LayerNorm", minimum=0)
        check_number(eps, "eps", "LayerNorm", minimum=0)
        check_bool(elementwise_affine, "elementwise_affine", "LayerNorm")
        check_bool(bias, "bias", "LayerNorm")
        self.normalized_shape, self.eps, self.elementwise_affine = tuple(int(s) for s in shape), eps, elementwise_affine
        self.weight = Parameter(np.ones(self.normalized_shape, np.float32)) if elementwise_affine else None
        self.bias = Parameter(np.zeros(self.normalized_shape, np.float32)) if elementwise_affine and bias else None

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")

class GroupNorm(Module):
    """Normalises each sample's `num_groups` groups of channels, with a learned weight and bias per channel."""
    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, *, bias=True):
        check_int(num_groups, "num_groups", "GroupNorm", minimum=1)
        check_int(num_channels, "num_channels", "GroupNorm", minimum=0)
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels={num_channels} must be divisible by num_groups={num_groups}")
        check_number(eps, "eps", "GroupNorm", minimum=0)
        check_bool(affine, "affine", "GroupNorm")
        check_bool(bias, "bias", "GroupNorm")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        self.weight = Parameter(np.ones(num_channels, np.float32)) if affine else None
        self.bias = Parameter(np.zeros(num_channels, np.float32)) if affine and bias else None

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")

class _InstanceNorm(_BatchNorm):
    """Normalises each channel of each sample on its own. Takes (N, C, *spatial) or unbatched (C, *spatial)
    inputs. With track_running_stats, training blends the statistics into running ones (the counter stays, and
    momentum=None keeps them as they are, as in PyTorch) and evaluation uses them."""
    spatial_dims = 0

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, bias=bias)

    def forward(self, input):
        op, dims = type(self).__name__, type(self).spatial_dims
        check_tensor(input, "input", op)
        if input.ndim not in (dims + 1, dims + 2):
            raise ValueError(f"{op}: expected a {dims + 1}-d (C, *spatial) or {dims + 2}-d (N, C, *spatial) input, "
                             f"got shape {input.shape}")
        batched = input.ndim == dims + 2
        x = input if batched else input.unsqueeze(0)
        if x.shape[1] != self.num_features:
            if self.affine or self.track_running_stats:
                raise ValueError(f"{op}({self.num_features}) expects {self.num_features} channels in dim "
                                 f"{1 if batched else 0}, got shape {input.shape}")
            warnings.warn(f"{op}({self.num_features}): input {input.shape} has {x.shape[1]} channels; "
                          "num_features is unused without affine or running statistics", stacklevel=2)
        running = (self.running_mean, self.running_var) if self.track_running_stats else (None, None)
        out = F.instance_norm(x, *running, self.weight, self.bias, self.training or not self.track_running_stats,
                              0.0 if self.momentum is None else self.momentum, self.eps)
        return out if batched else out.squeeze(0)

class InstanceNorm1d(_InstanceNorm):
    spatial_dims = 1

class InstanceNorm2d(_InstanceNorm):
    spatial_dims = 2

class InstanceNorm3d(_InstanceNorm):
    spatial_dims = 3

class RMSNorm(Module):
    """Divides by the root mean square over the last dims, `normalized_shape`, and scales by a learned weight of
    that shape; eps None is the machine epsilon of the input's dtype."""
    def __init__(self, normalized_shape, eps=None, elementwise_affine=True):
        shape = (normalized_shape,) if is_int(normalized_shape) else normalized_shape
        if not isinstance(shape, (tuple, list)) or not all(is_int(s) for s in shape):
            raise TypeError(f"RMSNorm: normalized_shape must be an int or a tuple of ints, got {normalized_shape!r}")
        for size in shape:
            check_int(size, "normalized_shape entries", "RMSNorm", minimum=0)
        if eps is not None:
            check_number(eps, "eps", "RMSNorm", minimum=0)
        check_bool(elementwise_affine, "elementwise_affine", "RMSNorm")
        self.normalized_shape, self.eps = tuple(int(s) for s in shape), eps
        self.elementwise_affine = elementwise_affine
        self.weight = Parameter(np.ones(self.normalized_shape, np.float32)) if elementwise_affine else None

    def forward(self, input):
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"

class LocalResponseNorm(Module):
    """Divides each channel by a power of the mean square over `size` neighbouring channels (AlexNet's)."""
    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        self.size = check_int(size, "size", "LocalResponseNorm", minimum=1)
        for name, value in (("alpha", alpha), ("beta", beta), ("k", k)):
            check_number(value, name, "LocalResponseNorm")
        self.alpha, self.beta, self.k = alpha, beta, k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
