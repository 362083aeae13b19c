"""Activation modules over `nn.functional`, with PyTorch's constructor arguments and reprs. `inplace=True` is
accepted and computes out of place (see `ops/activation.py`)."""
import numpy as np

from ..arguments import check_bool, check_int, check_number
from . import functional as F
from .module import Module, Parameter

class _Activation(Module):
    """An activation whose constructor arguments, in order, are `arguments` (name, default) and which calls
    `function(input, *those values)`."""
    function = None
    arguments = ()

    def __init__(self, *args, **kwargs):
        names = [name for name, _ in type(self).arguments]
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__} takes at most {len(names)} arguments, got {len(args)}")
        values = dict(type(self).arguments)
        values.update(zip(names, args))
        for name in kwargs:
            if name not in values:
                raise TypeError(f"{type(self).__name__} got an unexpected argument {name!r}")
        values.update(kwargs)
        for name, value in values.items():
            if name == "inplace":
                check_bool(value, name, type(self).__name__)
            elif isinstance(dict(type(self).arguments)[name], float):
                check_number(value, name, type(self).__name__)
            setattr(self, name, value)

    def forward(self, input):
        return type(self).function(input, *(getattr(self, name) for name, _ in type(self).arguments))

    def extra_repr(self):
        return ", ".join(f"{name}={getattr(self, name)!r}" for name, default in type(self).arguments
                         if name != "inplace" or getattr(self, name))

def _activation(name, function, *arguments):
    return type(name, (_Activation,), {"function": staticmethod(function), "arguments": arguments,
                                       "__doc__": f"The module form of `nn.functional.{function.__name__}`."})

ReLU = _activation("ReLU", F.relu, ("inplace", False))
LeakyReLU = _activation("LeakyReLU", F.leaky_relu, ("negative_slope", 0.01), ("inplace", False))
ELU = _activation("ELU", F.elu, ("alpha", 1.0), ("inplace", False))
CELU = _activation("CELU", F.celu, ("alpha", 1.0), ("inplace", False))
SELU = _activation("SELU", F.selu, ("inplace", False))
GELU = _activation("GELU", F.gelu, ("approximate", "none"))
SiLU = _activation("SiLU", F.silu, ("inplace", False))
Mish = _activation("Mish", F.mish, ("inplace", False))
Softplus = _activation("Softplus", F.softplus, ("beta", 1.0), ("threshold", 20.0))
Hardtanh = _activation("Hardtanh", F.hardtanh, ("min_val", -1.0), ("max_val", 1.0), ("inplace", False))
ReLU6 = _activation("ReLU6", F.relu6, ("inplace", False))
Hardswish = _activation("Hardswish", F.hardswish, ("inplace", False))
Hardsigmoid = _activation("Hardsigmoid", F.hardsigmoid, ("inplace", False))
Sigmoid = _activation("Sigmoid", F.sigmoid)
Tanh = _activation("Tanh", F.tanh)
Softsign = _activation("Softsign", F.softsign)
LogSigmoid = _activation("LogSigmoid", F.logsigmoid)
Tanhshrink = _activation("Tanhshrink", F.tanhshrink)

class Threshold(Module):
    """`value` where the input is <= `threshold`, else the input."""
    def __init__(self, threshold, value, inplace=False):
        self.threshold = check_number(threshold, "threshold", "Threshold")
        self.value = check_number(value, "value", "Threshold")
        self.inplace = check_bool(inplace, "inplace", "Threshold")

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold!r}, value={self.value!r}" + (", inplace=True" if self.inplace else "")

class Hardshrink(Module):
    function = staticmethod(F.hardshrink)

    def __init__(self, lambd=0.5):
        self.lambd = check_number(lambd, "lambd", type(self).__name__)

    def forward(self, input):
        return type(self).function(input, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"

class Softshrink(Hardshrink):
    function = staticmethod(F.softshrink)

class RReLU(Module):
    """rrelu: a random slope per element in training, the mean slope (lower + upper) / 2 in evaluation."""
    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        self.lower = check_number(lower, "lower", "RReLU")
        self.upper = check_number(upper, "upper", "RReLU")
        self.inplace = check_bool(inplace, "inplace", "RReLU")

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower!r}, upper={self.upper!r}" + (", inplace=True" if self.inplace else "")

class GLU(Module):
    def __init__(self, dim=-1):
        self.dim = check_int(dim, "dim", "GLU")

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"

class PReLU(Module):
    """prelu with a learned slope: one shared (num_parameters=1) or one per channel, each starting at `init`."""
    def __init__(self, num_parameters=1, init=0.25):
        check_int(num_parameters, "num_parameters", "PReLU", minimum=1)
        check_number(init, "init", "PReLU")
        self.num_parameters = num_parameters
        self.weight = Parameter(np.full(num_parameters, init, np.float32))

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"

class LogSoftmax(Module):
    def __init__(self, dim=None):
        self.dim = None if dim is None else check_int(dim, "dim", type(self).__name__)

    def forward(self, input):
        return F.log_softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"

class Softmax(LogSoftmax):
    def forward(self, input):
        return F.softmax(input, self.dim)

class Softmin(LogSoftmax):
    def forward(self, input):
        return F.softmin(input, self.dim)

class Softmax2d(Module):
    """softmax over the channels of a (N, C, H, W) or (C, H, W) input."""
    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected a 3-d (C, H, W) or 4-d (N, C, H, W) input, got {input.shape}")
        return F.softmax(input, -3)
