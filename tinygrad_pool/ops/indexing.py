"""Gather, scatter and index ops along one dim, masked selection, take and put, nonzero, and the movement ops
built on them (repeat_interleave, Tensor.unfold), as PyTorch's.

An index tensor holds positions along a dim. Each op checks its dtype (int64, and int32 where PyTorch takes
it), its shape and the range of its values (on the device's min and max) before any kernel runs, then hands
int64 arrays to the backend's gather, scatter_reduce, index_select and index_scatter. The gradients are the same
ops turned around: gather's is a scatter-add, index_select's an index-add, and a scatter's to its source a
gather.
"""
import numpy as np

from ..arguments import check_bool, check_choice, check_int, check_number, check_tensor, normalize_dim
from ..autograd import Function
from ..tensor import Tensor, bool_, int32, int64
from . import inplace
from .elementwise import broadcast_shape, cast, floor_divide, masked_fill, where
from .movement import expand, flatten, getitem, movedim, reshape

_INTEGER_INDEX = (int64, int32)

# --- checks ----------------------------------------------------------------------------------------------------
def _index(index, op, name="index", dtypes=_INTEGER_INDEX):
    """`index` as an int64 Tensor, after PyTorch's dtype rule for op."""
    check_tensor(index, name, op)
    if index.dtype not in dtypes:
        expected = "int32/int64" if int32 in dtypes else "int64"
        raise TypeError(f"{op}(): expected dtype {expected} for {name}, got {index.dtype}")
    return index if index.dtype == int64 else cast(index, int64)

def _extremes(index):
    """The smallest and largest entry of a non-empty index, reduced on its device."""
    xp = index.xp
    return (int(xp.to_numpy(xp.min(index._data, None, False))), int(xp.to_numpy(xp.max(index._data, None, False))))

def _in_range(index, size, op, message, negative=False):
    """index, after checking every entry is in [0, size), or in [-size, size) where negative entries count from
    the end (and are then turned into their positions). `message` says what a bad entry is out of."""
    if not index.numel():
        return index
    low, high = _extremes(index)
    if low < (-size if negative else 0) or high >= size:
        bad = high if high >= size else low
        raise IndexError(f"{op}(): index {bad} is out of {message}")
    return where(index < 0, index + size, index) if low < 0 else index

def _in_dim(index, size, dim, op, negative=False):
    return _in_range(index, size, op, f"bounds for dimension {dim} with size {size}", negative)

def _at_least_1d(tensor):
    return tensor if tensor.ndim else reshape(tensor, 1)

def _check_box(index, other, name, dim, op, skip_dim=True):
    """index no larger than `other` in every dim (but `dim` where skip_dim): PyTorch's gather/scatter rule."""
    for d, (size, limit) in enumerate(zip(index.shape, other.shape)):
        if size > limit and not (skip_dim and d == dim):
            apart = f"apart from dimension {dim}" if skip_dim else "in every dimension"
            raise ValueError(f"{op}(): index of shape {index.shape} must be no larger than {name} of shape "
                             f"{other.shape} {apart}, but dimension {d} has {size} > {limit}")

def _check_same_dims(index, other, name, op):
    if max(index.ndim, 1) != max(other.ndim, 1):
        raise ValueError(f"{op}(): index must have the same number of dimensions as {name}, got index of shape "
                         f"{index.shape} and {name} of shape {other.shape}")

def _check_same_dtype(input, other, name, op):
    if other.dtype != input.dtype:
        raise TypeError(f"{op}(): expected {name} of input's dtype {input.dtype}, got {other.dtype}")

def _along_dim(input, dim, index, op):
    """Checks of gather and scatter: (dim as an int in range, index as int64)."""
    check_tensor(input, "input", op)
    index = _index(index, op)
    axis = normalize_dim(dim, input.ndim)
    _check_same_dims(index, input, "input", op)
    _check_box(index, input, "input", axis, op)
    _in_dim(index, input.shape[axis] if input.ndim else 1, axis, op)
    return axis, index

def _vector_index(index, op, dtypes=_INTEGER_INDEX):
    """The 1-d (or 0-d) index of the index_* ops, as a 1-d int64 Tensor."""
    index = _index(index, op, dtypes=dtypes)
    if index.ndim > 1:
        raise ValueError(f"{op}(): index must be a vector (1-d) or a scalar, got shape {index.shape}")
    return _at_least_1d(index)

def _value_for(input, value, op):
    """A scatter or fill value (a number) converted to input's dtype, as PyTorch converts it (7.5 into int64 is 7)."""
    if not isinstance(value, (bool, np.bool_)):
        check_number(value, "value", op)
    if input.dtype.kind in "iu" and not np.isfinite(value):
        raise ValueError(f"{op}(): value={value} has no {input.dtype} value")
    return np.array(value).astype(input.dtype).item()

def _pad_to(xp, array, shape):
    """array with zeros after it up to `shape` (the gradient of a source larger than the index)."""
    widths = tuple((0, full - size) for size, full in zip(array.shape, shape))
    return xp.pad(array, widths, 0) if any(after for _, after in widths) else array

# --- gather and scatter ----------------------------------------------------------------------------------------
class Gather(Function):
    keeps_inputs = False

    def forward(self, x, axis, index):
        self.shape, self.axis, self.index = x.shape, axis, index
        return self.xp.gather(x, axis, index)

    def backward(self, g):
        xp = self.xp
        return xp.scatter_reduce(xp.zeros(self.shape, g.dtype), self.axis, self.index, g, "sum"), None, None

def gather(input, dim, index, *, sparse_grad=False):
    """out[i][j][k] = input[index[i][j][k]][j][k] for dim 0 (likewise for the others); index is no larger than
    input outside dim. sparse_grad is accepted and has no effect: the gradient is always dense."""
    check_bool(sparse_grad, "sparse_grad", "gather")
    axis, index = _along_dim(input, dim, index, "gather")
    out = Gather.apply(_at_least_1d(input), axis, _at_least_1d(index))
    return out if index.ndim else reshape(out, ())

class Scatter(Function):
    """src written at index along axis; where an index repeats, one of its values (which one is unspecified, as
    in PyTorch). The gradient to input is g with the written places zeroed, to src g gathered from them."""
    keeps_inputs = False

    def forward(self, x, axis, index, src):
        self.axis, self.index, self.src_shape = axis, index, src.shape
        return self.xp.scatter_reduce(x, axis, index, src, "assign")

    def backward(self, g):
        xp, axis, index = self.xp, self.axis, self.index
        grad_x = xp.scatter_reduce(g, axis, index, xp.zeros(index.shape, g.dtype), "assign") \
            if self.needs_input_grad[0] else None
        grad_src = _pad_to(xp, xp.gather(g, axis, index), self.src_shape) if self.needs_input_grad[3] else None
        return grad_x, None, None, grad_src

class ScatterAdd(Function):
    """src added at index along axis (repeated indices add up), onto input or, without include_self, onto zeros
    at the places it reaches."""
    keeps_inputs = False

    def forward(self, x, axis, index, src, include_self):
        xp = self.xp
        self.axis, self.index, self.src_shape, self.include_self = axis, index, src.shape, include_self
        base = x if include_self else xp.scatter_reduce(x, axis, index, xp.zeros(index.shape, x.dtype), "assign")
        return xp.scatter_reduce(base, axis, index, src, "sum")

    def backward(self, g):
        xp, axis, index = self.xp, self.axis, self.index
        grad_x = None
        if self.needs_input_grad[0]:
            grad_x = g if self.include_self else \
                xp.scatter_reduce(g, axis, index, xp.zeros(index.shape, g.dtype), "assign")
        grad_src = _pad_to(xp, xp.gather(g, axis, index), self.src_shape) if self.needs_input_grad[3] else None
        return grad_x, None, None, grad_src, None

def _identity(reduce, dtype):
    """The value that `reduce` leaves every other value unchanged by: where include_self=False starts."""
    if reduce == "prod":
        return 1
    if dtype == bool_:
        return reduce == "amin"
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max

class ScatterReduce(Function):
    """'prod', 'amax' or 'amin' of src's values at each index, with input's value unless include_self=False.

    The gradients are PyTorch's: a product's to each factor is the product of the others (found without
    dividing when a factor is 0), and a maximum's or minimum's is shared evenly by the values equal to the result
    (none equal a NaN result, so its gradient is NaN, as in PyTorch)."""
    def forward(self, x, axis, index, src, reduce, include_self):
        xp = self.xp
        self.axis, self.index, self.reduce, self.include_self = axis, index, reduce, include_self
        base = x if include_self else \
            xp.scatter_reduce(x, axis, index, xp.full(index.shape, _identity(reduce, x.dtype), x.dtype), "assign")
        out = xp.scatter_reduce(base, axis, index, src, reduce)
        box = tuple(slice(0, size) for size in index.shape)
        self.save_for_backward(x, xp.contiguous(xp.getitem(src, box)), out)
        self.src_shape = src.shape
        return out

    def backward(self, g):
        xp, (x, src, out), axis, index = self.xp, self.saved, self.axis, self.index
        with np.errstate(divide="ignore", invalid="ignore"):
            grad_x, grad_src = (self._product if self.reduce == "prod" else self._extreme)(g, x, src, out)
        if not self.include_self:   # input's value was not among the reduced ones where src was scattered
            grad_x = xp.scatter_reduce(grad_x, axis, index, xp.zeros(index.shape, g.dtype), "assign")
        return (grad_x if self.needs_input_grad[0] else None, None, None,
                _pad_to(xp, grad_src, self.src_shape) if self.needs_input_grad[3] else None, None, None)

    def _product(self, g, x, src, out):
        """(input's gradient, src's): each factor's is g times the product of the others, out / factor, or for the
        one zero factor among them the product of the non-zero others. Without include_self, input's gradient is
        only kept where nothing was scattered: there input is the only factor (so inf and NaN give NaN, as in
        PyTorch)."""
        xp, axis, index = self.xp, self.axis, self.index
        src_zero = xp.eq(src, 0)
        x_zero = xp.eq(x, 0) if self.include_self else xp.zeros(x.shape, np.dtype(bool))
        zeros = xp.scatter_reduce(xp.astype(x_zero, int64), axis, index, xp.astype(src_zero, int64), "sum")
        start = xp.where(x_zero, 1, x) if self.include_self else xp.full(x.shape, 1, x.dtype)
        others = xp.scatter_reduce(start, axis, index, xp.where(src_zero, 1, src), "prod")
        lone_zero = xp.where(xp.eq(zeros, 1), others, 0)

        def share(value, g_there, out_there, lone_there):
            return xp.mul(g_there, xp.where(xp.eq(value, 0), lone_there, xp.div(out_there, value)))

        at_src = lambda array: xp.gather(array, axis, index)
        return share(x, g, out, lone_zero if self.include_self else 1), share(src, at_src(g), at_src(out),
                                                                               at_src(lone_zero))

    def _extreme(self, g, x, src, out):
        """(input's gradient, src's): g shared evenly by the values equal to out. Without include_self, input's
        gradient is only kept where nothing was scattered: there input is the only value (so a NaN gets NaN)."""
        xp, axis, index = self.xp, self.axis, self.index
        x_ties = xp.astype(xp.eq(x, out), g.dtype)
        src_ties = xp.astype(xp.eq(src, xp.gather(out, axis, index)), g.dtype)
        count = xp.scatter_reduce(x_ties if self.include_self else xp.zeros(x.shape, g.dtype), axis, index,
                                  src_ties, "sum")
        return (xp.div(xp.mul(x_ties, g), count if self.include_self else x_ties),
                xp.div(xp.mul(src_ties, xp.gather(g, axis, index)), xp.gather(count, axis, index)))

def _scatter_checks(input, dim, index, src, op):
    axis, index = _along_dim(input, dim, index, op)
    check_tensor(src, "src", op)
    _check_same_dims(index, src, "src", op)
    if index.numel():   # an empty index writes nothing, whatever src's shape (as in PyTorch)
        _check_box(index, src, "src", axis, op, skip_dim=False)
    _check_same_dtype(input, src, "src", op)
    return axis, index

def _scatter_reduce(input, axis, index, src, reduce, include_self):
    """The scatter_reduce of checked arguments."""
    x, index1, src1 = _at_least_1d(input), _at_least_1d(index), _at_least_1d(src)
    if reduce == "sum":
        out = ScatterAdd.apply(x, axis, index1, src1, include_self)
    elif reduce == "mean":
        if input.dtype == bool_:
            raise TypeError("scatter_reduce(): reduce='mean' is not defined for bool tensors")
        xp = input.xp
        total = ScatterAdd.apply(x, axis, index1, src1, include_self)
        counts = xp.scatter_reduce(xp.full(x.shape, int(include_self), x.dtype), axis, index1._data,
                                   xp.full(index1.shape, 1, x.dtype), "sum")
        counts = Tensor._wrap(xp.maximum(counts, 1), input.device)
        out = total / counts if input.dtype.kind == "f" else floor_divide(total, counts)
    else:
        out = ScatterReduce.apply(x, axis, index1, src1, reduce, include_self)
    return reshape(out, input.shape)

_SCATTER_REDUCE = {"add": "sum", "multiply": "prod"}

def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """input with src[i][j][k] written at [index[i][j][k]][j][k] for dim 0 (likewise for the others), or with
    `value` there. A repeated index keeps one of its values, unspecified which (as in PyTorch); reduce='add' or
    'multiply' combines them instead."""
    if src is not None and not isinstance(src, Tensor):
        src, value = None, src   # scatter(input, dim, index, 2.5): the fourth argument is the value
    if (src is None) == (value is None):
        raise TypeError("scatter(): give exactly one of src (a Tensor) and value (a number)")
    if reduce is not None and reduce not in _SCATTER_REDUCE:
        raise ValueError(f"scatter(): reduce={reduce!r}: use 'add' or 'multiply' (or scatter_reduce for more)")
    if src is None:
        check_tensor(input, "input", "scatter")
        value = _value_for(input, value, "scatter")
        axis, index = _along_dim(input, dim, index, "scatter")
        src = Tensor._wrap(input.xp.full(index.shape, value, input.dtype), input.device)
    else:
        axis, index = _scatter_checks(input, dim, index, src, "scatter")
    if reduce is not None:
        return _scatter_reduce(input, axis, index, src, _SCATTER_REDUCE[reduce], True)
    out = Scatter.apply(_at_least_1d(input), axis, _at_least_1d(index), _at_least_1d(src))
    return reshape(out, input.shape)

def scatter_add(input, dim, index, src):
    """input with src[i][j][k] added at [index[i][j][k]][j][k] for dim 0 (likewise for the others); repeated
    indices add up."""
    axis, index = _scatter_checks(input, dim, index, src, "scatter_add")
    return _scatter_reduce(input, axis, index, src, "sum", True)

SCATTER_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")

def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """input with the values of src reduced at their index along dim by `reduce` ('sum', 'prod', 'mean', 'amax',
    'amin'), together with input's own value there unless include_self=False. NaN wins amax and amin; an integer
    mean rounds toward -inf, as in PyTorch."""
    check_choice(reduce, "reduce", "scatter_reduce", SCATTER_REDUCTIONS)
    check_bool(include_self, "include_self", "scatter_reduce")
    axis, index = _scatter_checks(input, dim, index, src, "scatter_reduce")
    return _scatter_reduce(input, axis, index, src, reduce, include_self)

# --- along a dim, by a 1-d index -------------------------------------------------------------------------------
class IndexSelect(Function):
    keeps_inputs = False

    def forward(self, x, axis, index):
        self.shape, self.axis, self.index = x.shape, axis, index
        return self.xp.index_select(x, axis, index)

    def backward(self, g):
        xp = self.xp
        return xp.index_scatter(xp.zeros(self.shape, g.dtype), self.axis, self.index, g, True), None, None

def _vector_checks(input, dim, index, op, dtypes=_INTEGER_INDEX, negative=False):
    check_tensor(input, "input", op)
    index = _vector_index(index, op, dtypes)
    axis = normalize_dim(dim, input.ndim)
    return axis, _in_dim(index, input.shape[axis] if input.ndim else 1, axis, op, negative)

def _one_for_a_scalar(input, index, op):
    if input.ndim == 0 and index.numel() != 1:
        raise ValueError(f"{op}(): a 0-d input takes one index, got {index.numel()}")

def index_select(input, dim, index):
    """The slices of input at the positions `index` (1-d, repeats allowed) along dim."""
    axis, index = _vector_checks(input, dim, index, "index_select")
    _one_for_a_scalar(input, index, "index_select")
    if input.ndim == 0:
        return reshape(IndexSelect.apply(reshape(input, 1), 0, index), ())
    return IndexSelect.apply(input, axis, index)

class IndexScatter(Function):
    """src's slices written (or, with accumulate, added) at the positions index along axis."""
    keeps_inputs = False

    def forward(self, x, axis, index, src, accumulate):
        self.axis, self.index, self.src_shape, self.accumulate = axis, index, src.shape, accumulate
        return self.xp.index_scatter(x, axis, index, src, accumulate)

    def backward(self, g):
        xp, axis, index = self.xp, self.axis, self.index
        grad_x = None
        if self.needs_input_grad[0]:
            grad_x = g if self.accumulate else \
                xp.index_scatter(g, axis, index, xp.zeros(self.src_shape, g.dtype), False)
        grad_src = xp.index_select(g, axis, index) if self.needs_input_grad[3] else None
        return grad_x, None, None, grad_src, None

def _source_checks(input, axis, index, source, op):
    """source has input's dtype and shape, but index.numel() slices along the dim (a 0-d input: a 0-d source)."""
    check_tensor(source, "source", op)
    _check_same_dtype(input, source, "source", op)
    _one_for_a_scalar(input, index, op)
    expected = input.shape[:axis] + (index.numel(),) + input.shape[axis + 1:] if input.ndim else ()
    if source.shape != expected:
        raise ValueError(f"{op}(): source of shape {source.shape} must have input's shape {input.shape} with "
                         f"{index.numel()} (the number of indices) along dim {axis}, i.e. {expected}")

def _index_scatter(input, axis, index, source, accumulate):
    out = IndexScatter.apply(_at_least_1d(input), axis, index, _at_least_1d(source), accumulate)
    return reshape(out, input.shape)

def index_add(input, dim, index, source, *, alpha=1):
    """input with alpha * source's slices added at the positions index (1-d) along dim; repeated indices add."""
    axis, index = _vector_checks(input, dim, index, "index_add")
    _source_checks(input, axis, index, source, "index_add")
    check_number(alpha, "alpha", "index_add")
    if input.dtype.kind in "iub":
        alpha = int(alpha)   # converted to the tensor's dtype, as in PyTorch: 1.5 scales an int64 source by 1
    return _index_scatter(input, axis, index, source if alpha == 1 else source * alpha, True)

def index_copy(input, dim, index, source):
    """input with source's slices written at the positions index (1-d, int64) along dim; a repeated index keeps
    one of its slices, unspecified which."""
    axis, index = _vector_checks(input, dim, index, "index_copy", (int64,))
    _source_checks(input, axis, index, source, "index_copy")
    return _index_scatter(input, axis, index, source, False)

def index_fill(input, dim, index, value):
    """input with `value` (a number or a 0-d tensor, converted to input's dtype) at the positions index (1-d,
    int64; negative counts from the end) along dim. A tensor value gets the gradient of every filled element."""
    axis, index = _vector_checks(input, dim, index, "index_fill", (int64,), negative=True)
    size = input.shape[axis] if input.ndim else 1
    chosen = np.zeros(size, bool)
    chosen[index.numpy()] = True
    mask = Tensor(chosen.reshape((size,) + (1,) * (input.ndim - axis - 1)) if input.ndim else chosen.reshape(()),
                  device=input.device)
    if isinstance(value, Tensor):
        if value.ndim:
            raise ValueError(f"index_fill(): value must be a number or a 0-d tensor, got a tensor of shape "
                             f"{value.shape}")
        return where(mask, cast(value, input.dtype), input)
    return masked_fill(input, mask, _value_for(input, value, "index_fill"))

# --- masks -----------------------------------------------------------------------------------------------------
def _mask(input, mask, op):
    """The broadcast shape of input and the bool mask, and the flat positions where the mask holds there."""
    check_tensor(input, "input", op)
    check_tensor(mask, "mask", op)
    if mask.dtype != bool_:
        raise TypeError(f"{op}(): mask must be a bool tensor, got {mask.dtype}; compare first, e.g. x > 0")
    shape = broadcast_shape(input.shape, mask.shape)
    positions = np.flatnonzero(np.broadcast_to(mask.numpy(), shape))
    return shape, Tensor(positions, dtype=int64, device=input.device)

def masked_select(input, mask):
    """The elements of input where the bool mask holds (the two broadcast), as a 1-d tensor in C order."""
    shape, positions = _mask(input, mask, "masked_select")
    return IndexSelect.apply(reshape(expand(input, shape), -1), 0, positions)

def masked_scatter(input, mask, source):
    """input with source's first elements, in order, written where the bool mask holds (the two broadcast)."""
    shape, positions = _mask(input, mask, "masked_scatter")
    check_tensor(source, "source", "masked_scatter")
    _check_same_dtype(input, source, "source", "masked_scatter")
    count = positions.numel()
    if source.numel() < count:
        raise ValueError(f"masked_scatter(): source has {source.numel()} elements, fewer than the {count} places "
                         "the mask selects")
    values = getitem(reshape(source, -1), slice(0, count))
    out = IndexScatter.apply(reshape(expand(input, shape), -1), 0, positions, values, False)
    return reshape(out, shape)

# --- flat positions --------------------------------------------------------------------------------------------
def _flat_index(index, op, count):
    """A take/put index: int64, flattened, in [-count, count) with negative entries counted from the end."""
    index = reshape(_index(index, op, dtypes=(int64,)), -1)
    return _in_range(index, count, op, f"range: tried to access it on a tensor of {count} elements", negative=True)

def take(input, index):
    """input read as a 1-d tensor at the positions index (any shape, negative counting from the end): a tensor of
    index's shape."""
    check_tensor(input, "input", "take")
    flat = _flat_index(index, "take", input.numel())
    return reshape(IndexSelect.apply(reshape(input, -1), 0, flat), index.shape)

def put(input, index, source, accumulate=False):
    """input read as a 1-d tensor with source's elements written (or, with accumulate, added) at the positions
    index; a repeated index without accumulate keeps one of its values."""
    check_tensor(input, "input", "put")
    check_tensor(source, "source", "put")
    check_bool(accumulate, "accumulate", "put")
    flat = _flat_index(index, "put", input.numel())
    _check_same_dtype(input, source, "source", "put")
    if source.numel() != index.numel():
        raise ValueError(f"put(): source and index must have the same number of elements, got source.numel() = "
                         f"{source.numel()} and index.numel() = {index.numel()}")
    out = IndexScatter.apply(reshape(input, -1), 0, flat, reshape(source, -1), accumulate)
    return reshape(out, input.shape)

def take_along_dim(input, indices, dim=None):
    """gather along dim after broadcasting input and indices in every other dim; without dim, of the flattened
    tensors. Negative indices count from the end of the dim."""
    check_tensor(input, "input", "take_along_dim")
    indices = _index(indices, "take_along_dim", "indices", (int64,))
    if dim is None:
        return take_along_dim(flatten(input), flatten(indices), 0)
    axis = normalize_dim(dim, input.ndim)
    if indices.ndim != input.ndim:
        raise ValueError(f"take_along_dim(): input and indices must have the same number of dimensions, got "
                         f"{input.ndim} and {indices.ndim}")
    indices = _in_dim(indices, input.shape[axis] if input.ndim else 1, axis, "take_along_dim", negative=True)
    if input.ndim == 0:
        return gather(input, 0, indices)
    others = broadcast_shape(*(t.shape[:axis] + t.shape[axis + 1:] for t in (input, indices)))
    grow = lambda t: expand(t, others[:axis] + (t.shape[axis],) + others[axis:])
    return gather(grow(input), axis, grow(indices))

def nonzero(input, *, as_tuple=False):
    """The positions of the non-zero elements (NaN counts; -0.0 does not), in C order: an int64 tensor (count,
    ndim), or with as_tuple a tuple of one 1-d tensor per dim. Its size depends on the values, so it reads them
    on the host."""
    check_tensor(input, "input", "nonzero")
    check_bool(as_tuple, "as_tuple", "nonzero")
    values = input.numpy()
    if as_tuple:
        return tuple(Tensor(positions, dtype=int64, device=input.device)
                     for positions in np.nonzero(values.reshape(-1) if values.ndim == 0 else values))
    return Tensor(np.argwhere(values), dtype=int64, device=input.device)

def argwhere(input):
    """nonzero(input): the positions of the non-zero elements, one row each."""
    check_tensor(input, "input", "argwhere")
    return nonzero(input)

# --- in place: through ops/inplace.py's update, so the version counters and the leaf rule hold ------------------
def scatter_(input, dim, index, src=None, value=None, *, reduce=None):
    return inplace.update(input, "scatter_", lambda s, i, v: scatter(s, dim, i, v, value, reduce=reduce), index, src)

def scatter_add_(input, dim, index, src):
    return inplace.update(input, "scatter_add_", lambda s, i, v: scatter_add(s, dim, i, v), index, src)

def scatter_reduce_(input, dim, index, src, reduce, *, include_self=True):
    return inplace.update(input, "scatter_reduce_", lambda s, i, v: scatter_reduce(
        s, dim, i, v, reduce, include_self=include_self), index, src)

def index_add_(input, dim, index, source, *, alpha=1):
    return inplace.update(input, "index_add_", lambda s, i, v: index_add(s, dim, i, v, alpha=alpha), index, source)

def index_copy_(input, dim, index, source):
    return inplace.update(input, "index_copy_", lambda s, i, v: index_copy(s, dim, i, v), index, source)

def index_fill_(input, dim, index, value):
    return inplace.update(input, "index_fill_", lambda s, i, v: index_fill(s, dim, i, v), index, value)

def masked_scatter_(input, mask, source):
    check_tensor(input, "self", "masked_scatter_")
    check_tensor(mask, "mask", "masked_scatter_")
    if broadcast_shape(input.shape, mask.shape) != input.shape:
        raise ValueError(f"masked_scatter_: a mask of shape {mask.shape} does not fit the tensor of shape "
                         f"{input.shape} written in place (it must broadcast to that shape)")
    return inplace.update(input, "masked_scatter_", masked_scatter, mask, source)

def put_(input, index, source, accumulate=False):
    return inplace.update(input, "put_", lambda s, i, v: put(s, i, v, accumulate), index, source)

# --- movement by index -----------------------------------------------------------------------------------------
def _repeat_counts(repeats, length, op):
    """The number of times each of `length` slices repeats: an int for all, or a 0-d or 1-d integer tensor."""
    if isinstance(repeats, Tensor):
        if repeats.dtype not in _INTEGER_INDEX:
            raise TypeError(f"{op}(): repeats must be an int64 or int32 tensor, got {repeats.dtype}")
        if repeats.ndim > 1:
            raise ValueError(f"{op}(): repeats must be a 0-d or 1-d tensor, got shape {repeats.shape}")
        counts = repeats.numpy().reshape(-1).astype(np.int64)
        if counts.size not in (1, length):
            raise ValueError(f"{op}(): repeats must have one entry or one per slice along the dim ({length}), "
                             f"got {counts.size}")
    else:
        counts = np.array([check_int(repeats, "repeats", op)], np.int64)
    if counts.size and counts.min() < 0:
        raise ValueError(f"{op}(): repeats must be non-negative, got {counts.min()}")
    return np.broadcast_to(counts, (length,))

def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each slice along dim repeated repeats times (an int, or one count per slice) next to itself; without dim,
    over the flattened tensor. repeat_interleave(counts) alone gives 0, 1, ... each repeated counts[i] times."""
    check_tensor(input, "input", "repeat_interleave")
    if repeats is None:   # repeat_interleave(repeats): the positions, repeated
        counts = _repeat_counts(input, input.numel(), "repeat_interleave")
        return Tensor(np.repeat(np.arange(counts.size), counts), dtype=int64, device=input.device)
    if dim is None:
        input, dim = flatten(input), 0
    axis = normalize_dim(dim, input.ndim)
    if input.ndim == 0:
        input = reshape(input, 1)
    counts = _repeat_counts(repeats, input.shape[axis], "repeat_interleave")
    total = int(counts.sum())
    if output_size is not None and check_int(output_size, "output_size", "repeat_interleave") != total:
        raise ValueError(f"repeat_interleave(): output_size={output_size} does not match the {total} slices the "
                         "repeats give")
    positions = Tensor(np.repeat(np.arange(counts.size), counts), dtype=int64, device=input.device)
    return IndexSelect.apply(input, axis, positions)

def unfold(input, dimension, size, step):
    """Tensor.unfold: the windows of `size` elements that start every `step` along `dimension`, each along a new
    last dim (dimension then counts the windows). Overlapping windows read the same elements, so their gradients
    add up."""
    check_tensor(input, "input", "unfold")
    axis = normalize_dim(dimension, input.ndim, "dimension")
    check_int(size, "size", "unfold", minimum=0)
    check_int(step, "step", "unfold", minimum=1)
    length = input.shape[axis] if input.ndim else 1
    if size > length:
        raise ValueError(f"unfold(): size={size} is larger than dimension {axis}, of size {length}")
    if input.ndim == 0:
        return getitem(reshape(input, 1), slice(0, size))
    count = (length - size) // step + 1
    starts = np.arange(count, dtype=np.int64) * step
    positions = Tensor((starts[:, None] + np.arange(size, dtype=np.int64)).reshape(-1), device=input.device)
    windows = IndexSelect.apply(input, axis, positions)
    windows = reshape(windows, input.shape[:axis] + (count, size) + input.shape[axis + 1:])
    return movedim(windows, axis + 1, -1)
