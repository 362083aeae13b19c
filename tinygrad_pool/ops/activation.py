"""Activations: relu, sigmoid, tanh, the pointwise family (leaky_relu, elu, gelu, silu, ...), prelu, softmax,
log_softmax and dropout, each a Function over one backend kernel or a short chain of them.

`inplace=True` is accepted wherever PyTorch has it, and computes out of place: the result is a new tensor and the
input keeps its values, so autograd never sees a changed input. Use the returned tensor, as `x = F.relu(x,
inplace=True)` and `nn.Sequential` do.
"""
from ..arguments import check_bool, check_choice, check_number, check_tensor, normalize_dim
from ..autograd import FromOutput, Function
from ..backends import scalar
from ..seeding import generator
from ..tensor import Tensor
from .elementwise import as_float

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

def softmax(input, dim=None):
    return Softmax.apply(_float_input(input, "softmax"), _softmax_dim(input, dim))

def log_softmax(input, dim=None):
    return LogSoftmax.apply(_float_input(input, "log_softmax"), _softmax_dim(input, dim))

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
