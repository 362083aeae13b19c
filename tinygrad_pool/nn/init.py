"""`torch.nn.init`: fill a tensor in place from the library's seeded generator, and return it.

Each function writes under no_grad (an initialisation is not part of the graph), keeps the tensor's dtype and
device, and checks its arguments first. The modules' default initialisations (Linear, Conv) call
`layer_default_`: kaiming_uniform_(weight, a=sqrt(5)) and a uniform bias, as PyTorch's do.
"""
import math

import numpy as np

from ..arguments import check_choice, check_int, check_number, check_tensor
from ..seeding import generator

NONLINEARITIES = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu")

def calculate_gain(nonlinearity, param=None):
    """The factor that keeps activations' variance steady through `nonlinearity`: 1 for linear layers and sigmoid,
    5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for leaky_relu (slope = param, 0.01 by default), 3/4
    for selu."""
    check_choice(nonlinearity, "nonlinearity", "calculate_gain", NONLINEARITIES)
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else check_number(param, "param", "calculate_gain")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    return 1.0

def _fill(tensor, values):
    """Write `values` into the tensor: into its own storage on the CPU, as a new device array on CUDA."""
    values = np.asarray(values, dtype=tensor.dtype)
    if isinstance(tensor._data, np.ndarray) and tensor._data.flags.writeable:
        np.copyto(tensor._data, values)
    else:
        tensor._data = tensor.xp.asarray(np.ascontiguousarray(values))
    return tensor

def _draw(tensor, standard, scale, shift):
    """Fill the tensor with shift + scale * (draws of `standard`, numpy's Generator.random or .standard_normal), drawn
    in the tensor's dtype, straight into its storage where that is a writable C-ordered CPU array: a VGG's 133M
    float32 weights then take no float64 temporary and no second pass (its construction took 6.7 s, then 2.2)."""
    data = tensor._data
    into = data if isinstance(data, np.ndarray) and data.flags.writeable and data.flags.c_contiguous else None
    values = standard(dtype=tensor.dtype, out=into) if into is not None else standard(tensor.shape, tensor.dtype)
    values *= scale
    values += shift
    return tensor if into is not None else _fill(tensor, values)

def _uniform(tensor, low, high):
    """U[low, high) in the tensor's dtype."""
    return _draw(tensor, generator().random, high - low, low)

def _normal(tensor, mean, std):
    """N(mean, std^2) in the tensor's dtype."""
    return _draw(tensor, generator().standard_normal, std, mean)

def _floating(tensor, op):
    check_tensor(tensor, "tensor", op)
    if tensor.dtype.kind != "f":
        raise TypeError(f"{op}: tensor must be float32 or float64, got {tensor.dtype}")
    return tensor

def fans(tensor, op="fans"):
    """(fan_in, fan_out): input and output connections of one output, (size(1), size(0)) times the kernel size."""
    if tensor.ndim < 2:
        raise ValueError(f"{op}: fan in and fan out need a tensor with at least 2 dims, got shape {tensor.shape}")
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive

def uniform_(tensor, a=0.0, b=1.0):
    _floating(tensor, "uniform_")
    check_number(a, "a", "uniform_")
    check_number(b, "b", "uniform_")
    if a > b:
        raise ValueError(f"uniform_: a={a} must not be greater than b={b}")
    return _uniform(tensor, a, b)

def normal_(tensor, mean=0.0, std=1.0):
    _floating(tensor, "normal_")
    check_number(mean, "mean", "normal_")
    check_number(std, "std", "normal_", minimum=0)
    return _normal(tensor, mean, std)

def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0):
    """normal(mean, std) samples redrawn until they lie in [a, b] (a and b are absolute bounds, as in PyTorch)."""
    _floating(tensor, "trunc_normal_")
    for name, value in (("mean", mean), ("std", std), ("a", a), ("b", b)):
        check_number(value, name, "trunc_normal_")
    if not a < b or std <= 0:
        raise ValueError(f"trunc_normal_: needs a < b and std > 0, got a={a}, b={b}, std={std}")
    values = generator().normal(mean, std, tensor.shape)
    outside = (values < a) | (values > b)
    for _ in range(1000):
        if not outside.any():
            break
        values[outside] = generator().normal(mean, std, int(outside.sum()))
        outside = (values < a) | (values > b)
    else:   # [a, b] far in a tail: fall back to the uniform interval rather than loop for ever
        values[outside] = generator().uniform(a, b, int(outside.sum()))
    return _fill(tensor, values)

def constant_(tensor, val):
    check_tensor(tensor, "tensor", "constant_")
    check_number(val, "val", "constant_")
    return _fill(tensor, np.full(tensor.shape, val))

def zeros_(tensor):
    return constant_(tensor, 0)

def ones_(tensor):
    return constant_(tensor, 1)

def eye_(tensor):
    check_tensor(tensor, "tensor", "eye_")
    if tensor.ndim != 2:
        raise ValueError(f"eye_: needs a 2-d tensor, got shape {tensor.shape}")
    return _fill(tensor, np.eye(*tensor.shape))

def dirac_(tensor, groups=1):
    """The identity convolution: each of the first min(out, in) channels of each group passes its input."""
    check_tensor(tensor, "tensor", "dirac_")
    check_int(groups, "groups", "dirac_", minimum=1)
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: needs a 3-, 4- or 5-d conv weight, got shape {tensor.shape}")
    if tensor.shape[0] % groups:
        raise ValueError(f"dirac_: groups={groups} must divide the {tensor.shape[0]} output channels")
    out_per_group = tensor.shape[0] // groups
    values = np.zeros(tensor.shape)
    centre = tuple(k // 2 for k in tensor.shape[2:])
    for g in range(groups):
        for d in range(min(out_per_group, tensor.shape[1])):
            values[(g * out_per_group + d, d) + centre] = 1
    return _fill(tensor, values)

def orthogonal_(tensor, gain=1.0):
    """A (semi-)orthogonal matrix from the QR decomposition of a normal one, with the signs fixed so that it is
    uniformly distributed; more than 2 dims are flattened after the first."""
    _floating(tensor, "orthogonal_")
    check_number(gain, "gain", "orthogonal_")
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: needs a tensor with at least 2 dims, got shape {tensor.shape}")
    rows, cols = tensor.shape[0], tensor.numel() // tensor.shape[0] if tensor.shape[0] else 0
    if rows * cols == 0:
        return tensor
    flat = generator().normal(0.0, 1.0, (rows, cols))
    q, r = np.linalg.qr(flat.T if rows < cols else flat)
    q *= np.sign(np.diag(r))
    return _fill(tensor, gain * (q.T if rows < cols else q).reshape(tensor.shape))

def _std(tensor, op, gain, mode):
    check_choice(mode, "mode", op, ("fan_in", "fan_out"))
    fan_in, fan_out = fans(tensor, op)
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:   # an empty tensor: nothing to draw
        return 0.0
    return gain / math.sqrt(fan)

def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """U(-bound, bound) with bound = gain * sqrt(3 / fan) (He et al.); a is leaky_relu's negative slope."""
    _floating(tensor, "kaiming_uniform_")
    bound = math.sqrt(3.0) * _std(tensor, "kaiming_uniform_", calculate_gain(nonlinearity, a), mode)
    return _uniform(tensor, -bound, bound)

def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    _floating(tensor, "kaiming_normal_")
    std = _std(tensor, "kaiming_normal_", calculate_gain(nonlinearity, a), mode)
    return _normal(tensor, 0.0, std)

def xavier_uniform_(tensor, gain=1.0):
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio)."""
    _floating(tensor, "xavier_uniform_")
    check_number(gain, "gain", "xavier_uniform_")
    fan_in, fan_out = fans(tensor, "xavier_uniform_")
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out)) if fan_in + fan_out else 0.0
    return _uniform(tensor, -bound, bound)

def xavier_normal_(tensor, gain=1.0):
    _floating(tensor, "xavier_normal_")
    check_number(gain, "gain", "xavier_normal_")
    fan_in, fan_out = fans(tensor, "xavier_normal_")
    std = gain * math.sqrt(2.0 / (fan_in + fan_out)) if fan_in + fan_out else 0.0
    return _normal(tensor, 0.0, std)

def layer_default_(weight, bias=None):
    """PyTorch's default for Linear and Conv layers: kaiming_uniform_(weight, a=sqrt(5)), i.e.
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the bias (if any) from the same interval (0 for an empty fan)."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in = fans(weight)[0]
        bound = 1 / math.sqrt(fan_in) if fan_in else 0.0
        uniform_(bias, -bound, bound)
