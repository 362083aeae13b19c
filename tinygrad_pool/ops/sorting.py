"""Sorting and selection: sort, argsort, msort, topk, kthvalue, median, nanmedian, mode, unique,
unique_consecutive, searchsorted and bucketize.

Each op stands on one stable sort, the backends' `argsort` (NaN above every number, -0.0 equal to 0.0, equal
elements in input order in both directions), and on picking elements along a dim (the backends' `gather`). The
values the ops return come from `Picked`, so they are differentiable: the gradient of each goes back to the element
it was picked from. Where PyTorch leaves open which of several equal elements an index names (topk, kthvalue,
median, mode), it is the one the stable order gives.
"""
import math
import numbers
from typing import NamedTuple

import numpy as np

from ..arguments import check_bool, check_choice, check_int, check_tensor, described, normalize_dim
from ..autograd import Function
from ..tensor import Tensor, bool_, int32, int64
from .elementwise import cast, promote, result_dtype
from .reduce import ValuesIndices

class Picked(Function):
    """x's elements at `indices` along `axis` (an int64 array of x's shape but along `axis`); the gradient of each
    goes back to the position it was picked from, added up where one position is picked twice."""
    keeps_inputs = False

    def forward(self, x, indices, axis):
        self.save_for_backward(indices)
        self.axis, self.size = axis, x.shape[axis]
        return self.xp.gather(x, axis, indices)

    def backward(self, g):
        xp, (indices,) = self.xp, self.saved
        shape = g.shape[:self.axis] + (self.size,) + g.shape[self.axis + 1:]
        return xp.scatter_reduce(xp.zeros(shape, g.dtype), self.axis, indices, g, "sum"), None, None

# --- arguments -------------------------------------------------------------------------------------------------
def _along(input, dim, op):
    """The checked input (a 0-d one as 1-d: its dim 0 and -1 are its one element, as in PyTorch) and `dim` as an
    axis of it."""
    check_tensor(input, "input", op)
    axis = normalize_dim(dim, input.ndim)
    return (input.reshape(1) if input.ndim == 0 else input), axis

def _check_stable(stable, op):
    """PyTorch's `stable` may also be None (the default order, which here is the stable one too)."""
    if stable is not None:
        check_bool(stable, "stable", op)

def _refuse_bool(input, op):
    if input.dtype == bool_:
        raise TypeError(f"{op}: bool tensors are not supported, as in PyTorch: cast with .int() or .float() first")

def _refuse_empty(x, axis, op):
    if x.shape[axis] == 0:
        raise IndexError(f"{op}: dim {axis} of the input of shape {tuple(x.shape)} has size 0, and a value must be "
                         "picked from a non-empty dim")

def _kept(shape, axis):
    return tuple(shape[:axis]) + (1,) + tuple(shape[axis + 1:])

def _picked(input, x, chosen, axis, keepdim):
    """(values, indices) of the elements of x at `chosen` (one per row, of _kept shape) along `axis`, in the shape
    a reduction over `axis` of `input` has."""
    values, indices = Picked.apply(x, chosen, axis), Tensor._wrap(chosen, input.device)
    if input.ndim == 0 or not keepdim:
        shape = () if input.ndim == 0 else tuple(x.shape[:axis]) + tuple(x.shape[axis + 1:])
        values, indices = values.reshape(shape), indices.reshape(shape)
    return ValuesIndices(values, indices)

def _between(xp, order, axis, start, stop):
    """The entries start ... stop - 1 of `order` along `axis`."""
    return xp.getitem(order, (slice(None),) * axis + (slice(start, stop),))

# --- sort ------------------------------------------------------------------------------------------------------
def sort(input, dim=-1, descending=False, *, stable=False):
    """(values, indices) of input sorted along `dim`. The sort is always stable, so equal elements keep their input
    order in both directions (PyTorch's stable=False allows any order of them; this is one); NaN counts as larger
    than every number: last ascending, first descending."""
    x, axis = _along(input, dim, "sort")
    check_bool(descending, "descending", "sort")
    _check_stable(stable, "sort")
    order = input.xp.argsort(x._data, axis, descending)
    values, indices = Picked.apply(x, order, axis), Tensor._wrap(order, input.device)
    if input.ndim == 0:
        return ValuesIndices(values.reshape(()), indices.reshape(()))
    return ValuesIndices(values, indices)

def argsort(input, dim=-1, descending=False, *, stable=False):
    """The indices that sort input along `dim` (sort's indices)."""
    x, axis = _along(input, dim, "argsort")
    check_bool(descending, "descending", "argsort")
    _check_stable(stable, "argsort")
    order = Tensor._wrap(input.xp.argsort(x._data, axis, descending), input.device)
    return order.reshape(()) if input.ndim == 0 else order

def msort(input):
    """input sorted along its first dim."""
    check_tensor(input, "input", "msort")
    return sort(input, 0).values

# --- picking one element per row, or the k largest ------------------------------------------------------------
def topk(input, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the k largest elements along `dim` (the k smallest unless `largest`), always in sorted
    order (PyTorch's sorted=False allows any order; this is one). NaN counts as the largest value."""
    x, axis = _along(input, dim, "topk")
    check_int(k, "k", "topk")
    check_bool(largest, "largest", "topk")
    check_bool(sorted, "sorted", "topk")
    _refuse_bool(input, "topk")
    if not 0 <= k <= x.shape[axis]:
        raise ValueError(f"topk: k={k} is out of range for dim {axis} of size {x.shape[axis]}: expected 0 <= k <= "
                         f"{x.shape[axis]}")
    if input.ndim == 0:   # PyTorch returns a 0-d tensor's element for k=0 as well
        k = 1
    chosen = _between(input.xp, input.xp.argsort(x._data, axis, largest), axis, 0, k)
    return _picked(input, x, chosen, axis, keepdim=True)

def kthvalue(input, k, dim=-1, keepdim=False):
    """(values, indices) of the k-th smallest element along `dim` (k counts from 1); NaN counts as the largest."""
    x, axis = _along(input, dim, "kthvalue")
    check_int(k, "k", "kthvalue")
    check_bool(keepdim, "keepdim", "kthvalue")
    _refuse_bool(input, "kthvalue")
    _refuse_empty(x, axis, "kthvalue")
    if not 1 <= k <= x.shape[axis]:
        raise ValueError(f"kthvalue: k={k} is out of range for dim {axis} of size {x.shape[axis]}: expected 1 <= k "
                         f"<= {x.shape[axis]}")
    order = input.xp.argsort(x._data, axis, False)
    return _picked(input, x, _between(input.xp, order, axis, k - 1, k), axis, keepdim)

def _median(input, dim, keepdim, op, ignore_nan):
    """median and nanmedian: over everything (the value alone) or along `dim` (values and indices)."""
    check_tensor(input, "input", op)
    check_bool(keepdim, "keepdim", op)
    _refuse_bool(input, op)
    if dim is None:
        if keepdim:
            raise TypeError(f"{op}: keepdim=True needs a dim: {op}(input) reduces over every element to a 0-d tensor")
        if input.numel() == 0:   # as in PyTorch: NaN, or the smallest integer of the dtype
            empty = np.nan if input.dtype.kind == "f" else np.iinfo(input.dtype).min
            return Tensor._wrap(input.xp.full((), empty, input.dtype), input.device)
        flat = input.reshape(-1)
        return _median_along(flat, flat, 0, False, ignore_nan).values
    x, axis = _along(input, dim, op)
    _refuse_empty(x, axis, op)
    return _median_along(input, x, axis, keepdim, ignore_nan)

def _median_along(input, x, axis, keepdim, ignore_nan):
    """The lower middle of each row's sorted numbers. With NaN sorted last, a row of c numbers and some NaNs has
    its median of the numbers at position (c - 1) // 2; median's answer is then its first NaN, at position c."""
    xp, n = x.xp, x.shape[axis]
    order = xp.argsort(x._data, axis, False)
    if x.dtype.kind != "f":
        return _picked(input, x, _between(xp, order, axis, (n - 1) // 2, (n + 1) // 2), axis, keepdim)
    counted = xp.sum(xp.eq(x._data, x._data), axis, True)   # x == x: not NaN
    if ignore_nan:
        position = xp.floor_divide(xp.maximum(xp.sub(counted, 1), 0), 2)
    else:
        position = xp.where(xp.lt(counted, n), counted, (n - 1) // 2)
    return _picked(input, x, xp.gather(order, axis, position), axis, keepdim)

def median(input, dim=None, keepdim=False):
    """The median (the lower of the two middle values for an even count): over every element as a 0-d tensor, or
    (values, indices) along `dim`. A NaN makes the median NaN (along a dim, the index of the first NaN)."""
    return _median(input, dim, keepdim, "median", ignore_nan=False)

def nanmedian(input, dim=None, keepdim=False):
    """median of the numbers that are not NaN (NaN where there are none)."""
    return _median(input, dim, keepdim, "nanmedian", ignore_nan=True)

def mode(input, dim=-1, keepdim=False):
    """(values, indices) of the most frequent value along `dim`: of several, the smallest, and the index of its
    last occurrence. Each NaN counts as a value of its own (NaN != NaN)."""
    x, axis = _along(input, dim, "mode")
    check_bool(keepdim, "keepdim", "mode")
    _refuse_empty(x, axis, "mode")
    xp, n = input.xp, x.shape[axis]
    others = tuple(a for a in range(x.ndim) if a != axis)
    rows = xp.reshape(xp.permute(x._data, others + (axis,)), (x.numel() // n, n))
    order = xp.argsort(rows, 1, False)
    runs = _runs(xp, xp.gather(rows, 1, order))
    # In each sorted row the run length reached at each element; the first maximum ends the first longest run.
    position = xp.argmax(xp.reshape(xp.sub(xp.arange(x.numel(), "int64"), runs.first), rows.shape), 1, True)
    chosen = xp.reshape(xp.gather(order, 1, position), _kept(x.shape, axis))
    return _picked(input, x, chosen, axis, keepdim)

# --- runs of equal elements: mode, unique ----------------------------------------------------------------------
class Runs(NamedTuple):
    """Runs of equal elements in a flat sequence: for each element the number of its run (`run`) and the position
    where that run starts (`first`); `starts` holds the start of run r at entry r (zeros past the last run)."""
    run: object
    first: object
    starts: object

def _runs(xp, sorted_rows):
    """Runs of the rows of a 2-d array, read as one flat sequence: an element starts a run where it differs from
    its left neighbour (NaN differs from every value, NaN too) or begins a row."""
    rows, n = sorted_rows.shape
    differs = xp.ne(xp.getitem(sorted_rows, (slice(None), slice(1, None))),
                    xp.getitem(sorted_rows, (slice(None), slice(0, n - 1))))
    return _runs_from_starts(xp, xp.concatenate([xp.full((rows, 1), True, bool_), differs], 1))

def _runs_from_starts(xp, starts_run):
    """Runs from the bool array that marks where each begins; only the element that begins a run adds its
    position into the run's entry of `starts`."""
    size = math.prod(starts_run.shape)
    starts_run = xp.reshape(starts_run, (size,))
    run = xp.sub(xp.cumsum(starts_run, 0), 1)
    positions = xp.arange(size, "int64")
    starts = xp.scatter_reduce(xp.zeros((size,), int64), 0, run, xp.where(starts_run, positions, 0), "sum")
    return Runs(run, xp.gather(starts, 0, run), starts)

def _distinct_rows(xp, rows, sort):
    """(first row of each run, run number of each row, run lengths) of the rows of a 2-d (n, m) array, n > 0 and
    m > 0, after sorting them lexicographically when `sort`: a stable sort by each column, the last first."""
    n, m = rows.shape
    order = None
    if sort:
        order = xp.argsort(xp.getitem(rows, (slice(None), m - 1)), 0, False)
        for column in range(m - 2, -1, -1):
            keys = xp.gather(xp.getitem(rows, (slice(None), column)), 0, order)
            order = xp.gather(order, 0, xp.argsort(keys, 0, False))
        rows = xp.gather(rows, 0, xp.expand(xp.reshape(order, (n, 1)), (n, m)))
    differs = xp.gt(xp.sum(xp.ne(xp.getitem(rows, (slice(1, None),)), xp.getitem(rows, (slice(0, n - 1),))), 1,
                           False), 0)
    runs = _runs_from_starts(xp, xp.concatenate([xp.full((1,), True, bool_), differs], 0))
    count = int(xp.to_numpy(xp.getitem(runs.run, (n - 1,)))) + 1
    starts = xp.getitem(runs.starts, (slice(0, count),))
    firsts = xp.gather(rows, 0, xp.expand(xp.reshape(starts, (count, 1)), (count, m)))
    lengths = xp.sub(xp.concatenate([xp.getitem(starts, (slice(1, None),)), xp.full((1,), n, int64)], 0), starts)
    inverse = runs.run if order is None else xp.scatter_reduce(xp.zeros((n,), int64), 0, order, runs.run, "sum")
    return firsts, inverse, lengths

def _unique(input, return_inverse, return_counts, dim, op, sort):
    check_tensor(input, "input", op)
    check_bool(return_inverse, "return_inverse", op)
    check_bool(return_counts, "return_counts", op)
    xp = input.xp
    if dim is None:
        rows, moved = xp.reshape(input._data, (input.numel(), 1)), None
    else:
        if input.ndim == 0:
            raise IndexError(f"{op}: dim={dim!r} names a dim, and a 0-d tensor has none: pass dim=None")
        axis = normalize_dim(dim, input.ndim)
        moved = (axis,) + tuple(a for a in range(input.ndim) if a != axis)
        permuted = xp.permute(input._data, moved)
        n, m = input.shape[axis], math.prod(permuted.shape[1:])
        if n and not m:
            raise ValueError(f"{op}: dim={dim} leaves the other dims of shape {tuple(input.shape)} empty: there are "
                             "no slices to compare (a 0-sized dim can only be the one named)")
        rows = xp.reshape(permuted, (n, m))
    n, m = rows.shape
    if n == 0:
        firsts, inverse, lengths = rows, xp.zeros((0,), int64), xp.zeros((0,), int64)
    else:
        firsts, inverse, lengths = _distinct_rows(xp, rows, sort)
    if moved is None:
        values, inverse = xp.reshape(firsts, (firsts.shape[0],)), xp.reshape(inverse, input.shape)
    else:
        values = xp.reshape(firsts, (firsts.shape[0],) + tuple(input.shape[a] for a in moved[1:]))
        values = xp.permute(values, tuple(int(a) for a in np.argsort(moved)))
    out = [Tensor._wrap(values, input.device)]
    if return_inverse:
        out.append(Tensor._wrap(inverse, input.device))
    if return_counts:
        out.append(Tensor._wrap(lengths, input.device))
    return out[0] if len(out) == 1 else tuple(out)

def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements of input in ascending order (or its distinct slices along `dim`, in lexicographic
    order); with return_inverse, the position of each element (slice) among them, and with return_counts how often
    each occurs. The result is sorted whatever `sorted` says, as PyTorch's CPU result is. NaNs are distinct."""
    check_bool(sorted, "sorted", "unique")
    return _unique(input, return_inverse, return_counts, dim, "unique", sort=True)

def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """unique of each run of consecutive equal elements (or slices along `dim`), in input order."""
    return _unique(input, return_inverse, return_counts, dim, "unique_consecutive", sort=False)

# --- searching -------------------------------------------------------------------------------------------------
def _right(right, side, op):
    """`side` ('left' or 'right'), when given, says the same as `right` and wins over its default."""
    check_bool(right, "right", op)
    if side is None:
        return right
    check_choice(side, "side", op, ("left", "right"))
    if right and side == "left":
        raise ValueError(f"{op}: side='left' and right=True ask for opposite sides: pass one of them")
    return side == "right"

def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """For each value of input, the index where it would go in the innermost dim of sorted_sequence to keep it
    sorted: before the elements equal to it, or after them with right=True (side='right'). A 1-d sequence serves
    every value; otherwise its leading dims must be input's. `sorter` holds the indices that sort an unsorted
    sequence (argsort's). Comparisons are PyTorch's: a NaN value goes after every element."""
    op = "searchsorted"
    check_tensor(sorted_sequence, "sorted_sequence", op)
    check_bool(out_int32, "out_int32", op)
    right = _right(right, side, op)
    if sorted_sequence.ndim == 0:
        raise ValueError(f"{op}: sorted_sequence must have at least 1 dim, got a 0-d tensor")
    if not isinstance(input, Tensor):
        if not isinstance(input, numbers.Real):
            raise TypeError(f"{op}: input must be a Tensor or a number, got {described(input)}")
        if sorted_sequence.ndim != 1:
            raise ValueError(f"{op}: a number input needs a 1-d sorted_sequence, got one of shape "
                             f"{tuple(sorted_sequence.shape)}")
        # a number takes the sequence's dtype where it can, as PyTorch's numbers do: 0.1 stays float64's 0.1
        promoted, value = promote(sorted_sequence, input)
        input = Tensor(value, dtype=promoted.dtype, device=sorted_sequence.device)
    elif sorted_sequence.ndim > 1 and tuple(sorted_sequence.shape[:-1]) != tuple(input.shape[:-1]):
        raise ValueError(f"{op}: sorted_sequence of shape {tuple(sorted_sequence.shape)} and input of shape "
                         f"{tuple(input.shape)} must agree in every dim but the last (or the sequence be 1-d)")
    sequence = _sorted_by(sorted_sequence, sorter, op)
    dtype = result_dtype(sequence.dtype, input.dtype)
    if dtype == bool_:
        raise TypeError(f"{op}: bool sequences and values are not supported, as in PyTorch: cast with .int() first")
    xp, n = sequence.xp, sequence.shape[-1]
    rows = xp.reshape(cast(sequence, dtype)._data, (math.prod(sequence.shape[:-1]), n))
    values = xp.reshape(cast(input, dtype)._data,
                        (1, input.numel()) if sequence.ndim == 1 else (rows.shape[0], input.shape[-1]))
    out = xp.reshape(xp.searchsorted(rows, values, right), input.shape)
    return Tensor._wrap(xp.astype(out, int32) if out_int32 else out, input.device)

def _sorted_by(sequence, sorter, op):
    """The sequence itself, or picked in the order of `sorter`: int64 indices of its shape, each in range."""
    if sorter is None:
        return sequence
    check_tensor(sorter, "sorter", op)
    if sorter.dtype != int64:
        raise TypeError(f"{op}: sorter must be an int64 tensor (argsort's indices), got {sorter.dtype}")
    if tuple(sorter.shape) != tuple(sequence.shape):
        raise ValueError(f"{op}: sorter of shape {tuple(sorter.shape)} must have sorted_sequence's shape "
                         f"{tuple(sequence.shape)}")
    if sorter.numel():
        low, high = int(sorter.min()), int(sorter.max())
        if low < 0 or high >= sequence.shape[-1]:
            raise ValueError(f"{op}: sorter holds the index {low if low < 0 else high}, out of range for a "
                             f"sequence of length {sequence.shape[-1]}")
    return Tensor._wrap(sequence.xp.gather(sequence._data, sequence.ndim - 1, sorter._data), sequence.device)

def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The index of the bucket of each value of input, between the 1-d sorted `boundaries`: i with
    boundaries[i - 1] < x <= boundaries[i] (boundaries[i - 1] <= x < boundaries[i] with right=True)."""
    check_tensor(boundaries, "boundaries", "bucketize")
    if boundaries.ndim != 1:
        raise ValueError(f"bucketize: boundaries must be 1-d, got a tensor of shape {tuple(boundaries.shape)}")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
