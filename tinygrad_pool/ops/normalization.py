"""Normalisation: batch_norm, layer_norm, group_norm and instance_norm, as one Function over an (N, C, S) view.

Each norm is statistics over groups of elements, then a per-element scale and shift:

| norm                       | view (N, C, S)                 | a statistic covers            | weight, bias index |
| -------------------------- | ------------------------------ | ----------------------------- | ------------------ |
| batch_norm                 | (N, C, spatial size)           | channel c over N and S        | channel            |
| group_norm                 | (N, C, spatial size)           | sample n's group of channels  | channel            |
| instance_norm              | group_norm with C groups       | sample n's channel c          | channel            |
| layer_norm                 | (leading size, 1, normalised)  | one row                       | position s         |

The statistics are the mean and the biased variance (float64 arrays, from the batch, or the running ones in
evaluation); running estimates take the unbiased variance, as in PyTorch.
"""
import math
from dataclasses import dataclass

import numpy as np

from ..arguments import check_bool, check_int, check_number, check_tensor, is_int
from ..autograd import Function
from .movement import pad
from .pooling import avg_pool

@dataclass(frozen=True)
class Grouping:
    """Which elements of an (N, C, S) view share statistics and which share a weight."""
    over_batch: bool     # a statistic per channel over N and S; else one per sample and group of channels
    groups: int          # channel groups per sample, when not over_batch
    per_position: bool   # weight and bias index S (layer norm) rather than C

class Normalize(Function):
    """x, weight, bias -> (normalised x, mean, var). With `statistics` (running mean and variance) given, they
    normalise and count as constants; else the batch's are computed and come back as the extra outputs."""
    def forward(self, x, weight, bias, statistics, view, grouping, eps):
        xp = self.xp
        affine = weight if weight is not None else bias
        self.shapes, self.grouping, self.eps = (x.shape, None if affine is None else affine.shape), grouping, eps
        x3 = xp.reshape(x, view)
        w, b = (None if a is None else xp.reshape(a, (-1,)) for a in (weight, bias))
        self.batch_statistics = statistics is None
        out, mean, var = xp.normalize(x3, w, b, statistics, eps, grouping)
        self.save_for_backward(x3, w, mean, var)
        return xp.reshape(out, x.shape), mean, var

    def backward(self, g):
        x3, w, mean, var = self.saved
        xp = self.xp
        grad_x, grad_w, grad_b = xp.normalize_backward(x3, xp.reshape(g, x3.shape), mean, var, w, self.eps,
                                                       self.grouping, self.batch_statistics,
                                                       *self.needs_input_grad[:3])
        x_shape, w_shape = self.shapes
        return (None if grad_x is None else xp.reshape(grad_x, x_shape),
                None if grad_w is None else xp.reshape(grad_w, w_shape),
                None if grad_b is None else xp.reshape(grad_b, w_shape), None, None, None, None)

def _check_input(input, op, min_ndim):
    check_tensor(input, "input", op)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be float32 or float64, got {input.dtype}")
    if input.ndim < min_ndim:
        raise ValueError(f"{op}: input must have at least {min_ndim} dims"
                         f"{' (N, C, ...)' if min_ndim == 2 else ''}, got shape {input.shape}")

def _check_vectors(input, op, shape, **tensors):
    """Each tensor given (not None) must be a Tensor of `shape` with the input's dtype, on its device."""
    for name, t in tensors.items():
        if t is None:
            continue
        check_tensor(t, name, op)
        if t.shape != shape:
            raise ValueError(f"{op}: {name} must have shape {shape} for input {input.shape}, got {t.shape}")
        if t.dtype != input.dtype:
            raise TypeError(f"{op}: {name} must have the input's dtype {input.dtype}, got {t.dtype}")
        if t.device != input.device:
            raise ValueError(f"{op}: {name} is on {t.device} but input is on {input.device}")

def _check_numbers(op, momentum, eps):
    check_number(momentum, "momentum", op)
    check_number(eps, "eps", op, minimum=0)

def _blend(running, value, momentum, factor=1.0):
    """running <- (1 - momentum) * running + momentum * factor * value, in running's dtype."""
    xp = running.xp
    value = xp.astype(xp.mul(value, factor * momentum), running.dtype)
    running._data = xp.add(xp.mul(running._data, 1 - momentum), value)

def _spatial_size(input):
    return math.prod(input.shape[2:])

def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) to zero mean and unit variance, then scale and shift.
    training: use the batch's statistics and blend them into running_mean/var (when given) with `momentum`;
    otherwise use the running statistics."""
    op = "batch_norm"
    _check_input(input, op, 2)
    check_bool(training, "training", op)
    _check_numbers(op, momentum, eps)
    if not training and (running_mean is None or running_var is None):
        raise ValueError("batch_norm: running_mean and running_var are needed when training=False")
    _check_vectors(input, op, (input.shape[1],), running_mean=running_mean, running_var=running_var,
                   weight=weight, bias=bias)
    count = input.shape[0] * _spatial_size(input)
    if training and count == 1:
        raise ValueError(f"batch_norm: expected more than 1 value per channel in training, got input {input.shape}")
    view = (input.shape[0], input.shape[1], _spatial_size(input))
    statistics = None if training else (running_mean._data, running_var._data)
    out, mean, var = Normalize.apply(input, weight, bias, statistics, view, Grouping(True, 1, False), eps)
    if training and count:   # an empty batch leaves the running statistics as they are, as in PyTorch
        if running_mean is not None:
            _blend(running_mean, mean._data, momentum)
        if running_var is not None:
            _blend(running_var, var._data, momentum, count / (count - 1))
    return out

def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last len(normalized_shape) dims, then scale and shift by weight and bias of that shape."""
    op = "layer_norm"
    check_tensor(input, "input", op)
    if not isinstance(normalized_shape, (tuple, list)) or not all(is_int(s) for s in normalized_shape):
        raise TypeError(f"layer_norm: normalized_shape must be a tuple or list of ints, got {normalized_shape!r}")
    shape = tuple(int(s) for s in normalized_shape)
    if not shape:
        raise ValueError("layer_norm: normalized_shape must have at least one entry, got ()")
    _check_input(input, op, 1)
    if input.shape[input.ndim - len(shape):] != shape or len(shape) > input.ndim:
        raise ValueError(f"layer_norm: normalized_shape={shape} expects an input of shape (*, "
                         f"{', '.join(map(str, shape))}), got {input.shape}")
    check_number(eps, "eps", op, minimum=0)
    _check_vectors(input, op, shape, weight=weight, bias=bias)
    view = (math.prod(input.shape[:input.ndim - len(shape)]), 1, math.prod(shape))
    return Normalize.apply(input, weight, bias, None, view, Grouping(False, 1, True), eps)[0]

def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each sample's `num_groups` groups of consecutive channels, then scale and shift per channel."""
    op = "group_norm"
    _check_input(input, op, 2)
    check_int(num_groups, "num_groups", op, minimum=1)
    channels = input.shape[1]
    if channels % num_groups:
        raise ValueError(f"group_norm: num_groups={num_groups} must divide the {channels} channels of input "
                         f"{input.shape}")
    check_number(eps, "eps", op, minimum=0)
    _check_vectors(input, op, (channels,), weight=weight, bias=bias)
    if input.shape[0] * (channels // num_groups) * _spatial_size(input) == 1:
        raise ValueError(f"group_norm: expected more than 1 value per group, got input {input.shape} with "
                         f"num_groups={num_groups}")
    view = (input.shape[0], channels, _spatial_size(input))
    return Normalize.apply(input, weight, bias, None, view, Grouping(False, num_groups, False), eps)[0]

def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalise each sample's channels on their own (group_norm with a group per channel), then scale and shift.
    use_input_stats: the input's statistics, blended into running_mean/var when given (their mean over the
    batch); otherwise the running statistics."""
    op = "instance_norm"
    _check_input(input, op, 2)
    check_bool(use_input_stats, "use_input_stats", op)
    _check_numbers(op, momentum, eps)
    if not use_input_stats and (running_mean is None or running_var is None):
        raise ValueError("instance_norm: running_mean and running_var are needed when use_input_stats=False")
    channels, spatial = input.shape[1], _spatial_size(input)
    _check_vectors(input, op, (channels,), running_mean=running_mean, running_var=running_var, weight=weight,
                   bias=bias)
    if use_input_stats and spatial == 1:
        raise ValueError(f"instance_norm: expected more than 1 spatial element per channel, got input {input.shape}")
    view = (input.shape[0], channels, spatial)
    if not use_input_stats:
        return Normalize.apply(input, weight, bias, (running_mean._data, running_var._data), view,
                               Grouping(True, 1, False), eps)[0]
    out, mean, var = Normalize.apply(input, weight, bias, None, view, Grouping(False, channels, False), eps)
    batch = input.shape[0]
    if batch and spatial:   # an empty batch leaves the running statistics as they are, as batch_norm does
        if running_mean is not None:
            _blend(running_mean, mean.reshape(batch, channels).sum(0)._data, momentum, 1 / batch)
        if running_var is not None:
            _blend(running_var, var.reshape(batch, channels).sum(0)._data, momentum, spatial / (spatial - 1) / batch)
    return out

def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha * mean of x^2 over `size` neighbouring channels)^beta, the window centred on each channel
    (size // 2 before, (size - 1) // 2 after, zeros beyond the ends)."""
    op = "local_response_norm"
    check_tensor(input, "input", op)
    check_int(size, "size", op, minimum=1)
    for name, value in (("alpha", alpha), ("beta", beta), ("k", k)):
        check_number(value, name, op)
    if input.ndim < 3:
        raise ValueError(f"{op}: expected an input (N, C, *spatial) with at least 3 dims, got shape {input.shape}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be float32 or float64, got {input.dtype}")
    if input.numel() == 0:
        return input
    batch, channels = input.shape[:2]
    squares = (input * input).reshape(batch, 1, channels, 1, -1)
    squares = pad(squares, (0, 0, 0, 0, size // 2, (size - 1) // 2))
    mean = avg_pool(squares, 3, (size, 1, 1), stride=1, op=op).reshape(input.shape)
    return input / (mean * alpha + k) ** beta

def _normalized_shape(normalized_shape, op):
    if is_int(normalized_shape):
        normalized_shape = (normalized_shape,)
    if not isinstance(normalized_shape, (tuple, list)) or not all(is_int(s) for s in normalized_shape):
        raise TypeError(f"{op}: normalized_shape must be a tuple or list of ints, got {normalized_shape!r}")
    if not normalized_shape:
        raise ValueError(f"{op}: normalized_shape must have at least one entry, got ()")
    return tuple(int(s) for s in normalized_shape)

def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) over the last len(normalized_shape) dims, times weight (of that shape); eps None
    is the machine epsilon of the input's dtype."""
    op = "rms_norm"
    check_tensor(input, "input", op)
    shape = _normalized_shape(normalized_shape, op)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be float32 or float64, got {input.dtype}")
    if len(shape) > input.ndim or input.shape[input.ndim - len(shape):] != shape:
        raise ValueError(f"{op}: normalized_shape={shape} expects an input of shape (*, "
                         f"{', '.join(map(str, shape))}), got {input.shape}")
    if weight is not None and check_tensor(weight, "weight", op).shape != shape:
        raise ValueError(f"{op}: weight must have the shape normalized_shape={shape}, got {weight.shape}")
    eps = float(np.finfo(input.dtype).eps) if eps is None else check_number(eps, "eps", op)
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    out = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return out if weight is None else out * weight
