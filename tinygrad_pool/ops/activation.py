"""Activations: relu, sigmoid, tanh, softmax, log_softmax and dropout, each a Function over one backend kernel
or a short chain of them."""
from ..autograd import FromOutput, Function
from ..seeding import generator
from .elementwise import as_float
from ..arguments import check_bool, check_number, check_tensor, normalize_dim

class Relu(FromOutput):
    kernel, grad = "relu", staticmethod(lambda xp, g, y: xp.relu_backward(g, y))

class Sigmoid(FromOutput):
    kernel, grad = "sigmoid", staticmethod(lambda xp, g, y: xp.mul(g, xp.mul(y, xp.sub(1, y))))   # y (1 - y)

class Tanh(FromOutput):
    kernel, grad = "tanh", staticmethod(lambda xp, g, y: xp.mul(g, xp.sub(1, xp.mul(y, y))))      # 1 - y^2

def relu(input):
    return Relu.apply(check_tensor(input, "input", "relu"))

def sigmoid(input):
    return Sigmoid.apply(as_float(check_tensor(input, "input", "sigmoid")))

def tanh(input):
    return Tanh.apply(as_float(check_tensor(input, "input", "tanh")))

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

def softmax(input, dim):
    return Softmax.apply(_float_input(input, "softmax"), normalize_dim(dim, input.ndim))

def log_softmax(input, dim):
    return LogSoftmax.apply(_float_input(input, "log_softmax"), normalize_dim(dim, input.ndim))

# --- dropout ---------------------------------------------------------------------------------------------------
class Dropout(Function):
    """Zero elements where the backend's hash of (key, position) falls below p, scale the rest by 1/(1-p).
    The mask is never stored: backward is the same dropout, with the same key, of the gradient."""
    def forward(self, x, p, key):
        self.p, self.key = p, key
        return self.xp.dropout(x, p, key)
    def backward(self, g):
        return self.xp.dropout(g, self.p, self.key), None, None

def dropout(input, p=0.5, training=True):
    """Zero each element with probability p and scale the rest by 1/(1-p), in training only."""
    check_tensor(input, "input", "dropout")
    check_number(p, "p", "dropout")
    check_bool(training, "training", "dropout")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability p={p} must lie in [0, 1]")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    if input.dtype.kind != "f":
        raise TypeError(f"dropout needs a floating-point input, got {input.dtype}")
    return Dropout.apply(input, p, int(generator().integers(0, 2**63)))
