"""Activations: relu, sigmoid, tanh, the pointwise family (leaky_relu, elu, gelu, silu, threshold, the shrinks,
...), rrelu, glu, prelu, softmax, softmin, log_softmax and the dropouts, each a Function over one backend kernel
or a short chain of them.

`inplace=True` is accepted wherever PyTorch has it, and computes out of place: the result is a new tensor and the
input keeps its values, so autograd never sees a changed input. Use the returned tensor, as `x = F.relu(x,
inplace=True)` and `nn.Sequential` do. The functions whose names end in `_` (`relu_`, `elu_`, ...) do write into
their input, through `ops/inplace.py`, with PyTorch's rules for in-place writes.
"""
import numpy as np

from ..arguments import check_bool, check_choice, check_number, check_tensor, normalize_dim
from ..autograd import FromOutput, Function
from ..backends import scalar
from ..seeding import generator
from ..tensor import Tensor
from . import inplace
from .elementwise import as_float, cast, where

class Relu(FromOutput):
    kernel, grad = "relu", staticmethod(lambda xp, g, y: xp.relu_backward(g, y))

class Sigmoid(FromOutput):
    kernel, grad = "sigmoid", staticmethod(lambda xp, g, y: xp.mul(g, xp.mul(y, xp.sub(1, y))))   # y (1 - y)

class Tanh(FromOutput):
    kernel, grad = "tanh", staticmethod(lambda xp, g, y: xp.mul(g, xp.sub(1, xp.mul(y, y))))      # 1 - y^2

def relu(input, inplace=False):
    check_bool(inplace, "inplace", "relu")
    return Relu.apply(check_tensor(input, "input", "relu"))

def sigmoid(input):
    return Sigmoid.apply(as_float(check_tensor(input, "input", "sigmoid")))

def tanh(input):
    return Tanh.apply(as_float(check_tensor(input, "input", "tanh")))

# --- the pointwise family: one Function over the formulas of backends/scalar.py --------------------------------
class Pointwise(Function):
    """y = scalar.activation(kind, x, a, b); the gradient g * scalar.activation_grad(kind, x, a, b) needs x."""
    def forward(self, x, kind, a, b):
        self.save_for_backward(x)
        self.kind, self.a, self.b = kind, a, b
        return self.xp.activation(x, kind, a, b)
    def backward(self, g):
        return self.xp.activation_backward(g, self.saved[0], self.kind, self.a, self.b), None, None, None

def _pointwise(op, input, kind, a=0.0, b=0.0, inplace=False):
    check_tensor(input, "input", op)
    check_bool(inplace, "inplace", op)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be float32 or float64, got {input.dtype}")
    return Pointwise.apply(input, kind, float(a), float(b))

def leaky_relu(input, negative_slope=0.01, inplace=False):
    check_number(negative_slope, "negative_slope", "leaky_relu")
    return _pointwise("leaky_relu", input, scalar.LEAKY_RELU, negative_slope, inplace=inplace)

def elu(input, alpha=1.0, inplace=False):
    check_number(alpha, "alpha", "elu")
    return _pointwise("elu", input, scalar.ELU, alpha, inplace=inplace)

def celu(input, alpha=1.0, inplace=False):
    if check_number(alpha, "alpha", "celu") == 0:
        raise ValueError("celu: alpha must not be 0 (the formula divides by it)")
    return _pointwise("celu", input, scalar.CELU, alpha, inplace=inplace)

def selu(input, inplace=False):
    return _pointwise("selu", input, scalar.SELU, inplace=inplace)

def gelu(input, approximate="none"):
    """x * Phi(x) with the normal CDF Phi, or its tanh approximation with approximate='tanh'."""
    check_choice(approximate, "approximate", "gelu", ("none", "tanh"))
    return _pointwise("gelu", input, scalar.GELU if approximate == "none" else scalar.GELU_TANH)

def silu(input, inplace=False):
    return _pointwise("silu", input, scalar.SILU, inplace=inplace)

def mish(input, inplace=False):
    return _pointwise("mish", input, scalar.MISH, inplace=inplace)

def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold, as in PyTorch."""
    if check_number(beta, "beta", "softplus") == 0:
        raise ValueError("softplus: beta must not be 0 (the formula divides by it)")
    check_number(threshold, "threshold", "softplus")
    return _pointwise("softplus", input, scalar.SOFTPLUS, beta, threshold)

def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    check_number(min_val, "min_val", "hardtanh")
    check_number(max_val, "max_val", "hardtanh")
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val={min_val} must not be greater than max_val={max_val}")
    return _pointwise("hardtanh", input, scalar.HARDTANH, min_val, max_val, inplace=inplace)

def relu6(input, inplace=False):
    """hardtanh(input, 0, 6), as in PyTorch: its gradient is 0 at 0 and at 6."""
    return _pointwise("relu6", input, scalar.HARDTANH, 0.0, 6.0, inplace=inplace)

def hardswish(input, inplace=False):
    return _pointwise("hardswish", input, scalar.HARDSWISH, inplace=inplace)

def hardsigmoid(input, inplace=False):
    return _pointwise("hardsigmoid", input, scalar.HARDSIGMOID, inplace=inplace)

def softsign(input):
    return _pointwise("softsign", input, scalar.SOFTSIGN)

def logsigmoid(input):
    """log(sigmoid(x)) without overflow or loss of precision for large |x|."""
    return _pointwise("logsigmoid", input, scalar.LOGSIGMOID)

def threshold(input, threshold, value, inplace=False):
    """`value` where x <= threshold, else x (NaN stays). An integer input keeps its dtype, and `value` takes it."""
    return _threshold("threshold", input, threshold, value, inplace)

def _threshold(op, input, limit, value, inplace=False):
    check_tensor(input, "input", op)
    check_number(limit, "threshold", op)
    check_number(value, "value", op)
    check_bool(inplace, "inplace", op)
    if input.dtype.kind in "iu":
        return where(input <= limit, np.array(value).astype(input.dtype).item(), input)
    return _pointwise(op, input, scalar.THRESHOLD, limit, value)

def hardshrink(input, lambd=0.5):
    """0 where -lambd <= x <= lambd, else x."""
    check_number(lambd, "lambd", "hardshrink")
    return _pointwise("hardshrink", input, scalar.HARDSHRINK, lambd)

def softshrink(input, lambd=0.5):
    """x moved toward 0 by lambd, and 0 where it would cross it."""
    if check_number(lambd, "lambd", "softshrink") < 0:
        raise ValueError(f"softshrink: lambd={lambd} must be at least 0")
    return _pointwise("softshrink", input, scalar.SOFTSHRINK, lambd)

def tanhshrink(input):
    """x - tanh(x); integer inputs become float32, as in PyTorch."""
    return _pointwise("tanhshrink", as_float(check_tensor(input, "input", "tanhshrink")), scalar.TANHSHRINK)

def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """leaky_relu with a random slope: in training each element x <= 0 is multiplied by its own slope drawn
    uniformly from [lower, upper] (from the library's generator, so manual_seed reproduces it), and in evaluation
    by the fixed slope (lower + upper) / 2."""
    check_tensor(input, "input", "rrelu")
    check_number(lower, "lower", "rrelu")
    check_number(upper, "upper", "rrelu")
    check_bool(training, "training", "rrelu")
    check_bool(inplace, "inplace", "rrelu")
    if lower > upper:
        raise ValueError(f"rrelu: lower={lower} must not be greater than upper={upper}")
    if input.dtype.kind != "f":
        raise TypeError(f"rrelu: input must be float32 or float64, got {input.dtype}")
    if not training:
        return _pointwise("rrelu", input, scalar.LEAKY_RELU, (lower + upper) / 2)
    slopes = Tensor(generator().uniform(lower, upper, input.shape).astype(input.dtype), device=input.device)
    return where(input <= 0, input * slopes, input)

def glu(input, dim=-1):
    """The gated linear unit: a * sigmoid(b), where a and b are the two halves of `input` along `dim`."""
    _float_input(input, "glu")
    if input.ndim == 0:
        raise ValueError("glu: a 0-d input has no dim to split in halves")
    dim = normalize_dim(dim, input.ndim)
    if input.shape[dim] % 2:
        raise ValueError(f"glu: dim {dim} of input {input.shape} has size {input.shape[dim]}, which must be even "
                         "to split in halves")
    first, second = input.chunk(2, dim)
    return first * sigmoid(second)

# --- the in-place forms: the function's value written into its input ------------------------------------------
def relu_(input):
    return inplace.update(input, "relu_", relu)

def elu_(input, alpha=1.0):
    return inplace.update(input, "elu_", lambda source: elu(source, alpha))

def leaky_relu_(input, negative_slope=0.01):
    return inplace.update(input, "leaky_relu_", lambda source: leaky_relu(source, negative_slope))

def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return inplace.update(input, "hardtanh_", lambda source: hardtanh(source, min_val, max_val))

def selu_(input):
    return inplace.update(input, "selu_", selu)

def celu_(input, alpha=1.0):
    return inplace.update(input, "celu_", lambda source: celu(source, alpha))

def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return inplace.update(input, "rrelu_", lambda source: rrelu(source, lower, upper, training))

def threshold_(input, threshold, value):
    return inplace.update(input, "threshold_", lambda source: _threshold("threshold_", source, threshold, value))

class PRelu(Function):
    """x where x > 0, else slope * x, with the slope broadcast per channel. Its own node (not a where over a
    product) so that an input of +inf gives the slope a gradient of 0, as in PyTorch, not 0 * inf."""
    def forward(self, x, slope):
        xp = self.xp
        self.save_for_backward(x, slope)
        return xp.where(xp.gt(x, 0), x, xp.mul(x, slope))
    def backward(self, g):
        xp, (x, slope) = self.xp, self.saved
        positive = xp.gt(x, 0)
        grad_x = xp.where(positive, g, xp.mul(g, slope)) if self.needs_input_grad[0] else None
        grad_slope = None
        if self.needs_input_grad[1]:
            axes = tuple(a for a in range(x.ndim) if a >= len(slope.shape) or slope.shape[a] == 1)
            grad_slope = xp.reshape(xp.sum(xp.where(positive, 0, xp.mul(x, g)), axes, True), slope.shape)
        return grad_x, grad_slope

def prelu(input, weight):
    """leaky_relu whose negative slope is learned: `weight` has 1 entry, or one per channel (dim 1)."""
    check_tensor(input, "input", "prelu")
    check_tensor(weight, "weight", "prelu")
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.ndim > 1 or weight.numel() not in (1, channels):
        raise ValueError(f"prelu: weight must have 1 or {channels} (channels) entries, got shape {weight.shape}")
    if input.dtype.kind != "f" or weight.dtype != input.dtype:
        raise TypeError(f"prelu: input and weight must share one float dtype, got {input.dtype} and {weight.dtype}")
    per_channel = weight.numel() > 1
    slope = weight.reshape((1, -1) + (1,) * (input.ndim - 2) if per_channel else (1,) * input.ndim)
    return PRelu.apply(input, slope)

# --- softmax ---------------------------------------------------------------------------------------------------
def _log_softmax(xp, x, dim):
    shifted = xp.sub(x, xp.max(x, dim, True))
    return xp.sub(shifted, xp.log(xp.sum(xp.exp(shifted), dim, True)))

class LogSoftmax(Function):
    """x - max - log(sum(exp(x - max))): never overflows; backward g - softmax * sum(g)."""
    def forward(self, x, dim):
        out = _log_softmax(self.xp, x, dim)
        self.save_for_backward(out)
        self.dim = dim
        return out
    def backward(self, g):
        xp = self.xp
        return xp.sub(g, xp.mul(xp.exp(self.saved[0]), xp.sum(g, self.dim, True))), None

class Softmax(Function):
    def forward(self, x, dim):
        out = self.xp.exp(_log_softmax(self.xp, x, dim))
        self.save_for_backward(out)
        self.dim = dim
        return out
    def backward(self, g):
        xp, y = self.xp, self.saved[0]
        return xp.mul(y, xp.sub(g, xp.sum(xp.mul(g, y), self.dim, True))), None

def _float_input(input, what):
    check_tensor(input, "input", what)
    if input.dtype.kind != "f":
        raise TypeError(f"{what} needs a floating-point tensor, this one is {input.dtype}")
    return input

def _softmax_dim(input, dim):
    """PyTorch's choice when no dim is given: 0 for 0-d, 1-d and 3-d inputs, else 1."""
    if dim is None:
        return 0 if input.ndim in (0, 1, 3) else 1
    return normalize_dim(dim, input.ndim)

def _softmax_input(input, dtype, op):
    """The input of a softmax, cast to `dtype` first when one is given (PyTorch's dtype=)."""
    check_tensor(input, "input", op)
    return _float_input(input if dtype is None else cast(input, dtype), op)

def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return Softmax.apply(_softmax_input(input, dtype, "softmax"), _softmax_dim(input, dim))

def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return LogSoftmax.apply(_softmax_input(input, dtype, "log_softmax"), _softmax_dim(input, dim))

def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-input): the smallest entries get the largest weights."""
    return Softmax.apply(-_softmax_input(input, dtype, "softmin"), _softmax_dim(input, dim))

# --- dropout ---------------------------------------------------------------------------------------------------
class Dropout(Function):
    """Zero elements where the backend's hash of (key, position) falls below p, scale the rest by 1/(1-p).
    The mask is never stored: backward is the same dropout, with the same key, of the gradient."""
    def forward(self, x, p, key):
        self.p, self.key = p, key
        return self.xp.dropout(x, p, key)
    def backward(self, g):
        return self.xp.dropout(g, self.p, self.key), None, None

def _check_dropout(op, input, p, training, inplace):
    check_tensor(input, "input", op)
    check_number(p, "p", op)
    check_bool(training, "training", op)
    check_bool(inplace, "inplace", op)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability p={p} must lie in [0, 1]")

def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p), in training only."""
    _check_dropout("dropout", input, p, training, inplace)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    if input.dtype.kind != "f":
        raise TypeError(f"dropout needs a floating-point input, got {input.dtype}")
    return Dropout.apply(input, p, int(generator().integers(0, 2**63)))

def _channel_dropout(op, input, p, training, inplace, spatial_dims):
    """Zero whole channels, each with probability p, and scale the rest by 1/(1-p): the mask has one entry per
    (sample, channel) of an (N, C, *spatial) or (C, *spatial) input, broadcast over the spatial dims."""
    _check_dropout(op, input, p, training, inplace)
    if input.ndim not in (spatial_dims + 1, spatial_dims + 2):
        raise ValueError(f"{op}: expected a {spatial_dims + 1}-d (C, *spatial) or {spatial_dims + 2}-d "
                         f"(N, C, *spatial) input, got shape {input.shape}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be float32 or float64, got {input.dtype}")
    if not training or p == 0.0:
        return input
    lead = input.shape[:input.ndim - spatial_dims]
    keep = generator().random(lead) >= p
    scale = (keep / (1.0 - p) if p < 1.0 else keep * 0.0).astype(input.dtype)
    return input * Tensor(scale.reshape(lead + (1,) * spatial_dims), device=input.device)

def dropout1d(input, p=0.5, training=True, inplace=False):
    return _channel_dropout("dropout1d", input, p, training, inplace, 1)

def dropout2d(input, p=0.5, training=True, inplace=False):
    return _channel_dropout("dropout2d", input, p, training, inplace, 2)

def dropout3d(input, p=0.5, training=True, inplace=False):
    return _channel_dropout("dropout3d", input, p, training, inplace, 3)

# --- alpha dropout: dropout that keeps SELU's zero mean and unit variance --------------------------------------
SELU_SATURATION = scalar.SELU_ALPHA * scalar.SELU_SCALE   # -selu(-inf): where a dropped element is set

def _alpha_dropout(op, input, p, training, inplace, per_channel):
    """Dropped elements (or whole channels) take SELU's negative saturation value, and an affine map a x + b of
    the result restores the input's mean and variance, a = ((1 - p)(1 + p s^2))^-1/2 with s the saturation."""
    _check_dropout(op, input, p, training, inplace)
    if per_channel and input.ndim < 2:
        raise ValueError(f"{op}: expected an input with a channel dim (N, C, ...) or (C, ...), got shape "
                         f"{input.shape}")
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be float32 or float64, got {input.dtype}")
    if p == 1.0:
        return input * 0.0
    mask_shape = input.shape[:2] + (1,) * (input.ndim - 2) if per_channel else input.shape
    keep = generator().random(mask_shape) >= p
    a = 1.0 / np.sqrt((SELU_SATURATION ** 2 * p + 1) * (1 - p))
    scale = Tensor((keep * a).astype(input.dtype), device=input.device)
    shift = Tensor(((keep - 1.0) * SELU_SATURATION * a + SELU_SATURATION * a * p).astype(input.dtype),
                   device=input.device)
    return input * scale + shift

def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for self-normalising networks (SELU): off unless training=True, as in PyTorch."""
    return _alpha_dropout("alpha_dropout", input, p, training, inplace, per_channel=False)

def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """alpha_dropout of whole channels: one draw per (sample, channel) of an (N, C, ...) input."""
    return _alpha_dropout("feature_alpha_dropout", input, p, training, inplace, per_channel=True)
