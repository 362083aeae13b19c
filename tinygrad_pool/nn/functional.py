"""PyTorch's `torch.nn.functional` names, over Tensor operations."""
import numpy as np

from .. import functions as _functions
from ..autograd import no_grad
from ..tensor import int64
from ..creation import generator

def relu(input):
    return input.relu()

def softmax(input, dim):
    return input.softmax(dim)

def log_softmax(input, dim):
    return input.log_softmax(dim)

def linear(input, weight, bias=None):
    """input @ weight.T + bias, with weight of shape (out_features, in_features)."""
    if weight.ndim != 2 or input.shape[-1:] != weight.shape[1:]:
        raise ValueError(f"linear: input of shape {input.shape} does not fit weight of shape {weight.shape} "
                         "(expected input[..., in_features] and weight[out_features, in_features])")
    if bias is not None and bias.shape != weight.shape[:1]:
        raise ValueError(f"linear: bias of shape {bias.shape} does not fit weight of shape {weight.shape}")
    if input.ndim == 2 and input.dtype == weight.dtype and (bias is None or bias.dtype == input.dtype):
        return _functions.Linear.apply(input, weight, bias)
    out = input.matmul(weight.T)   # batched inputs and mixed dtypes: the general path
    return out if bias is None else out + bias

def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"reduction={reduction!r}: use 'mean', 'sum' or 'none'")

def nll_loss(input, target, reduction="mean"):
    """-input[n, target[n]] averaged (or summed) over the batch; input holds log-probabilities (N, C)."""
    if input.ndim != 2 or target.ndim != 1 or target.shape[0] != input.shape[0]:
        raise ValueError(f"nll_loss needs input (N, C) and target (N,), got {input.shape} and {target.shape}")
    if target.dtype != int64:
        raise TypeError(f"nll_loss target must be int64 class indices, got {target.dtype}")
    labels = target.numpy()
    if labels.size and (labels.min() < 0 or labels.max() >= input.shape[1]):
        bad = labels[(labels < 0) | (labels >= input.shape[1])][0]
        raise ValueError(f"nll_loss target {bad} is out of range for {input.shape[1]} classes")
    return _reduce(-input[np.arange(input.shape[0]), labels], reduction)

def cross_entropy(input, target, reduction="mean"):
    """log_softmax over classes, then nll_loss: takes raw scores (N, C) and int64 labels (N,)."""
    return nll_loss(input.log_softmax(1), target, reduction)

def mse_loss(input, target, reduction="mean"):
    if input.shape != target.shape:
        raise ValueError(f"mse_loss needs equal shapes, got {input.shape} and {target.shape}")
    diff = input - target
    return _reduce(diff * diff, reduction)

def dropout(input, p=0.5, training=True):
    """Zero each element with probability p and scale the rest by 1/(1-p), in training only."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability p={p} must lie in [0, 1]")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    if input.dtype.kind != "f":
        raise TypeError(f"dropout needs a floating-point input, got {input.dtype}")
    return _functions.Dropout.apply(input, p, int(generator().integers(0, 2**63)))

def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) to zero mean and unit variance, then scale and shift.
    training: use the batch's statistics and blend them into running_mean/var (when given) with `momentum`;
    otherwise use the running statistics."""
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, -1) + (1,) * (input.ndim - 2)
    if training:
        count = input.numel() // input.shape[1]
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel in training, got input {input.shape}")
        mean = input.mean(axes, keepdim=True)
        centered = input - mean
        var = (centered * centered).mean(axes, keepdim=True)
        if running_mean is not None:
            with no_grad():
                running_mean.data = (running_mean * (1 - momentum) + mean.reshape(-1) * momentum).data
                unbiased = var.reshape(-1) * (count / (count - 1))
                running_var.data = (running_var * (1 - momentum) + unbiased * momentum).data
    else:
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
        centered = input - mean
    out = centered / (var + eps).sqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out

def pad(input, pad, mode="constant", value=0.0):
    """Constant padding in PyTorch's order: (left, right) of the last dim first."""
    if mode != "constant":
        raise ValueError(f"pad mode={mode!r}: only 'constant' is supported")
    return input.pad(pad, value)

# --- pooling: PyTorch's signatures over tinygrad_pool/pooling.py -----------------------------------------------
from ..ops import pooling as _pool  # noqa: E402

def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _pool.max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool1d")

def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _pool.max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool2d")

def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _pool.max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool3d")

def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    return _pool.avg_pool(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad, None, "avg_pool1d")

def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _pool.avg_pool(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                          "avg_pool2d")

def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _pool.avg_pool(input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                          "avg_pool3d")

def adaptive_avg_pool1d(input, output_size):
    return _pool.adaptive_avg_pool(input, 1, output_size, "adaptive_avg_pool1d")

def adaptive_avg_pool2d(input, output_size):
    return _pool.adaptive_avg_pool(input, 2, output_size, "adaptive_avg_pool2d")

def adaptive_avg_pool3d(input, output_size):
    return _pool.adaptive_avg_pool(input, 3, output_size, "adaptive_avg_pool3d")

def adaptive_max_pool1d(input, output_size, return_indices=False):
    return _pool.adaptive_max_pool(input, 1, output_size, return_indices, "adaptive_max_pool1d")

def adaptive_max_pool2d(input, output_size, return_indices=False):
    return _pool.adaptive_max_pool(input, 2, output_size, return_indices, "adaptive_max_pool2d")

def adaptive_max_pool3d(input, output_size, return_indices=False):
    return _pool.adaptive_max_pool(input, 3, output_size, return_indices, "adaptive_max_pool3d")

def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _pool.lp_pool(input, 1, norm_type, kernel_size, stride, ceil_mode, "lp_pool1d")

def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _pool.lp_pool(input, 2, norm_type, kernel_size, stride, ceil_mode, "lp_pool2d")

def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _pool.max_unpool(input, indices, 1, kernel_size, stride, padding, output_size, "max_unpool1d")

def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _pool.max_unpool(input, indices, 2, kernel_size, stride, padding, output_size, "max_unpool2d")

def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _pool.max_unpool(input, indices, 3, kernel_size, stride, padding, output_size, "max_unpool3d")

global_avg_pool2d = _pool.global_avg_pool2d

# --- convolution -----------------------------------------------------------------------------------------------
from ..ops import conv as _conv  # noqa: E402

def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv.conv(input, weight, bias, stride, padding, dilation, groups, 1)

def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv.conv(input, weight, bias, stride, padding, dilation, groups, 2)

def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv.conv(input, weight, bias, stride, padding, dilation, groups, 3)
