"""Reductions: sum, mean, prod, max, min, argmax, argmin, all, any, var, std, norm, logsumexp, count_nonzero,
nansum, nanmean, aminmax, var_mean and std_mean (over everything or along dims), and the running sum, product,
maximum and minimum (cumsum, cumprod, cummax, cummin). Where PyTorch accepts numpy's `axis=` as another name for
`dim=`, so do these."""
import builtins
import math
from collections import namedtuple

import numpy as np

from ..arguments import check_bool, check_number, check_tensor, is_int, normalize_dim, normalize_dims
from ..autograd import Function
from ..tensor import Tensor, int64
from .elementwise import abs, as_float, cast, exp, isnan, log, maximum, minimum, pow, sqrt, where

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])
MinMax = namedtuple("MinMax", ["min", "max"])

def dim_or_axis(dim, axis, op):
    """`dim`, or numpy's name for it, `axis`; both at once is a TypeError, as in PyTorch."""
    if axis is None:
        return dim
    if dim is not None:
        raise TypeError(f"{op}: got both dim={dim!r} and axis={axis!r}, which name the same argument: pass one")
    return axis

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

def sum(input, dim=None, keepdim=False, dtype=None, *, axis=None):
    """Integers and bools sum as int64, as in PyTorch; `dtype` casts the input first (float64 sums of float32)."""
    dim = dim_or_axis(dim, axis, "sum")
    axes = reduced_axes(input, dim, keepdim, "sum")
    if dtype is not None:
        input = cast(input, dtype)
    x = input if input.dtype.kind in "fi" else cast(input, np.int64)
    return Sum.apply(x, axes, keepdim)

def mean(input, dim=None, keepdim=False, dtype=None, *, axis=None):
    """`dtype` casts the input first: an integer tensor's mean needs a float dtype, as in PyTorch."""
    dim = dim_or_axis(dim, axis, "mean")
    axes = reduced_axes(input, dim, keepdim, "mean")
    if dtype is not None:
        input = cast(input, dtype)
    if input.dtype.kind != "f":
        raise TypeError(f"mean() needs a floating-point tensor, this one is {input.dtype}: call .float() first or "
                        "pass dtype=float32")
    count = math.prod(input.shape[a] for a in axes)
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
    indices = getattr(input.xp, "arg" + kind)(input._data, dim, keepdim)
    return ValuesIndices(values, Tensor._wrap(indices, input.device))

def max(input, dim=None, keepdim=False, *, axis=None):
    """max over everything, or (values, indices) along `dim` like torch.max; max(input, other) with a Tensor
    `other` is maximum(input, other), as in PyTorch."""
    if isinstance(dim, Tensor):
        return maximum(input, dim)
    return _extreme(input, dim_or_axis(dim, axis, "max"), keepdim, "max")

def min(input, dim=None, keepdim=False, *, axis=None):
    if isinstance(dim, Tensor):
        return minimum(input, dim)
    return _extreme(input, dim_or_axis(dim, axis, "min"), keepdim, "min")

def _arg_extreme(input, dim, keepdim, kind):
    op = "arg" + kind
    check_tensor(input, "input", op)
    check_bool(keepdim, "keepdim", op)
    if input.numel() == 0:
        raise ValueError(f"{op}() of an empty tensor of shape {input.shape}")
    xp = input.xp
    if dim is None:
        flat = getattr(xp, op)(xp.reshape(input._data, (input.numel(),)), 0, False)
        return Tensor._wrap(xp.reshape(flat, (1,) * input.ndim) if keepdim else flat, input.device)
    dim = normalize_dim(dim, input.ndim)
    if input.ndim == 0:
        return _arg_extreme(input.reshape(1), 0, False, kind)
    return Tensor._wrap(getattr(xp, op)(input._data, dim, keepdim), input.device)

def argmax(input, dim=None, keepdim=False, *, axis=None):
    """The index of the first maximum (of the first NaN, if any): flat when `dim` is None."""
    return _arg_extreme(input, dim_or_axis(dim, axis, "argmax"), keepdim, "max")

def argmin(input, dim=None, keepdim=False, *, axis=None):
    return _arg_extreme(input, dim_or_axis(dim, axis, "argmin"), keepdim, "min")

# --- prod ------------------------------------------------------------------------------------------------------
class Prod(Function):
    """The gradient of each element is the product of the others: out / x where no element of its group is 0,
    the product of the nonzero ones for a lone 0, and 0 everywhere else."""
    def forward(self, x, axes, keepdim):
        xp = self.xp
        out = xp.prod(x, axes, True)
        self.save_for_backward(x, out)
        self.axes = axes
        return out if keepdim else xp.reshape(out, tuple(s for i, s in enumerate(x.shape) if i not in axes))

    def backward(self, g):
        xp, (x, out) = self.xp, self.saved
        g = xp.reshape(g, out.shape)
        zero = xp.eq(x, 0)
        zeros = xp.sum(zero, self.axes, True)
        others_if_lone_zero = xp.prod(xp.where(zero, 1, x), self.axes, True)
        others = xp.where(xp.eq(zeros, 0), xp.div(out, xp.where(zero, 1, x)),
                          xp.where(xp.bitwise_and(xp.eq(zeros, 1), zero), others_if_lone_zero, 0))
        return xp.mul(g, xp.astype(others, g.dtype)), None, None

def prod(input, dim=None, keepdim=False, dtype=None, *, axis=None):
    """The product over all elements or along the int `dim`; integers and bools multiply as int64."""
    dim = dim_or_axis(dim, axis, "prod")
    check_tensor(input, "input", "prod")
    if dim is not None and not is_int(dim):
        raise TypeError(f"prod: dim must be an int or None, got {dim!r}")
    axes = reduced_axes(input, dim, keepdim, "prod")
    if dtype is not None:
        input = cast(input, dtype)
    x = input if input.dtype.kind == "f" else cast(input, int64)
    return Prod.apply(x, axes, keepdim)

# --- all, any --------------------------------------------------------------------------------------------------
def _count_true(input, dim, keepdim, op):
    """How many elements along `dim` are nonzero (NaN counts), and how many there are."""
    axes = reduced_axes(input, dim, keepdim, op)
    xp = input.xp
    count = xp.sum(xp.ne(input._data, 0), axes, keepdim)
    return count, math.prod(input.shape[a] for a in axes)

def all(input, dim=None, keepdim=False, *, axis=None):
    """Whether every element is nonzero, as a bool tensor."""
    count, total = _count_true(input, dim_or_axis(dim, axis, "all"), keepdim, "all")
    return Tensor._wrap(input.xp.eq(count, total), input.device)

def any(input, dim=None, keepdim=False, *, axis=None):
    count, _ = _count_true(input, dim_or_axis(dim, axis, "any"), keepdim, "any")
    return Tensor._wrap(input.xp.gt(count, 0), input.device)

# --- var, std --------------------------------------------------------------------------------------------------
def _correction(dim, unbiased, correction, op):
    """PyTorch's two spellings: unbiased (True: divide by n - 1, False: by n) or correction (divide by n -
    correction); std(x, False) passes unbiased in dim's place."""
    if isinstance(dim, bool):
        if unbiased is not None:
            raise TypeError(f"{op}: got unbiased={dim!r} in dim's place and unbiased={unbiased!r}: pass it once")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}: pass unbiased or correction, not both (got unbiased={unbiased!r}, "
                        f"correction={correction!r})")
    if unbiased is not None:
        return dim, 1 if check_bool(unbiased, "unbiased", op) else 0
    return dim, 1 if correction is None else check_number(correction, "correction", op)

def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None):
    """sum((x - mean)^2) / (n - correction), with correction 1 by default (Bessel's); n <= correction gives inf
    (or NaN), as in PyTorch."""
    dim, correction = _correction(dim_or_axis(dim, axis, "var"), unbiased, correction, "var")
    axes = reduced_axes(input, dim, keepdim, "var")
    if input.dtype.kind != "f":
        raise TypeError(f"var and std need a floating-point tensor, this one is {input.dtype}: call .float() first")
    deviation = input - mean(input, axes, True)
    count = math.prod(input.shape[a] for a in axes)
    with np.errstate(divide="ignore", invalid="ignore"):
        return sum(deviation * deviation, axes, keepdim) / builtins.max(count - correction, 0)

def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None):
    """The square root of var."""
    return sqrt(var(input, dim, unbiased, keepdim, correction=correction, axis=axis))

# --- norm ------------------------------------------------------------------------------------------------------
class Norm2(Function):
    """sqrt(sum(x^2)); its gradient x / norm is 0 where the norm is 0, as in PyTorch (the norm's subgradient)."""
    def forward(self, x, axes, keepdim):
        xp = self.xp
        out = xp.sqrt(xp.sum(xp.mul(x, x), axes, True))
        self.save_for_backward(x, out)
        return out if keepdim else xp.reshape(out, tuple(s for i, s in enumerate(x.shape) if i not in axes))

    def backward(self, g):
        xp, (x, out) = self.xp, self.saved
        g = xp.reshape(g, out.shape)
        return xp.mul(g, xp.div(x, xp.where(xp.eq(out, 0), 1, out))), None, None

def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """The vector p-norm over all elements or over `dim`: p 'fro' or 2 (Euclidean), 1, inf, -inf, 0 (the count
    of nonzeros) or any other number (sum(|x|^p)^(1/p))."""
    check_tensor(input, "input", "norm")
    if not (p == "fro" or (not isinstance(p, (bool, str)) and isinstance(p, (int, float, np.number)))):
        raise ValueError(f"norm: p={p!r} is not supported: use 'fro' or a number (the vector p-norm)")
    axes = reduced_axes(input, dim, keepdim, "norm")
    if dtype is not None:
        input = cast(input, dtype)
    if input.dtype.kind != "f":
        raise TypeError(f"norm needs a floating-point tensor, this one is {input.dtype}: call .float() first or "
                        "pass dtype=float32")
    if p == "fro" or p == 2:
        return Norm2.apply(input, axes, keepdim)
    if p == np.inf or p == -np.inf:
        magnitude = abs(input)
        if not axes:
            return magnitude
        return (amax if p > 0 else amin)(magnitude, axes, keepdim)
    if p == 0:
        return sum(cast(Tensor._wrap(input.xp.ne(input._data, 0), input.device), input.dtype), axes, keepdim)
    if p == 1:
        return sum(abs(input), axes, keepdim)
    return pow(sum(pow(abs(input), p), axes, keepdim), 1.0 / p)

class ExtremeOver(Function):
    """max or min over several dims at once, without indices: ties share the gradient equally, and a NaN result
    sends it to the NaNs, as PyTorch's amax and amin."""
    def forward(self, x, axes, keepdim, kind):
        xp = self.xp
        out = getattr(xp, kind)(x, axes, True)
        self.save_for_backward(x, out)
        self.axes = axes
        return out if keepdim else xp.reshape(out, tuple(s for i, s in enumerate(x.shape) if i not in axes))

    def backward(self, g):
        xp, (x, out) = self.xp, self.saved
        winners = xp.where(xp.ne(out, out), xp.ne(x, x), xp.eq(x, out))
        mask = xp.astype(winners, g.dtype)
        share = xp.div(xp.reshape(g, out.shape), xp.sum(mask, self.axes, True))
        return xp.mul(mask, share), None, None, None

def amax(input, dim=(), keepdim=False):
    """The maximum over `dim` (all dims by default, or several at once), without indices."""
    return _extreme_over(input, dim, keepdim, "amax")

def amin(input, dim=(), keepdim=False):
    return _extreme_over(input, dim, keepdim, "amin")

def _extreme_over(input, dim, keepdim, op):
    axes = reduced_axes(input, dim, keepdim, op)
    if input.numel() == 0:
        raise ValueError(f"{op}() of an empty tensor of shape {input.shape}")
    return ExtremeOver.apply(input, axes, keepdim, op[1:])

# --- cumsum ----------------------------------------------------------------------------------------------------
def _reverse_cumsum(xp, g, axis):
    """The running sum of g along `axis` from its far end."""
    reverse = (slice(None),) * axis + (slice(None, None, -1),)
    return xp.contiguous(xp.getitem(xp.cumsum(xp.contiguous(xp.getitem(g, reverse)), axis), reverse))

class Cumsum(Function):
    """The gradient of a running sum is the running sum of the gradient from the other end."""
    keeps_inputs = False

    def forward(self, x, axis):
        self.axis = axis
        return self.xp.cumsum(x, axis)

    def backward(self, g):
        return _reverse_cumsum(self.xp, g, self.axis), None

def cumsum(input, dim, dtype=None, *, axis=None):
    """The running sum along `dim`; integers and bools add as int64, as in PyTorch."""
    return _running(Cumsum, input, dim_or_axis(dim, axis, "cumsum"), dtype, "cumsum")

def _running(function, input, dim, dtype, op):
    """A running op along `dim` after the checks that cumsum and cumprod share; a 0-d input runs as one element."""
    check_tensor(input, "input", op)
    dim = normalize_dim(dim, input.ndim)
    if dtype is not None:
        input = cast(input, dtype)
    if input.ndim == 0:
        return function.apply(input.reshape(1), 0).reshape(())
    return function.apply(input, dim)

# --- cumprod, cummax, cummin -----------------------------------------------------------------------------------
class Cumprod(Function):
    """The gradient of element i is the sum over k >= i of g_k times the product of x_0..x_k without x_i. Before
    the first zero of a row that is reverse_cumsum(g * out) / x_i; at the first zero it is the reverse running
    sum of g_k * cumprod(x with that zero replaced by 1)_k over k from there on; after it every product holds the
    zero, so the gradient is 0 (zeros included, as PyTorch's)."""
    keeps_output = True

    def forward(self, x, axis):
        out = self.xp.cumprod(x, axis)
        self.axis = axis
        self.save_for_backward(x, out)
        return out

    def backward(self, g):
        xp, (x, out), axis = self.xp, self.saved, self.axis
        zero = xp.eq(x, 0)
        zeros_so_far = xp.cumsum(zero, axis)
        before = xp.eq(zeros_so_far, 0)
        first = xp.bitwise_and(zero, xp.eq(zeros_so_far, 1))
        no_zero_yet = xp.div(_reverse_cumsum(xp, xp.mul(g, out), axis), xp.where(before, x, 1))
        from_first = xp.cumprod(xp.where(first, 1, x), axis)
        at_first = _reverse_cumsum(xp, xp.where(before, 0, xp.mul(g, from_first)), axis)
        return xp.where(before, no_zero_yet, xp.where(first, at_first, 0)), None

def cumprod(input, dim, *, dtype=None):
    """The running product along `dim`; integers and bools multiply as int64, as in PyTorch."""
    return _running(Cumprod, input, dim, dtype, "cumprod")

class RunningExtreme(Function):
    """cummax or cummin: each output element's gradient goes to the input element it copies (the index)."""
    keeps_inputs = False

    def forward(self, x, axis, kind):
        values, indices = getattr(self.xp, kind)(x, axis)
        self.shape, self.axis, self.indices = x.shape, axis, indices
        return values, indices

    def backward(self, g):
        xp, axis, shape = self.xp, self.axis, self.shape
        key = tuple(xp.to_numpy(self.indices) if d == axis else
                    np.arange(size).reshape((-1,) + (1,) * (len(shape) - d - 1)) for d, size in enumerate(shape))
        return xp.index_add(shape, key, g), None, None

def _running_extreme(input, dim, kind):
    check_tensor(input, "input", kind)
    dim = normalize_dim(dim, input.ndim)
    if input.ndim == 0:
        values, indices = _running_extreme(input.reshape(1), 0, kind)
        return ValuesIndices(values.reshape(()), indices.reshape(()))
    return ValuesIndices(*RunningExtreme.apply(input, dim, kind))

def cummax(input, dim):
    """(values, indices): the running maximum along `dim` and the index where it was last reached (a later equal
    element takes the index over); a NaN wins and stays, as in PyTorch."""
    return _running_extreme(input, dim, "cummax")

def cummin(input, dim):
    return _running_extreme(input, dim, "cummin")

# --- logsumexp, count_nonzero, nansum, nanmean, aminmax, var_mean, std_mean -------------------------------------
def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(input))) over `dim`, shifted by each group's largest finite maximum, so that it neither
    overflows nor underflows; a group of -inf gives -inf, one holding inf gives inf. The gradient is softmax."""
    axes = reduced_axes(input, dim, keepdim, "logsumexp")
    x = as_float(input)
    kept = tuple(s for i, s in enumerate(x.shape) if i not in axes)
    with np.errstate(divide="ignore", invalid="ignore"):
        if x.numel() == 0:
            out = log(sum(exp(x), axes, True))
        else:
            xp = x.xp
            peak = xp.max(x._data, axes, True)
            peak = Tensor._wrap(xp.where(xp.eq(xp.abs(peak), np.inf), 0, peak), x.device)
            out = log(sum(exp(x - peak), axes, True)) + peak
    return out if keepdim else out.reshape(kept)

def count_nonzero(input, dim=None):
    """How many elements are nonzero (NaN counts) over `dim`, as int64."""
    check_tensor(input, "input", "count_nonzero")
    axes = normalize_dims(dim, input.ndim, "count_nonzero")
    xp = input.xp
    return Tensor._wrap(xp.astype(xp.sum(xp.ne(input._data, 0), axes, False), int64), input.device)

def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """sum, with NaNs counted as 0 (they get no gradient)."""
    check_tensor(input, "input", "nansum")
    if dtype is not None:
        input = cast(input, dtype)
    if input.dtype.kind == "f":
        input = where(isnan(input), 0.0, input)
    return sum(input, dim, keepdim)

def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean of the elements that are not NaN (NaN where all are)."""
    check_tensor(input, "input", "nanmean")
    if dtype is not None:
        input = cast(input, dtype)
    if input.dtype.kind != "f":
        raise TypeError(f"nanmean() needs a floating-point tensor, this one is {input.dtype}: call .float() first or "
                        "pass dtype=float32")
    xp = input.xp
    present = Tensor._wrap(xp.astype(xp.eq(input._data, input._data), input.dtype), input.device)
    with np.errstate(invalid="ignore"):
        return nansum(input, dim, keepdim) / sum(present, dim, keepdim)

def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) over everything or along the int `dim`, as amin and amax (ties share the gradient)."""
    check_tensor(input, "input", "aminmax")
    if dim is not None and not is_int(dim):
        raise TypeError(f"aminmax: dim must be an int or None, got {dim!r}")
    dims = () if dim is None else dim
    return MinMax(amin(input, dims, keepdim), amax(input, dims, keepdim))

def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over `dim`, with var's spellings of the correction."""
    dim, correction = _correction(dim, unbiased, correction, "var_mean")
    axes = reduced_axes(input, dim, keepdim, "var_mean")
    return var(input, axes, keepdim=keepdim, correction=correction), mean(input, axes, keepdim)

def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over `dim`."""
    dim, correction = _correction(dim, unbiased, correction, "std_mean")
    axes = reduced_axes(input, dim, keepdim, "std_mean")
    return std(input, axes, keepdim=keepdim, correction=correction), mean(input, axes, keepdim)
