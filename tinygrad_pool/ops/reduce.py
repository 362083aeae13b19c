"""Reductions: sum, mean, max, min (over everything or along a dim) and argmax."""
from collections import namedtuple

import numpy as np

from ..arguments import check_bool, check_tensor, normalize_dim, normalize_dims
from ..autograd import Function
from ..tensor import Tensor
from .elementwise import cast

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])

def _keepdims_shape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))

def reduced_axes(input, dim, keepdim, op):
    """The sorted axes that `dim` names (None, () or [] for all, an int, or distinct ints), after checking the
    arguments of reduction `op`."""
    check_tensor(input, "input", op)
    check_bool(keepdim, "keepdim", op)
    return normalize_dims(dim, input.ndim, op)

class Sum(Function):
    keeps_inputs = False
    def forward(self, x, axes, keepdim):
        self.shape, self.axes = x.shape, axes
        return self.xp.sum(x, axes, keepdim)
    def backward(self, g):
        xp = self.xp
        return xp.expand(xp.reshape(g, _keepdims_shape(self.shape, self.axes)), self.shape), None, None

def sum(input, dim=None, keepdim=False, dtype=None):
    """Integers and bools sum as int64, as in PyTorch; `dtype` casts the input first (float64 sums of float32)."""
    axes = reduced_axes(input, dim, keepdim, "sum")
    if dtype is not None:
        input = cast(input, dtype)
    x = input if input.dtype.kind in "fi" else cast(input, np.int64)
    return Sum.apply(x, axes, keepdim)

def mean(input, dim=None, keepdim=False, dtype=None):
    """`dtype` casts the input first: an integer tensor's mean needs a float dtype, as in PyTorch."""
    axes = reduced_axes(input, dim, keepdim, "mean")
    if dtype is not None:
        input = cast(input, dtype)
    if input.dtype.kind != "f":
        raise TypeError(f"mean() needs a floating-point tensor, this one is {input.dtype}: call .float() first or "
                        "pass dtype=float32")
    count = int(np.prod([input.shape[a] for a in axes], dtype=np.int64))
    return sum(input, dim, keepdim) / count

class Extreme(Function):
    """max or min over all elements: ties share the gradient equally, and a NaN result (NaN wins) sends it to
    the NaNs, as in PyTorch."""
    def forward(self, x, kind):
        out = getattr(self.xp, kind)(x, None, False)
        self.save_for_backward(x, out)
        return out
    def backward(self, g):
        xp = self.xp
        x, out = self.saved
        winners = xp.ne(x, x) if xp.to_numpy(xp.ne(out, out)).item() else xp.eq(x, out)   # x != x: x is NaN
        mask = xp.astype(winners, g.dtype)
        return xp.mul(mask, xp.div(g, xp.sum(mask, None, False))), None

class ExtremeAlongDim(Function):
    """max or min along one dim; the gradient goes to the returned index (the first extreme, as in PyTorch)."""
    def forward(self, x, dim, keepdim, kind):
        xp = self.xp
        self.indices = getattr(xp, "arg" + kind)(x, dim, True)
        self.shape, self.dim = x.shape, dim
        values = getattr(xp, kind)(x, dim, True)
        return values if keepdim else xp.reshape(values, values.shape[:dim] + values.shape[dim + 1:])
    def backward(self, g):
        xp = self.xp
        positions = _keepdims_shape(self.shape, [i for i in range(len(self.shape)) if i != self.dim])
        onehot = xp.eq(xp.reshape(xp.arange(self.shape[self.dim], "int64"), positions), self.indices)
        g = xp.reshape(g, _keepdims_shape(self.shape, (self.dim,)))
        return xp.mul(xp.astype(onehot, g.dtype), g), None, None, None

def _extreme(input, dim, keepdim, kind):
    check_tensor(input, "input", kind)
    check_bool(keepdim, "keepdim", kind)
    if input.numel() == 0:
        raise ValueError(f"{kind}() of an empty tensor of shape {input.shape}")
    if dim is None:
        return Extreme.apply(input, kind)
    dim = normalize_dim(dim, input.ndim)
    if input.ndim == 0:   # dim 0 of a 0-d tensor is its one value, as in PyTorch
        return _extreme(input.reshape(1), 0, False, kind)
    values = ExtremeAlongDim.apply(input, dim, keepdim, kind)
    indices = getattr(input.xp, "arg" + kind)(input.data, dim, keepdim)
    return ValuesIndices(values, Tensor._wrap(indices, input.device))

def max(input, dim=None, keepdim=False):
    """max over everything, or (values, indices) along `dim` like torch.max."""
    return _extreme(input, dim, keepdim, "max")

def min(input, dim=None, keepdim=False):
    return _extreme(input, dim, keepdim, "min")

def argmax(input, dim=None, keepdim=False):
    check_tensor(input, "input", "argmax")
    check_bool(keepdim, "keepdim", "argmax")
    if input.numel() == 0:
        raise ValueError(f"argmax() of an empty tensor of shape {input.shape}")
    xp = input.xp
    if dim is None:
        return Tensor._wrap(xp.argmax(xp.reshape(input.data, (input.numel(),)), 0, False), input.device)
    dim = normalize_dim(dim, input.ndim)
    if input.ndim == 0:
        return argmax(input.reshape(1), 0)
    return Tensor._wrap(xp.argmax(input.data, dim, keepdim), input.device)
