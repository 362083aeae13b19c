"""Gather, scatter, the index ops (index_select/add/copy/fill, masked_select/scatter, take, take_along_dim, put,
nonzero) and the movement ops (narrow, tril/triu, diagonals, trace, repeat_interleave, movedim, rot90, splitting,
stacking, broadcasting, Tensor.unfold, unflatten) against plain-loop references and numpy, over random shapes,
dims and indices, on each device; float64 gradients against finite differences; special values, the in-place
forms' autograd rules and bad inputs; PyTorch as an extra oracle where it is installed."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_pool as tp
from tinygrad_pool.gradcheck import gradcheck
from conftest import assert_bad_input, tolerance

NAN, INF = float("nan"), float("inf")

def tensor(array, device, grad=False):
    return tp.tensor(np.asarray(array), device=device, requires_grad=grad)

def close(ours, expected, dtype=np.float32):
    np.testing.assert_allclose(ours.numpy(), expected, **tolerance(dtype), equal_nan=True)

# --- plain-loop references --------------------------------------------------------------------------------------
def target_of(position, dim, index):
    """The position that element `position` of an index box reaches along dim."""
    target = list(position)
    target[dim] = int(index[position])
    return tuple(target)

def gather_reference(x, dim, index):
    out = np.empty(index.shape, x.dtype)
    for position in np.ndindex(*index.shape):
        out[position] = x[target_of(position, dim, index)]
    return out

def combined(values, reduce, dtype):
    """values reduced as scatter_reduce reduces them: in order, NaN winning amax and amin."""
    if reduce == "assign":
        return values[-1]
    if reduce == "sum":
        return sum(values[1:], values[0])
    if reduce == "prod":
        return math.prod(values[1:], start=values[0])
    if reduce == "mean":
        total = sum(values[1:], values[0])
        return total // len(values) if np.dtype(dtype).kind in "iu" else total / np.asarray(len(values), dtype)
    if any(value != value for value in values):
        return values[[value != value for value in values].index(True)]
    return max(values) if reduce == "amax" else min(values)

def scatter_reference(x, dim, index, src, reduce, include_self=True):
    """x with src's index-shaped box reduced in at index along dim (reduce 'assign' keeps the last value)."""
    arrivals = {}
    for position in np.ndindex(*index.shape):
        arrivals.setdefault(target_of(position, dim, index), []).append(src[position])
    out = x.copy()
    for target, values in arrivals.items():
        start = [x[target]] if include_self and reduce != "assign" else []
        out[target] = combined(start + values, reduce, x.dtype)
    return out

def index_scatter_reference(x, dim, index, source, accumulate):
    """x with source's slice l along dim written (or added) at index[l]."""
    out = x.copy()
    for position in np.ndindex(*source.shape):
        target = target_of(position, dim, np.broadcast_to(index.reshape((1,) * dim + (-1,) + (1,) * (
            source.ndim - dim - 1)), source.shape))
        out[target] = out[target] + source[position] if accumulate else source[position]
    return out

def masked_select_reference(x, mask):
    shape = np.broadcast_shapes(x.shape, mask.shape)
    x, mask = np.broadcast_to(x, shape), np.broadcast_to(mask, shape)
    return np.array([x[p] for p in np.ndindex(*shape) if mask[p]], x.dtype)

def masked_scatter_reference(x, mask, source):
    shape = np.broadcast_shapes(x.shape, mask.shape)
    out, mask, taken = np.broadcast_to(x, shape).copy(), np.broadcast_to(mask, shape), 0
    for position in np.ndindex(*shape):
        if mask[position]:
            out[position] = source.reshape(-1)[taken]
            taken += 1
    return out

def nonzero_reference(x):
    return [list(position) for position in np.ndindex(*x.shape) if x[position] != 0]

def diag_embed_reference(x, offset):
    size = x.shape[-1] + abs(offset)
    out = np.zeros(x.shape[:-1] + (size, size), x.dtype)
    for position in np.ndindex(*x.shape):
        *lead, i = position
        out[tuple(lead) + (i + max(-offset, 0), i + max(offset, 0))] = x[position]
    return out

# --- strategies -------------------------------------------------------------------------------------------------
values = st.floats(-4, 4, width=32)

def elements_of(dtype):
    """Small values of dtype: sums and products stay exact and in range."""
    if dtype == np.bool_:
        return st.booleans()
    return values if np.dtype(dtype).kind == "f" else st.integers(0 if dtype == np.uint8 else -5, 5)

@st.composite
def scatter_case(draw, dtypes=(np.float32,)):
    """(x, dim, index, src): an index no larger than x outside dim (any size along it), src at least as large as
    the index in every dim, indices drawn with repeats."""
    dtype = draw(st.sampled_from(dtypes))
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    axis = dim % len(shape)
    box = tuple(draw(st.integers(0, 4)) if d == axis else draw(st.integers(1, size)) for d, size in enumerate(shape))
    index = draw(hnp.arrays(np.int64, box, elements=st.integers(0, shape[axis] - 1)))
    src_shape = tuple(size + draw(st.integers(0, 1)) for size in box)
    elements = elements_of(dtype)
    x = draw(hnp.arrays(dtype, shape, elements=elements))
    src = draw(hnp.arrays(dtype, src_shape, elements=elements))
    return x, dim, index, src

@st.composite
def index_case(draw):
    """(x, dim, index, source): a 1-d index with repeats along dim and a source with len(index) slices."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    axis = dim % len(shape)
    index = draw(hnp.arrays(np.int64, draw(st.integers(0, 5)), elements=st.integers(0, shape[axis] - 1)))
    source_shape = shape[:axis] + (index.size,) + shape[axis + 1:]
    return (draw(hnp.arrays(np.float32, shape, elements=values)), dim, index,
            draw(hnp.arrays(np.float32, source_shape, elements=values)))

def box_of(index, src):
    return src[tuple(slice(0, size) for size in index.shape)]

# --- gather and scatter: values ---------------------------------------------------------------------------------
@given(case=scatter_case(dtypes=(np.float32, np.int64, np.bool_)), int32=st.booleans())
def test_gather_matches_the_loop_reference(device, case, int32):
    x, dim, index, _ = case
    index_t = tensor(index.astype(np.int32) if int32 else index, device)
    out = tp.gather(tensor(x, device), dim, index_t)
    assert out.dtype == x.dtype and out.shape == index.shape
    np.testing.assert_array_equal(out.numpy(), gather_reference(x, dim % x.ndim, index))
    np.testing.assert_array_equal(tensor(x, device).gather(dim, index_t).numpy(), out.numpy())

@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@given(case=scatter_case(dtypes=(np.float32, np.int64)), include_self=st.booleans())
def test_scatter_reduce_matches_the_loop_reference(device, reduce, case, include_self):
    x, dim, index, src = case
    out = tp.scatter_reduce(tensor(x, device), dim, tensor(index, device), tensor(src, device), reduce,
                            include_self=include_self)
    expected = scatter_reference(x, dim % x.ndim, index, box_of(index, src), reduce, include_self)
    assert out.dtype == x.dtype
    np.testing.assert_allclose(out.numpy(), expected, rtol=2e-6, atol=1e-5)

@given(case=scatter_case(dtypes=(np.float32, np.int32, np.uint8, np.bool_)))
def test_scatter_add_sums_repeated_indices(device, case):
    x, dim, index, src = case
    out = tp.scatter_add(tensor(x, device), dim, tensor(index, device), tensor(src, device))
    expected = scatter_reference(x, dim % x.ndim, index, box_of(index, src), "sum").astype(x.dtype)
    np.testing.assert_allclose(out.numpy(), expected, rtol=2e-6, atol=1e-5)
    added = tp.scatter(tensor(x, device), dim, tensor(index, device), tensor(src, device), reduce="add")
    np.testing.assert_allclose(added.numpy(), expected, rtol=2e-6, atol=1e-5)

@given(case=scatter_case(dtypes=(np.float32, np.int64)), fill=st.integers(-3, 3))
def test_scatter_writes_one_of_the_values_at_each_index(device, case, fill):
    """A repeated index keeps one of its values (unspecified which, as in PyTorch); others stay as they were."""
    x, dim, index, src = case
    axis = dim % x.ndim
    out = tp.scatter(tensor(x, device), dim, tensor(index, device), tensor(src, device)).numpy()
    with_value = tp.scatter(tensor(x, device), dim, tensor(index, device), value=fill + 0.5).numpy()
    arrivals = {}
    for position in np.ndindex(*index.shape):
        arrivals.setdefault(target_of(position, axis, index), set()).add(src[position])
    for position in np.ndindex(*x.shape):
        assert out[position] in arrivals.get(position, {x[position]})
        expected = np.asarray(fill + 0.5).astype(x.dtype) if position in arrivals else x[position]
        assert with_value[position] == expected

def test_scatter_keeps_the_last_value_on_the_cpu_and_multiply_multiplies():
    x = tp.zeros(1, 3)
    out = x.scatter(1, tp.tensor([[2, 2, 0]]), tp.tensor([[1.0, 2.0, 3.0]]))
    assert out.tolist() == [[3.0, 0.0, 2.0]]
    doubled = tp.ones(2, 2).scatter(0, tp.tensor([[1, 1]]), 3.0, reduce="multiply")
    assert doubled.tolist() == [[1.0, 1.0], [3.0, 3.0]]

def test_scatter_reduce_of_integers_rounds_the_mean_down_and_starts_from_the_extremes(device):
    x = tensor(np.array([-5, 7, 2], np.int64), device)
    index, src = tensor([0, 0, 1], device), tensor(np.array([0, 0, 8], np.int64), device)
    assert tp.scatter_reduce(x, 0, index, src, "mean").tolist() == [-2, 7, 2]    # -5 / 3 rounds to -2
    assert tp.scatter_reduce(x, 0, index, src, "amax", include_self=False).tolist() == [0, 8, 2]
    assert tp.scatter_reduce(x, 0, index, src, "amin", include_self=False).tolist() == [0, 8, 2]
    assert tp.scatter_reduce(x, 0, index, src, "prod", include_self=False).tolist() == [0, 8, 2]
    flags = tensor(np.array([False, True]), device)
    assert tp.scatter_reduce(flags, 0, tensor([1, 0], device), tensor(np.array([True, False]), device),
                             "amin").tolist() == [False, True]

# --- the index ops: values --------------------------------------------------------------------------------------
@given(case=index_case(), alpha=st.sampled_from([1, 2.5, -1]))
def test_index_ops_match_the_loop_reference(device, case, alpha):
    x, dim, index, source = case
    axis = dim % x.ndim
    t, i, s = tensor(x, device), tensor(index, device), tensor(source, device)
    np.testing.assert_array_equal(tp.index_select(t, dim, i).numpy(), np.take(x, index, axis))
    close(tp.index_add(t, dim, i, s, alpha=alpha), index_scatter_reference(x, axis, index, source * np.float32(alpha),
                                                                        True))
    unique = np.unique(index)   # index_copy's value at a repeated index is unspecified
    first = np.take(source, [list(index).index(u) for u in unique], axis)
    np.testing.assert_array_equal(tp.index_copy(t, dim, tensor(unique, device), tensor(first, device)).numpy(),
                                  index_scatter_reference(x, axis, unique, first, False))
    filled = x.copy()
    filled[(slice(None),) * axis + (index,)] = 7.5
    np.testing.assert_array_equal(tp.index_fill(t, dim, i, 7.5).numpy(), filled)
    np.testing.assert_array_equal(tp.index_fill(t, dim, i - x.shape[axis], tensor(7.5, device)).numpy(), filled)

def test_index_ops_take_int32_where_pytorch_does_and_0_d_indices(device):
    x = tensor(np.arange(12.0, dtype=np.float32).reshape(3, 4), device)
    for index in (tensor(np.array([2, 0], np.int32), device), tensor([2, 0], device)):
        assert x.index_select(1, index).tolist() == [[2.0, 0.0], [6.0, 4.0], [10.0, 8.0]]
        assert x.index_add(0, index, tp.ones(2, 4, device=device)).sum().item() == 66 + 8
    assert x.index_select(0, tensor(1, device)).shape == (1, 4)
    assert tp.index_select(tensor(3.0, device), 0, tensor(0, device)).shape == ()
    assert tp.index_add(tensor(3.0, device), 0, tensor([0], device), tensor(1.0, device)).item() == 4.0
    assert tp.gather(tensor(5.0, device), 0, tensor(0, device)).shape == ()
    assert tp.gather(tensor(5.0, device), 0, tensor([0, 0], device)).tolist() == [5.0, 5.0]
    ints = tensor(np.zeros(3, np.int64), device)
    assert ints.index_add(0, tensor([0, 1], device), tensor([1, 3], device), alpha=1.5).tolist() == [1, 3, 0]
    assert ints.index_fill(0, tensor([2], device), 5.7).tolist() == [0, 0, 5]

@st.composite
def masked_case(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
    mask_shape = tuple(draw(st.sampled_from([1, size])) for size in shape)[draw(st.integers(0, len(shape))):]
    return (draw(hnp.arrays(np.float32, shape, elements=values)), draw(hnp.arrays(np.bool_, mask_shape)))

@given(case=masked_case())
def test_masked_ops_match_the_loop_reference(device, case):
    x, mask = case
    t, m = tensor(x, device), tensor(mask, device)
    np.testing.assert_array_equal(tp.masked_select(t, m).numpy(), masked_select_reference(x, mask))
    source = np.arange(x.size + 3, dtype=np.float32) - 50
    np.testing.assert_array_equal(tp.masked_scatter(t, m, tensor(source, device)).numpy(),
                                  masked_scatter_reference(x, mask, source))
    np.testing.assert_array_equal(t.masked_select(m).numpy(), masked_select_reference(x, mask))

@given(x=hnp.arrays(np.float32, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4), elements=values),
       data=st.data())
def test_take_put_and_nonzero_match_the_loop_reference(device, x, data):
    flat = x.reshape(-1)
    t = tensor(x, device)
    if x.size:
        index = data.draw(hnp.arrays(np.int64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
                                     elements=st.integers(-x.size, x.size - 1)))
        np.testing.assert_array_equal(tp.take(t, tensor(index, device)).numpy(), flat[index])
        source = np.arange(index.size, dtype=np.float32) + 10
        added = flat.copy()
        np.add.at(added, index.reshape(-1), source)
        close(tp.put(t, tensor(index, device), tensor(source, device), accumulate=True), added.reshape(x.shape))
        positions = np.unique(index.reshape(-1) % x.size)
        written = flat.copy()
        written[positions] = -1.0
        close(t.clone().put_(tensor(positions, device), tensor(np.full(positions.size, -1.0, np.float32), device)),
              written.reshape(x.shape))
    sparse = np.where(x > 1, x, 0)
    assert tp.nonzero(tensor(sparse, device)).tolist() == (nonzero_reference(sparse) if x.ndim else
                                                           [[]] * int(sparse != 0))
    assert tp.argwhere(tensor(sparse, device)).shape == (np.count_nonzero(sparse), x.ndim)
    columns = tp.nonzero(tensor(sparse, device), as_tuple=True)
    assert len(columns) == max(x.ndim, 1) and all(c.dtype == tp.int64 for c in columns)
    if x.ndim:
        assert [c.tolist() for c in columns] == [list(c) for c in np.nonzero(sparse)]

@given(case=scatter_case(), data=st.data())
def test_take_along_dim_broadcasts_and_counts_negative_indices_from_the_end(device, case, data):
    x, dim, _, _ = case
    axis = dim % x.ndim
    shape = tuple(data.draw(st.sampled_from([1, size])) if d != axis else data.draw(st.integers(0, 3))
                  for d, size in enumerate(x.shape))
    indices = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(-x.shape[axis], x.shape[axis] - 1)))
    out = tp.take_along_dim(tensor(x, device), tensor(indices, device), dim)
    np.testing.assert_array_equal(out.numpy(), np.take_along_axis(x, indices % x.shape[axis], axis))
    flat = np.array([x.size - 1, 0, -1]) if x.size else np.zeros(0, np.int64)
    np.testing.assert_array_equal(tensor(x, device).take_along_dim(tensor(flat, device)).numpy(),
                                  x.reshape(-1)[flat])

# --- movement ---------------------------------------------------------------------------------------------------
@given(x=hnp.arrays(np.float32, hnp.array_shapes(min_dims=2, max_dims=4, max_side=4), elements=values),
       offset=st.integers(-4, 4), data=st.data())
def test_triangles_and_diagonals_match_numpy(device, x, offset, data):
    t = tensor(x, device)
    np.testing.assert_array_equal(tp.tril(t, offset).numpy(), np.tril(x, offset))
    np.testing.assert_array_equal(t.triu(offset).numpy(), np.triu(x, offset))
    dim1, dim2 = data.draw(st.lists(st.integers(-x.ndim, x.ndim - 1), min_size=2, max_size=2,
                                    unique_by=lambda d: d % x.ndim))
    np.testing.assert_array_equal(tp.diagonal(t, offset, dim1, dim2).numpy(), np.diagonal(x, offset, dim1, dim2))
    np.testing.assert_array_equal(tp.diag_embed(t, offset).numpy(), diag_embed_reference(x, offset))
    matrix = x.reshape(x.shape[0], -1)
    np.testing.assert_array_equal(tp.diag(tensor(matrix, device), offset).numpy(), np.diag(matrix, offset))
    np.testing.assert_array_equal(tp.diag(tensor(matrix[0], device), offset).numpy(), np.diag(matrix[0], offset))
    close(tp.trace(tensor(matrix, device)), np.trace(matrix))

@given(x=hnp.arrays(np.float32, hnp.array_shapes(min_dims=2, max_dims=3, max_side=4), elements=values),
       k=st.integers(-5, 5), data=st.data())
def test_rotations_flips_and_moved_dims_match_numpy(device, x, k, data):
    t = tensor(x, device)
    dims = data.draw(st.lists(st.integers(-x.ndim, x.ndim - 1), min_size=2, max_size=2,
                              unique_by=lambda d: d % x.ndim))
    np.testing.assert_array_equal(tp.rot90(t, k, dims).numpy(), np.rot90(x, k, dims))
    np.testing.assert_array_equal(tp.fliplr(t).numpy(), np.fliplr(x))
    np.testing.assert_array_equal(t.flipud().numpy(), np.flipud(x))
    source = data.draw(st.permutations(range(x.ndim)))[:data.draw(st.integers(1, x.ndim))]
    destination = data.draw(st.permutations(range(x.ndim)))[:len(source)]
    np.testing.assert_array_equal(tp.movedim(t, source, destination).numpy(), np.moveaxis(x, source, destination))
    np.testing.assert_array_equal(t.moveaxis(source[0], -1).numpy(), np.moveaxis(x, source[0], -1))
    np.testing.assert_array_equal(tp.swapaxes(t, *dims).numpy(), np.swapaxes(x, *dims))
    np.testing.assert_array_equal(t.swapdims(*dims).numpy(), np.swapaxes(x, *dims))
    np.testing.assert_array_equal(t.mT.numpy(), np.swapaxes(x, -1, -2))
    np.testing.assert_array_equal(tp.t(tensor(x[0], device)).numpy(), x[0].T)

@given(x=hnp.arrays(np.float32, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5), elements=values),
       data=st.data())
def test_splits_repeats_windows_and_narrowing_match_numpy(device, x, data):
    t = tensor(x, device)
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    axis, length = dim % x.ndim, x.shape[dim]
    sections = data.draw(st.integers(1, 6))
    assert [p.numpy().tolist() for p in tp.tensor_split(t, sections, dim)] == \
        [p.tolist() for p in np.array_split(x, sections, axis)]
    cuts = data.draw(st.lists(st.integers(-6, 6), max_size=3))
    assert [p.numpy().tolist() for p in t.tensor_split(cuts, dim)] == [p.tolist() for p in np.split(x, cuts, axis)]
    repeats = data.draw(hnp.arrays(np.int64, length, elements=st.integers(0, 2)))
    np.testing.assert_array_equal(tp.repeat_interleave(t, tensor(repeats, device), dim).numpy(),
                                  np.repeat(x, repeats, axis))
    np.testing.assert_array_equal(t.repeat_interleave(2).numpy(), np.repeat(x, 2))
    size, step = data.draw(st.integers(0, length)), data.draw(st.integers(1, 3))
    windows = np.lib.stride_tricks.sliding_window_view(x, size, axis)
    windows = windows[(slice(None),) * axis + (slice(None, None, step),)]
    np.testing.assert_array_equal(t.unfold(dim, size, step).numpy(), windows)
    start = data.draw(st.integers(-length, length))
    first = start + length if start < 0 else start
    count = data.draw(st.integers(0, length - first))
    np.testing.assert_array_equal(tp.narrow(t, dim, start, count).numpy(),
                                  x[(slice(None),) * axis + (slice(first, first + count),)])
    np.testing.assert_array_equal(t.unflatten(dim, (1, length, 1)).numpy(),
                                  x.reshape(x.shape[:axis] + (1, length, 1) + x.shape[axis + 1:]))

@given(shapes=st.lists(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3), min_size=1, max_size=3))
def test_stacking_atleast_and_broadcasting_match_numpy(device, shapes):
    arrays = [np.full(shape, i, np.float32) for i, shape in enumerate(shapes)]
    tensors = [tensor(a, device) for a in arrays]
    for ours, theirs in ((tp.atleast_1d, np.atleast_1d), (tp.atleast_2d, np.atleast_2d),
                         (tp.atleast_3d, np.atleast_3d)):
        results = ours(*tensors)
        results = (results,) if len(tensors) == 1 else results
        assert [r.shape for r in results] == [np.shape(theirs(a)) for a in arrays]
    for ours, theirs in ((tp.hstack, np.hstack), (tp.vstack, np.vstack), (tp.row_stack, np.vstack),
                         (tp.dstack, np.dstack), (tp.column_stack, np.column_stack)):
        try:
            expected = theirs(arrays)
        except ValueError:
            with pytest.raises(ValueError):
                ours(tensors)
            continue
        np.testing.assert_array_equal(ours(tensors).numpy(), expected)
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        with pytest.raises(ValueError):
            tp.broadcast_tensors(*tensors)
        return
    assert tp.broadcast_shapes(*shapes) == shape and isinstance(tp.broadcast_shapes(*shapes), tp.Size)
    for ours, array in zip(tp.broadcast_tensors(*tensors), arrays):
        np.testing.assert_array_equal(ours.numpy(), np.broadcast_to(array, shape))
    np.testing.assert_array_equal(tensors[0].broadcast_to(shape).numpy(), np.broadcast_to(arrays[0], shape))

def test_repeat_interleave_of_counts_alone_and_output_size(device):
    assert tp.repeat_interleave(tensor([2, 0, 1], device)).tolist() == [0, 0, 2]
    x = tensor(np.arange(6.0).reshape(2, 3), device)
    assert x.repeat_interleave(tensor(2, device), dim=1, output_size=6).shape == (2, 6)
    assert x.repeat_interleave(tensor(np.array([1, 2], np.int32), device), dim=0).tolist() == \
        [[0, 1, 2], [3, 4, 5], [3, 4, 5]]
    assert tp.repeat_interleave(tensor(3.0, device), 2).tolist() == [3.0, 3.0]

def test_small_movement_cases_follow_pytorch(device):
    v = tensor(np.arange(3.0, dtype=np.float32), device)
    x = tensor(np.arange(12.0, dtype=np.float32).reshape(3, 4), device)
    assert tp.t(v).tolist() == v.tolist() and tensor(1.0, device).mT.shape == ()
    assert tp.narrow(x, 1, tensor(1, device), 2).tolist() == [[1, 2], [5, 6], [9, 10]]
    assert tp.narrow(x, 1, 4, 0).shape == (3, 0)
    assert tp.rot90(x, 0).tolist() == x.tolist() and tp.diagonal(x, 5).shape == (0,)
    assert tp.trace(x.long()).dtype == tp.int64 and tp.trace(x.int()).dtype == tp.int64
    assert tensor(5.0, device).unfold(0, 1, 1).tolist() == [5.0]
    assert x.unfold(1, 0, 1).shape == (3, 5, 0)
    assert tp.hstack([tensor(1.0, device), tensor(2.0, device)]).tolist() == [1.0, 2.0]
    assert tp.column_stack([tensor(1.0, device), tensor(2.0, device)]).tolist() == [[1.0, 2.0]]
    assert tp.atleast_2d() == () and isinstance(tp.atleast_1d([v, v]), tuple)
    assert tp.vstack([v, v.long()]).dtype == tp.float32
    assert tp.tensor_split(tensor(np.arange(7), device), tensor(3, device))[0].tolist() == [0, 1, 2]
    assert [p.tolist() for p in tp.tensor_split(tensor(np.arange(7), device), indices=[1])] == [[0], [1, 2, 3, 4, 5, 6]]
    assert [p.tolist() for p in tp.tensor_split(tensor(np.arange(7), device), sections=2)] == [[0, 1, 2, 3], [4, 5, 6]]

def test_contiguous_makes_cpu_views_c_ordered():
    x = tp.arange(6.0).reshape(2, 3)
    assert x.is_contiguous() and not x.t().is_contiguous()
    copied = x.t().contiguous()
    assert copied.is_contiguous() and copied.tolist() == [[0, 3], [1, 4], [2, 5]]
    assert x.contiguous() is x
    leaf = tp.ones(2, 3, requires_grad=True)
    leaf.t().contiguous().sum().backward()
    assert leaf.grad.tolist() == [[1.0] * 3] * 2

# --- gradients --------------------------------------------------------------------------------------------------
def _float64(shape, seed, device, grad=True):
    return tensor(np.random.default_rng(seed).uniform(-2, 2, shape), device, grad)

GRADIENTS = {
    "gather": lambda d: (lambda x: tp.gather(x, 1, tensor([[0, 2], [1, 1]], d)), [(2, 3)]),
    "scatter": lambda d: (lambda x, s: tp.scatter(x, 1, tensor([[2, 0], [1, 0]], d), s), [(2, 3), (2, 3)]),
    "scatter with a value": lambda d: (lambda x: tp.scatter(x, 0, tensor([[1, 0, 1]], d), 2.0), [(2, 3)]),
    "scatter_add": lambda d: (lambda x, s: tp.scatter_add(x, 0, tensor([[1, 1], [0, 1]], d), s), [(2, 3), (3, 2)]),
    "scatter_reduce sum without self": lambda d: (lambda x, s: tp.scatter_reduce(
        x, 1, tensor([[2, 2, 0]], d), s, "sum", include_self=False), [(2, 3), (1, 3)]),
    "scatter_reduce mean": lambda d: (lambda x, s: tp.scatter_reduce(x, 1, tensor([[2, 2, 0]], d), s, "mean"),
                                      [(2, 3), (1, 3)]),
    "scatter_reduce mean without self": lambda d: (lambda x, s: tp.scatter_reduce(
        x, 1, tensor([[2, 2, 0]], d), s, "mean", include_self=False), [(2, 3), (1, 3)]),
    "scatter_reduce prod": lambda d: (lambda x, s: tp.scatter_reduce(x, 1, tensor([[2, 2, 0]], d), s, "prod"),
                                      [(2, 3), (1, 3)]),
    "scatter_reduce amax": lambda d: (lambda x, s: tp.scatter_reduce(x, 1, tensor([[2, 2, 0]], d), s, "amax"),
                                      [(2, 3), (1, 3)]),
    "scatter_reduce amin without self": lambda d: (lambda x, s: tp.scatter_reduce(
        x, 1, tensor([[2, 2, 0]], d), s, "amin", include_self=False), [(2, 3), (1, 3)]),
    "index_select": lambda d: (lambda x: tp.index_select(x, 1, tensor([2, 0, 2], d)), [(2, 3)]),
    "index_add": lambda d: (lambda x, s: tp.index_add(x, 0, tensor([1, 1, 0], d), s, alpha=-2), [(2, 3), (3, 3)]),
    "index_copy": lambda d: (lambda x, s: tp.index_copy(x, 1, tensor([2, 0], d), s), [(2, 3), (2, 2)]),
    "index_fill with a tensor value": lambda d: (lambda x, v: tp.index_fill(x, 1, tensor([2, 0, 2], d), v),
                                                 [(2, 3), ()]),
    "masked_select": lambda d: (lambda x: tp.masked_select(x, tensor([True, False, True], d)), [(2, 3)]),
    "masked_scatter": lambda d: (lambda x, s: tp.masked_scatter(x, tensor([[True], [False]], d), s),
                                 [(2, 3), (4,)]),
    "take": lambda d: (lambda x: tp.take(x, tensor([[5, -6], [5, 2]], d)), [(2, 3)]),
    "take_along_dim": lambda d: (lambda x: tp.take_along_dim(x, tensor([[0], [-1]], d), 1), [(2, 3)]),
    "put": lambda d: (lambda x, s: tp.put(x, tensor([4, 4, -1], d), s, accumulate=True), [(2, 3), (3,)]),
    "repeat_interleave": lambda d: (lambda x: tp.repeat_interleave(x, tensor([2, 0, 1], d), dim=1), [(2, 3)]),
    "unfold": lambda d: (lambda x: x.unfold(1, 2, 1), [(2, 3)]),
    "tril": lambda d: (lambda x: tp.tril(x, -1), [(3, 3)]),
    "diagonal": lambda d: (lambda x: tp.diagonal(x, 1, 0, 2), [(2, 2, 3)]),
    "diag_embed": lambda d: (lambda x: tp.diag_embed(x, -1, 0, 2), [(2, 2)]),
    "diag": lambda d: (lambda x: tp.diag(x, 1), [(3,)]),
    "trace": lambda d: (lambda x: tp.trace(x), [(2, 3)]),
    "rot90": lambda d: (lambda x: tp.rot90(x, 1, (1, 0)), [(2, 3)]),
    "narrow": lambda d: (lambda x: tp.narrow(x, 1, -2, 2), [(2, 3)]),
    "movedim": lambda d: (lambda x: tp.movedim(x, (0, 1), (2, 0)), [(2, 1, 3)]),
    "tensor_split": lambda d: (lambda x: tp.tensor_split(x, [1], 1)[1], [(2, 3)]),
    "dstack": lambda d: (lambda x, y: tp.dstack([x, y]), [(2, 3), (2, 3)]),
    "hstack": lambda d: (lambda x, y: tp.hstack([x, y]), [(3,), (2,)]),
    "broadcast_tensors": lambda d: (lambda x, y: tp.broadcast_tensors(x, y)[1], [(2, 3), (3,)]),
}

@pytest.mark.parametrize("name", GRADIENTS)
def test_gradients_match_finite_differences(device, name):
    fn, shapes = GRADIENTS[name](device)
    inputs = [_float64(shape, seed, device) for seed, shape in enumerate(shapes)]
    assert gradcheck(fn, inputs)

def test_gradients_follow_pytorchs_rules_at_zeros_ties_and_nan(device):
    """A product's gradient without dividing by its zero factor; ties of amax sharing it; a NaN result NaN."""
    x = tensor(np.array([[1.0, 2.0, 0.0, 3.0]]), device, grad=True)
    src = tensor(np.array([[2.0, 0.0, 5.0, 2.0]]), device, grad=True)
    index, g = tensor([[0, 0, 2, 3]], device), tensor(np.array([[1.0, 10.0, 100.0, 1000.0]]), device)
    tp.scatter_reduce(x, 1, index, src, "prod").backward(g)
    assert x.grad.tolist() == [[0.0, 10.0, 500.0, 2000.0]] and src.grad.tolist() == [[0.0, 2.0, 0.0, 3000.0]]
    x.grad = src.grad = None
    threes = tensor(np.full((1, 4), 3.0), device, grad=True)
    tp.scatter_reduce(x, 1, tensor([[0, 1, 1, 3]], device), threes, "amax").backward(g)   # 3 ties with 3 at the end
    assert x.grad.tolist() == [[0.0, 0.0, 100.0, 500.0]] and threes.grad.tolist() == [[1.0, 5.0, 5.0, 500.0]]
    x = tensor(np.array([[NAN, 2.0, 0.0, 3.0]]), device, grad=True)
    src = tensor(np.array([[2.0, NAN, 5.0, 2.0]]), device, grad=True)
    out = tp.scatter_reduce(x, 1, tensor([[0, 1, 1, 3]], device), src, "amax")
    out.backward(g)
    np.testing.assert_array_equal(out.numpy(), [[NAN, NAN, 0.0, 3.0]])
    np.testing.assert_array_equal(x.grad.numpy(), [[NAN, NAN, 100.0, 1000.0]])
    np.testing.assert_array_equal(src.grad.numpy(), [[NAN, NAN, NAN, 0.0]])

def test_a_source_larger_than_the_index_gets_zero_gradient_outside_it(device):
    x, src = _float64((2, 3), 0, device), _float64((3, 4), 1, device)
    tp.scatter(x, 0, tensor([[1, 0]], device), src).sum().backward()
    assert src.grad.tolist() == [[1.0, 1.0, 0.0, 0.0], [0.0] * 4, [0.0] * 4]
    assert x.grad.tolist() == [[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]

# --- special values -------------------------------------------------------------------------------------------
def test_special_values_follow_pytorch(device):
    x = tensor(np.array([[NAN, -0.0, INF], [-INF, 1.0, 0.0]], np.float32), device)
    np.testing.assert_array_equal(tp.gather(x, 1, tensor([[1, 0], [2, 1]], device)).numpy(), [[-0.0, NAN], [0.0, 1.0]])
    assert np.signbit(tp.gather(x, 1, tensor([[1]], device)).numpy()).all()
    index, src = tensor([[0, 0, 0]], device), tensor(np.array([[1.0, NAN, 5.0]], np.float32), device)
    ones = tensor(np.ones((1, 3), np.float32), device)
    for reduce in ("amax", "amin"):
        assert np.isnan(tp.scatter_reduce(ones, 1, index, src, reduce).numpy()[0, 0])
    product = tp.scatter_reduce(tensor(np.array([INF, 1.0], np.float32), device), 0, tensor([0], device),
                                tensor(np.array([0.0], np.float32), device), "prod")
    assert np.isnan(product.numpy()[0])
    kept = tp.tril(tensor(np.array([[-0.0, NAN], [NAN, -0.0]], np.float32), device))
    np.testing.assert_array_equal(kept.numpy(), [[-0.0, 0.0], [NAN, -0.0]])
    assert np.signbit(kept.numpy()[0, 0]) and not np.signbit(kept.numpy()[0, 1])
    assert tp.nonzero(tensor(np.array([NAN, -0.0, 0.0, INF], np.float32), device)).tolist() == [[0], [3]]

def test_special_values_and_gradients_match_pytorch(device):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    base = rng.uniform(-2, 2, (3, 4))
    base[0, 1], base[1, 2], base[2, 0], base[2, 3] = NAN, INF, -0.0, -INF
    src_values = rng.uniform(-2, 2, (3, 4))
    src_values[0, 0], src_values[1, 1] = NAN, 0.0
    index = np.array([[0, 0, 3], [1, 2, 1], [3, 3, 3]])
    cases = {
        "gather": lambda m, x, s, i: m.gather(x, 1, i),
        "scatter": lambda m, x, s, i: m.scatter(x, 0, i[:2, :1], s[:2, :1]),
        "scatter_add": lambda m, x, s, i: m.scatter_add(x, 1, i, s[:, :3]),
        "index_select": lambda m, x, s, i: m.index_select(x, 1, i[0]),
        "index_add": lambda m, x, s, i: m.index_add(x, 1, i[2], s[:, :3], alpha=0.5),
        "index_copy": lambda m, x, s, i: m.index_copy(x, 0, i[1][:2], s[:2]),
        "index_fill": lambda m, x, s, i: m.index_fill(x, 1, i[1], -1.5),
        "masked_select": lambda m, x, s, i: m.masked_select(x, s > 0),
        "masked_scatter": lambda m, x, s, i: m.masked_scatter(x, s > 0, s * 3),
        "take": lambda m, x, s, i: m.take(x, i - 2),
        "take_along_dim": lambda m, x, s, i: m.take_along_dim(x, i - 2, 1),
        "tril": lambda m, x, s, i: m.tril(x, 1),
        "diag_embed": lambda m, x, s, i: m.diag_embed(x, 1),
        "diagonal": lambda m, x, s, i: m.diagonal(x, -1),
        "repeat_interleave": lambda m, x, s, i: m.repeat_interleave(x, 2, dim=0),
        "unfold": lambda m, x, s, i: x.unfold(1, 2, 2),
        "rot90": lambda m, x, s, i: m.rot90(x, 3),
    }
    def reduced(reduce, keep):
        return lambda m, x, s, i: m.scatter_reduce(x, 1, i, s[:, :3], reduce, include_self=keep)

    cases.update({f"scatter_reduce {reduce}{'' if keep else ' without self'}": reduced(reduce, keep)
                  for reduce in ("sum", "prod", "mean", "amax", "amin") for keep in (True, False)})
    for name, call in cases.items():
        results = []
        for module, make in ((tp, lambda a, grad=False: tensor(a, device, grad)),
                             (torch, lambda a, grad=False: torch.tensor(a, requires_grad=grad))):
            x, s = make(base, True), make(src_values, True)
            out = call(module, x, s, make(index))
            out.backward(make(np.arange(out.numel(), dtype=np.float64).reshape(tuple(out.shape)) % 5 - 2))
            grads = [t.grad.numpy() if t.grad is not None else np.zeros(t.shape) for t in (x, s)]
            results.append([out.detach().numpy()] + grads)
        for ours, theirs, what in zip(*results, ("value", "input gradient", "src gradient")):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12, equal_nan=True, err_msg=f"{name} {what}")

# --- in place -----------------------------------------------------------------------------------------------------
IN_PLACE = {
    "scatter_": (lambda t, d: t.scatter_(1, tensor([[1, 0]], d), tensor(np.full((1, 2), 9.0), d)),
                 lambda t, d: tp.scatter(t, 1, tensor([[1, 0]], d), tensor(np.full((1, 2), 9.0), d))),
    "scatter_ with a value": (lambda t, d: t.scatter_(1, tensor([[2]], d), 4.0, reduce="add"),
                              lambda t, d: tp.scatter(t, 1, tensor([[2]], d), 4.0, reduce="add")),
    "scatter_add_": (lambda t, d: t.scatter_add_(0, tensor([[1, 1, 1]], d), tensor(np.ones((1, 3)), d)),
                     lambda t, d: tp.scatter_add(t, 0, tensor([[1, 1, 1]], d), tensor(np.ones((1, 3)), d))),
    "scatter_reduce_": (lambda t, d: t.scatter_reduce_(1, tensor([[0, 0]], d), tensor(np.ones((1, 2)), d), "amax",
                                                       include_self=False),
                        lambda t, d: tp.scatter_reduce(t, 1, tensor([[0, 0]], d), tensor(np.ones((1, 2)), d),
                                                       "amax", include_self=False)),
    "index_add_": (lambda t, d: t.index_add_(1, tensor([2, 2], d), tensor(np.ones((2, 2)), d), alpha=3),
                   lambda t, d: tp.index_add(t, 1, tensor([2, 2], d), tensor(np.ones((2, 2)), d), alpha=3)),
    "index_copy_": (lambda t, d: t.index_copy_(0, tensor([1], d), tensor(np.ones((1, 3)), d)),
                    lambda t, d: tp.index_copy(t, 0, tensor([1], d), tensor(np.ones((1, 3)), d))),
    "index_fill_": (lambda t, d: t.index_fill_(1, tensor([0], d), -1.0),
                    lambda t, d: tp.index_fill(t, 1, tensor([0], d), -1.0)),
    "masked_scatter_": (lambda t, d: t.masked_scatter_(tensor([True, False, True], d), tensor(np.arange(6.0), d)),
                        lambda t, d: tp.masked_scatter(t, tensor([True, False, True], d), tensor(np.arange(6.0), d))),
    "put_": (lambda t, d: t.put_(tensor([-1, 0], d), tensor([5.0, 6.0], d).double(), accumulate=True),
             lambda t, d: tp.put(t, tensor([-1, 0], d), tensor([5.0, 6.0], d).double(), accumulate=True)),
    "tril_": (lambda t, d: t.tril_(), lambda t, d: tp.tril(t)),
    "triu_": (lambda t, d: t.triu_(1), lambda t, d: tp.triu(t, 1)),
}

@pytest.mark.parametrize("name", IN_PLACE)
def test_in_place_forms_write_the_out_of_place_result_and_follow_the_autograd_rules(device, name):
    in_place, out_of_place = IN_PLACE[name]
    values = np.arange(6.0).reshape(2, 3)
    target = tensor(values, device)
    before = target
    assert in_place(target, device) is before
    np.testing.assert_array_equal(target.numpy(), out_of_place(tensor(values, device), device).numpy())
    leaf = tensor(values, device, grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        in_place(leaf, device)
    with tp.no_grad():
        in_place(leaf, device)   # as an optimizer would
    weights = tensor(values + 1, device, grad=True)
    hidden = weights * 2
    in_place(hidden, device)
    hidden.sum().backward()
    expected = tensor(values + 1, device, grad=True)
    out_of_place(expected * 2, device).sum().backward()
    np.testing.assert_array_equal(weights.grad.numpy(), expected.grad.numpy())
    saved = tensor(values, device, grad=True) * 1
    used = saved * saved   # keeps `saved` for its backward
    in_place(saved, device)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        used.sum().backward()

# --- the CPU kernel's columns and the CUDA kernel's kinds ------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, 2])
def test_a_large_scatter_splits_its_columns_among_threads_and_matches_add_at(dim):
    rng = np.random.default_rng(dim)
    shape = (37, 45, 29)
    box = tuple(size if d == dim else size - 3 for d, size in enumerate(shape))
    index = rng.integers(0, shape[dim], box)
    src = rng.standard_normal(box).astype(np.float32)
    expected = np.zeros(shape, np.float32)
    np.add.at(expected, tuple(index if d == dim else np.arange(s).reshape((-1,) + (1,) * (len(box) - d - 1))
                              for d, s in enumerate(box)), src)
    out = tp.scatter_add(tp.zeros(*shape), dim, tp.tensor(index), tp.tensor(src))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-5)
    rows = rng.integers(0, shape[dim], 200)
    source = rng.standard_normal(shape[:dim] + (200,) + shape[dim + 1:]).astype(np.float32)
    expected = np.zeros(shape, np.float32)
    np.add.at(expected, (slice(None),) * dim + (rows,), source)
    added = tp.index_add(tp.zeros(*shape), dim, tp.tensor(rows), tp.tensor(source))
    np.testing.assert_allclose(added.numpy(), expected, rtol=1e-5, atol=1e-5)

def test_sums_of_types_without_an_atomic_add_and_the_column_reductions(device):
    for dtype in (np.uint8, np.bool_, np.int32, np.float64):
        x = np.array([[1, 0, 250], [0, 0, 1]]).astype(dtype)
        index, src = np.array([[2, 2, 0], [1, 1, 1]]), np.full((2, 3), 9).astype(dtype)
        for reduce in ("sum", "prod", "amax", "amin"):
            out = tp.scatter_reduce(tensor(x, device), 1, tensor(index, device), tensor(src, device), reduce)
            with np.errstate(over="ignore"):   # uint8 wraps, as in PyTorch
                expected = scatter_reference(x, 1, index, src, reduce).astype(dtype)
            np.testing.assert_array_equal(out.numpy(), expected, err_msg=f"{dtype.__name__} {reduce}")

# --- bad inputs ---------------------------------------------------------------------------------------------------
x, v = tp.tensor(np.arange(12.0, dtype=np.float32).reshape(3, 4)), tp.tensor([1.0, 2.0, 3.0])
i22 = tp.tensor([[0, 1], [2, 0]])

BAD = {
    "gather of a list": (lambda: tp.gather([1.0], 0, i22), TypeError, "gather: input must be a Tensor"),
    "gather with a float index": (lambda: tp.gather(x, 1, i22.float()), TypeError,
                                  "gather(): expected dtype int32/int64 for index, got float32"),
    "gather with a bool index": (lambda: tp.gather(x, 1, i22 > 0), TypeError, "int32/int64 for index, got bool"),
    "gather with a float dim": (lambda: tp.gather(x, 1.0, i22), TypeError, "dim must be an int, got 1.0"),
    "gather along dim 2 of a matrix": (lambda: tp.gather(x, 2, i22), IndexError, "dim=2 is out of range"),
    "gather with a 1-d index": (lambda: tp.gather(x, 1, tp.tensor([0])), ValueError,
                                "same number of dimensions as input"),
    "gather with an index too tall": (lambda: tp.gather(x, 1, tp.zeros(4, 1, dtype=tp.int64)), ValueError,
                                      "no larger than input of shape (3, 4) apart from dimension 1"),
    "gather at 4 of size 4": (lambda: tp.gather(x, 1, tp.tensor([[0, 4]])), IndexError,
                              "gather(): index 4 is out of bounds for dimension 1 with size 4"),
    "gather at -1": (lambda: tp.gather(x, 1, tp.tensor([[0, -1]])), IndexError, "index -1 is out of bounds"),
    "gather with sparse_grad 1": (lambda: tp.gather(x, 1, i22, sparse_grad=1), TypeError,
                                  "sparse_grad must be True or False"),
    "scatter with both src and value": (lambda: tp.scatter(x, 1, i22, src=tp.ones(2, 2), value=3), TypeError,
                                        "exactly one of src"),
    "scatter with neither": (lambda: tp.scatter(x, 1, i22), TypeError, "exactly one of src"),
    "scatter with a string value": (lambda: tp.scatter(x, 1, i22, "a"), TypeError, "value must be a number, got 'a'"),
    "scatter of inf into int64": (lambda: tp.scatter(x.long(), 1, i22, INF), ValueError, "value=inf has no int64"),
    "scatter with a float64 src": (lambda: tp.scatter(x, 1, i22, tp.ones(2, 2, dtype=tp.float64)), TypeError,
                                   "expected src of input's dtype float32, got float64"),
    "scatter with a small src": (lambda: tp.scatter(x, 1, i22, tp.ones(1, 1)), ValueError,
                                 "no larger than src of shape (1, 1) in every dimension"),
    "scatter with a 0-d src": (lambda: tp.scatter(x, 1, i22, tp.tensor(2.0)), ValueError,
                               "same number of dimensions as src"),
    "scatter with reduce mean": (lambda: tp.scatter(x, 1, i22, tp.ones(2, 2), reduce="mean"), ValueError,
                                 "reduce='mean': use 'add' or 'multiply'"),
    "scatter at 5": (lambda: tp.scatter(x, 1, tp.tensor([[5]]), 1.0), IndexError,
                     "scatter(): index 5 is out of bounds for dimension 1 with size 4"),
    "scatter_add of a number": (lambda: tp.scatter_add(x, 1, i22, 1.0), TypeError, "src must be a Tensor"),
    "scatter_add at -1": (lambda: tp.scatter_add(x, 1, tp.tensor([[-1]]), tp.ones(1, 1)), IndexError,
                          "scatter_add(): index -1 is out of bounds"),
    "scatter_reduce with reduce 'max'": (lambda: tp.scatter_reduce(x, 1, i22, tp.ones(2, 2), "max"), ValueError,
                                         "reduce='max': use 'sum', 'prod', 'mean', 'amax' or 'amin'"),
    "scatter_reduce with include_self 1": (lambda: tp.scatter_reduce(x, 1, i22, tp.ones(2, 2), "sum",
                                                                     include_self=1), TypeError,
                                           "include_self must be True or False"),
    "scatter_reduce mean of bools": (lambda: tp.scatter_reduce(x > 1, 1, i22, tp.ones(2, 2) > 0, "mean"),
                                     TypeError, "not defined for bool"),
    "index_select with a 2-d index": (lambda: tp.index_select(x, 1, tp.tensor([[0, 1]])), ValueError,
                                      "index must be a vector (1-d) or a scalar, got shape (1, 2)"),
    "index_select with a uint8 index": (lambda: tp.index_select(x, 1, tp.tensor([0], dtype=tp.uint8)), TypeError,
                                        "int32/int64 for index, got uint8"),
    "index_select at 4": (lambda: tp.index_select(x, 1, tp.tensor([0, 4])), IndexError,
                          "index_select(): index 4 is out of bounds for dimension 1 with size 4"),
    "index_select of a scalar at two places": (lambda: tp.index_select(tp.tensor(3.0), 0, tp.tensor([0, 0])),
                                               ValueError, "a 0-d input takes one index, got 2"),
    "index_add with a short source": (lambda: tp.index_add(x, 1, tp.tensor([0, 0]), tp.ones(3, 3)), ValueError,
                                      "with 2 (the number of indices) along dim 1, i.e. (3, 2)"),
    "index_add with a float64 source": (lambda: tp.index_add(x, 1, tp.tensor([0]), tp.ones(3, 1, dtype=tp.float64)),
                                        TypeError, "expected source of input's dtype float32, got float64"),
    "index_add with a string alpha": (lambda: tp.index_add(x, 1, tp.tensor([0]), tp.ones(3, 1), alpha="2"),
                                      TypeError, "alpha must be a number"),
    "index_add at 9": (lambda: tp.index_add(x, 1, tp.tensor([0, 9]), tp.ones(3, 2)), IndexError,
                       "index 9 is out of bounds for dimension 1 with size 4"),
    "index_copy with an int32 index": (lambda: tp.index_copy(x, 1, tp.tensor([0], dtype=tp.int32), tp.ones(3, 1)),
                                       TypeError, "index_copy(): expected dtype int64 for index, got int32"),
    "index_fill with an int32 index": (lambda: tp.index_fill(x, 1, tp.tensor([0], dtype=tp.int32), 5), TypeError,
                                       "index_fill(): expected dtype int64 for index"),
    "index_fill with a 1-d value": (lambda: tp.index_fill(x, 1, tp.tensor([0]), tp.tensor([5.0])), ValueError,
                                    "value must be a number or a 0-d tensor"),
    "index_fill at -5": (lambda: tp.index_fill(x, 1, tp.tensor([-5]), 1.0), IndexError,
                         "index -5 is out of bounds for dimension 1 with size 4"),
    "masked_select with an int mask": (lambda: tp.masked_select(x, (x > 5).long()), TypeError,
                                       "mask must be a bool tensor, got int64"),
    "masked_select with a mask that does not broadcast": (lambda: tp.masked_select(x, tp.ones(3, 3) > 0),
                                                          ValueError, "do not broadcast"),
    "masked_scatter with too few values": (lambda: tp.masked_scatter(x, x > 9, tp.tensor([1.0])), ValueError,
                                           "source has 1 elements, fewer than the 2 places"),
    "masked_scatter with int64 values": (lambda: tp.masked_scatter(x, x > 9, tp.tensor([1, 2])), TypeError,
                                         "expected source of input's dtype float32, got int64"),
    "masked_scatter_ growing the tensor": (lambda: x.clone().masked_scatter_(tp.ones(2, 3, 4) > 0,
                                                                             tp.ones(24)), ValueError,
                                           "does not fit the tensor of shape (3, 4)"),
    "take at 12 of 12": (lambda: tp.take(x, tp.tensor([0, 12])), IndexError,
                         "take(): index 12 is out of range: tried to access it on a tensor of 12 elements"),
    "take at -13": (lambda: tp.take(x, tp.tensor([-13])), IndexError, "index -13 is out of range"),
    "take of an empty tensor": (lambda: tp.take(tp.zeros(0), tp.tensor([0])), IndexError, "of 0 elements"),
    "take with an int32 index": (lambda: tp.take(x, tp.tensor([0], dtype=tp.int32)), TypeError,
                                 "take(): expected dtype int64 for index, got int32"),
    "put with a short source": (lambda: x.clone().put_(tp.tensor([0, 1]), tp.tensor([9.0])), ValueError,
                                "source.numel() = 1 and index.numel() = 2"),
    "put with float64 values": (lambda: tp.put(x, tp.tensor([0]), tp.tensor([9.0], dtype=tp.float64)), TypeError,
                                "expected source of input's dtype float32"),
    "put with accumulate 1": (lambda: tp.put(x, tp.tensor([0]), tp.tensor([9.0]), accumulate=1), TypeError,
                              "accumulate must be True or False"),
    "take_along_dim with int32 indices": (lambda: tp.take_along_dim(x, tp.tensor([[0]], dtype=tp.int32), 1),
                                          TypeError, "expected dtype int64 for indices, got int32"),
    "take_along_dim with fewer dims": (lambda: tp.take_along_dim(x, tp.tensor([0, 1]), 0), ValueError,
                                       "same number of dimensions, got 2 and 1"),
    "take_along_dim at 5 of 4": (lambda: tp.take_along_dim(x, tp.tensor([[0], [1], [5]]), 1), IndexError,
                                 "index 5 is out of bounds for dimension 1 with size 4"),
    "take_along_dim with rows that do not broadcast": (lambda: tp.take_along_dim(x, tp.tensor([[0], [1]]), 1),
                                                       ValueError, "(3,) and (2,) do not broadcast"),
    "nonzero with as_tuple 1": (lambda: tp.nonzero(x, as_tuple=1), TypeError, "as_tuple must be True or False"),
    "argwhere of a list": (lambda: tp.argwhere([1]), TypeError, "argwhere: input must be a Tensor"),
    "repeat_interleave with negative repeats": (lambda: tp.repeat_interleave(x, -1), ValueError,
                                                "repeats must be non-negative, got -1"),
    "repeat_interleave with a float repeat": (lambda: tp.repeat_interleave(x, 2.0), TypeError,
                                              "repeats must be an int, got 2.0"),
    "repeat_interleave with float repeats": (lambda: tp.repeat_interleave(x, tp.tensor([2.0]), dim=1), TypeError,
                                             "repeats must be an int64 or int32 tensor, got float32"),
    "repeat_interleave with 2 repeats for 3 rows": (lambda: tp.repeat_interleave(x, tp.tensor([1, 0]), dim=0),
                                                    ValueError, "one entry or one per slice along the dim (3), got 2"),
    "repeat_interleave with 2-d repeats": (lambda: tp.repeat_interleave(x, tp.tensor([[2]]), dim=1), ValueError,
                                           "a 0-d or 1-d tensor, got shape (1, 1)"),
    "repeat_interleave with the wrong output_size": (lambda: tp.repeat_interleave(x, 2, dim=1, output_size=7),
                                                     ValueError, "output_size=7 does not match the 8"),
    "unfold a window longer than the dim": (lambda: x.unfold(1, 5, 1), ValueError,
                                            "size=5 is larger than dimension 1, of size 4"),
    "unfold with step 0": (lambda: x.unfold(1, 2, 0), ValueError, "step=0 must be at least 1"),
    "unfold along dim 2 of a matrix": (lambda: x.unfold(2, 1, 1), IndexError, "dimension=2 is out of range"),
    "narrow a 0-d tensor": (lambda: tp.narrow(tp.tensor(1.0), 0, 0, 1), ValueError, "0-d"),
    "narrow from 5 of 4": (lambda: tp.narrow(x, 1, 5, 0), IndexError,
                           "start=5 is out of range (expected to be in range of [-4, 4])"),
    "narrow past the end": (lambda: tp.narrow(x, 1, 3, 2), ValueError,
                            "start (3) + length (2) exceeds dimension size (4)"),
    "narrow a negative length": (lambda: tp.narrow(x, 1, 0, -1), ValueError, "length=-1 must be non-negative"),
    "narrow from a float": (lambda: tp.narrow(x, 1, 1.0, 2), TypeError, "start must be an int, got 1.0"),
    "tril of a vector": (lambda: tp.tril(v), ValueError, "tril: input must have at least 2 dimensions"),
    "triu with a float diagonal": (lambda: tp.triu(x, 1.0), TypeError, "diagonal must be an int, got 1.0"),
    "diag of a 3-d tensor": (lambda: tp.diag(tp.ones(2, 2, 2)), ValueError, "supports 1-d or 2-d tensors"),
    "diagonal of dims 1 and 1": (lambda: tp.diagonal(x, 0, 1, 1), ValueError,
                                 "diagonal dimensions cannot be identical 1, 1"),
    "diag_embed of dims 0 and 0": (lambda: tp.diag_embed(v, 0, 0, 0), ValueError, "cannot be identical 0, 0"),
    "trace of a vector": (lambda: tp.trace(v), ValueError, "expected a matrix, got a tensor of shape (3,)"),
    "trace of bools": (lambda: tp.trace(x > 1), TypeError, "bool tensors have no trace"),
    "movedim with a repeated source": (lambda: tp.movedim(tp.ones(2, 3, 4), (0, 0), (2, 1)), ValueError,
                                       "name a dim more than once"),
    "movedim with fewer destinations": (lambda: tp.movedim(tp.ones(2, 3, 4), (0, 1), (2,)), ValueError,
                                        "must name as many dims"),
    "t of a 3-d tensor": (lambda: tp.t(tp.ones(2, 2, 2)), ValueError, "t() expects a tensor with <= 2 dimensions"),
    "mT of a vector": (lambda: v.mT, ValueError, "mT needs a matrix or a batch of matrices"),
    "rot90 of a vector": (lambda: tp.rot90(v), ValueError, "at least 2 dims"),
    "rot90 with one dim": (lambda: tp.rot90(x, 1, [0]), ValueError, "dims must name 2 dims"),
    "rot90 with equal dims": (lambda: tp.rot90(x, 1, [0, -2]), ValueError, "dims must be different"),
    "rot90 with a float k": (lambda: tp.rot90(x, 1.0), TypeError, "k must be an int, got 1.0"),
    "fliplr of a vector": (lambda: tp.fliplr(v), ValueError, "at least 2-d"),
    "flipud of a scalar": (lambda: tp.flipud(tp.tensor(1.0)), ValueError, "at least 1-d"),
    "tensor_split into 0 sections": (lambda: tp.tensor_split(v, 0), ValueError,
                                     "number of sections must be larger than 0, got 0"),
    "tensor_split of a scalar": (lambda: tp.tensor_split(tp.tensor(1.0), 2), ValueError, "at least a 1-dimensional"),
    "tensor_split by float indices": (lambda: tp.tensor_split(v, tp.tensor([1.0])), TypeError,
                                      "must be 0-d or 1-d int64, got a float32 tensor"),
    "tensor_split by sections and indices": (lambda: tp.tensor_split(v, 2, sections=2), TypeError,
                                             "exactly one of indices_or_sections, sections and indices"),
    "hstack of nothing": (lambda: tp.hstack([]), ValueError, "hstack expects a non-empty list of tensors"),
    "vstack of a tensor": (lambda: tp.vstack(v), TypeError, "vstack: tensors must be a list or tuple of Tensors"),
    "broadcast_to a shorter shape": (lambda: tp.broadcast_to(x, (4,)), ValueError, "cannot expand shape (3, 4)"),
    "broadcast_to with a float size": (lambda: tp.broadcast_to(v, (2.0, 3)), TypeError, "size must be ints"),
    "broadcast_shapes that do not broadcast": (lambda: tp.broadcast_shapes((3,), (2,)), ValueError,
                                               "(3,) and (2,) do not broadcast"),
    "broadcast_tensors with a list inside": (lambda: tp.broadcast_tensors(v, [1.0]), TypeError,
                                             "tensors[1] must be a Tensor"),
    "atleast_1d of a number": (lambda: tp.atleast_1d(1.0, 2.0), TypeError, "tensors[0] must be a Tensor"),
    "unflatten to sizes of another product": (lambda: x.unflatten(1, (2, 3)), ValueError,
                                              "sizes [2, 3] don't multiply up to the size of dim 1 (4)"),
    "unflatten to no sizes": (lambda: x.unflatten(1, ()), ValueError, "sizes must be non-empty"),
    "unflatten with two unknown sizes": (lambda: x.unflatten(1, (-1, -1)), ValueError, "don't multiply up"),
    "unflatten with an int": (lambda: x.unflatten(1, 4), TypeError, "sizes must be a tuple or list of ints"),
}

@pytest.fixture
def kernels_that_must_not_run(monkeypatch):
    """The bad calls must fail in their checks: the gather and scatter kernels raise if reached."""
    from tinygrad_pool.backends import cpu

    def reached(*args):
        raise AssertionError("a kernel ran before the arguments were checked")

    for name in ("gather", "scatter_reduce", "index_select", "index_scatter"):
        monkeypatch.setattr(cpu, name, reached)

@pytest.mark.parametrize("case", BAD)
def test_bad_inputs_are_named_before_any_kernel_runs(case, kernels_that_must_not_run):
    assert_bad_input(case, BAD)
