"""Sorting and selection (sort, argsort, msort, topk, kthvalue, median, nanmedian, mode, unique,
unique_consecutive, searchsorted, bucketize) against plain-loop references, over random shapes, dtypes, ties and
special values (NaN, inf, -0.0), on each device; gradients against finite differences; PyTorch as an extra
oracle where it is installed."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_pool as tp
from tinygrad_pool.gradcheck import gradcheck
from conftest import assert_bad_input

NAN = float("nan")
# few distinct values, so that ties are common; -0.0 and 0.0 are equal, NaN is larger than every number
SPECIAL = [-np.inf, -2.0, -0.5, -0.0, 0.0, 1.0, 1.0, 3.0, np.inf, NAN]
DTYPES = [np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_]

def elements(dtype):
    if dtype == np.bool_:
        return st.booleans()
    if np.dtype(dtype).kind == "f":
        return st.sampled_from(SPECIAL)
    return st.integers(0 if dtype == np.uint8 else -3, 3)

@st.composite
def arrays_and_dim(draw, dtypes=DTYPES, min_side=0, min_dims=0):
    """An array (0-d to 3-d, sides up to 4) of one of `dtypes` and a dim of it."""
    dtype = draw(st.sampled_from(dtypes))
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=min_side, max_side=4))
    array = draw(hnp.arrays(dtype, shape, elements=elements(dtype)))
    dim = draw(st.integers(-max(len(shape), 1), max(len(shape), 1) - 1))
    return array, dim

# --- plain-loop references --------------------------------------------------------------------------------------
def rank(value):
    """The sort order's key of one value: NaN above every number, -0.0 equal to 0.0."""
    value = float(value)
    return (1, 0.0) if math.isnan(value) else (0, value + 0.0)

def stable_order(row, descending=False):
    """The positions that sort `row`, by insertion sort: an element moves left only past elements that sort
    strictly after it, so equal elements keep their order in both directions."""
    order = []
    for i in range(len(row)):
        at = len(order)
        while at > 0 and (rank(row[order[at - 1]]) < rank(row[i]) if descending
                          else rank(row[order[at - 1]]) > rank(row[i])):
            at -= 1
        order.insert(at, i)
    return order

def rows_of(array, dim):
    """The 1-d rows of `array` along `dim` (a 0-d array is one row of one) and the shape of the other dims."""
    moved = np.moveaxis(np.atleast_1d(array), dim, -1)
    return moved.reshape(int(np.prod(moved.shape[:-1])), moved.shape[-1]), moved.shape[:-1]

def along(array, dim, per_row, count):
    """The `count` outputs of per_row (row -> tuple of numbers) over the rows along `dim`, each in the shape of
    the other dims."""
    rows, outer = rows_of(array, dim)
    results = [per_row(list(row)) for row in rows]
    return [np.array([result[i] for result in results]).reshape(outer) for i in range(count)]

def reference_sort(array, dim, descending):
    rows, outer = rows_of(array, dim)
    order = np.array([stable_order(row, descending) for row in rows], np.int64).reshape(rows.shape)
    back = lambda a: np.moveaxis(a.reshape(outer + (rows.shape[1],)), -1, dim).reshape(np.shape(array))
    return back(np.take_along_axis(rows, order, 1)), back(order)

def same(ours, expected, signs=True):
    """The same shape, dtype and values, NaN matching NaN; with `signs`, also the sign of each zero (the op must
    return the very element it picked)."""
    ours = ours.numpy() if isinstance(ours, tp.Tensor) else np.asarray(ours)
    expected = np.asarray(expected)
    assert ours.shape == expected.shape and ours.dtype == expected.dtype, (ours, expected)
    if expected.dtype.kind == "f":
        np.testing.assert_array_equal(ours, expected)   # NaN matches NaN here
        if signs:
            numbers = ~np.isnan(expected)
            assert np.array_equal(np.signbit(ours[numbers]), np.signbit(expected[numbers])), (ours, expected)
    else:
        assert np.array_equal(ours, expected), (ours, expected)

def points_at(values, indices, array, dim, keepdim=True):
    """Each index names an element of `array` equal to its value (ties may pick any of them)."""
    source = np.atleast_1d(array)
    indices, values = indices.numpy(), values.numpy()
    if np.ndim(array) and not keepdim:
        indices, values = np.expand_dims(indices, dim), np.expand_dims(values, dim)
    if np.ndim(array) == 0:
        indices, values = indices.reshape(1), values.reshape(1)
    picked = np.take_along_axis(source, indices, dim)
    np.testing.assert_array_equal(picked, values)

def reference_median(row, ignore_nan):
    numbers = [row[i] for i in stable_order(row) if not math.isnan(float(row[i]))]
    if not ignore_nan and len(numbers) < len(row):
        return NAN
    return numbers[(len(numbers) - 1) // 2] if numbers else NAN

def reference_mode(row):
    """(value, index): the most frequent value (each NaN counts once), the smallest of several, and the index of
    its last occurrence; a row of NaNs gives NaN at its first."""
    best, best_count, best_index = None, 0, 0
    for v in row:
        if math.isnan(float(v)):
            continue
        count = sum(1 for w in row if not math.isnan(float(w)) and rank(w) == rank(v))
        last = max(j for j, w in enumerate(row) if not math.isnan(float(w)) and rank(w) == rank(v))
        if count > best_count or (count == best_count and rank(v) < rank(best)):
            best, best_count, best_index = v, count, last
    if best is None:
        return row[0], 0
    return row[best_index], best_index

def reference_unique(flat):
    """(distinct values ascending, with every NaN its own; inverse; counts), by plain loops."""
    distinct = []
    for i in stable_order(flat):
        v = flat[i]
        if distinct and not math.isnan(float(v)) and rank(distinct[-1][0]) == rank(v):
            distinct[-1][1].append(i)
        else:
            distinct.append((v, [i]))
    inverse = [0] * len(flat)
    for number, (_, members) in enumerate(distinct):
        for i in members:
            inverse[i] = number
    return [v for v, _ in distinct], inverse, [len(members) for _, members in distinct]

def reference_unique_consecutive(flat):
    values, inverse, counts = [], [], []
    for v in flat:
        if values and not math.isnan(float(v)) and rank(values[-1]) == rank(v):
            counts[-1] += 1
        else:
            values.append(v)
            counts.append(1)
        inverse.append(len(values) - 1)
    return values, inverse, counts

def reference_search(sequence, value, right):
    """Where `value` goes in the sorted, NaN-free `sequence`: past every element below it (or not above it, with
    right); a NaN value goes past every element."""
    if math.isnan(float(value)):
        return len(sequence)
    return sum(1 for s in sequence if (s <= value if right else s < value))

# --- sort, argsort, msort ----------------------------------------------------------------------------------------
@given(case=arrays_and_dim(), descending=st.booleans(), stable=st.sampled_from([True, False, None]))
def test_sort_is_stable_in_both_directions_with_nan_largest(device, case, descending, stable):
    array, dim = case
    values, indices = tp.sort(tp.tensor(array, device=device), dim, descending, stable=stable)
    expected_values, expected_indices = reference_sort(array, dim, descending)
    same(values, expected_values)
    same(indices, expected_indices)
    assert values.dtype == array.dtype and indices.dtype == tp.int64
    same(tp.argsort(tp.tensor(array, device=device), dim, descending, stable=stable), expected_indices)

def test_sort_of_rows_longer_than_a_block_merges_across_blocks(device):
    """CUDA sorts SEGMENT elements per block in shared memory; longer rows merge in global memory."""
    length = 165
    if device == "cuda":
        from tinygrad_pool.backends.cuda.sorting import SEGMENT
        length = SEGMENT + 37
    rng = np.random.default_rng(1)
    array = rng.integers(-20, 20, (2, length)).astype(np.float32)
    array[array == 19] = np.nan
    array[array == 0] = -0.0
    for descending in (False, True):
        values, indices = tp.tensor(array, device=device).sort(1, descending)
        expected_values, expected_indices = reference_sort(array, 1, descending)
        same(values, expected_values)
        same(indices, expected_indices)

def test_sort_special_values_and_methods(device):
    x = tp.tensor([3.0, NAN, 1.0, -0.0, 0.0, NAN, 1.0, -np.inf, np.inf], device=device)
    values, indices = x.sort()
    assert indices.tolist() == [7, 3, 4, 2, 6, 0, 8, 1, 5]
    assert str(values.numpy()[1]) == "-0.0" and str(values.numpy()[2]) == "0.0"   # each keeps its sign
    assert x.sort(descending=True).indices.tolist() == [1, 5, 8, 0, 2, 6, 3, 4, 7]
    assert x.argsort(0, True, stable=True).tolist() == [1, 5, 8, 0, 2, 6, 3, 4, 7]
    result = x.sort()
    assert result[0] is result.values and result[1] is result.indices
    matrix = tp.tensor([[3, 1], [2, 5]], device=device)
    assert tp.msort(matrix).tolist() == [[2, 1], [3, 5]] and matrix.msort().tolist() == [[2, 1], [3, 5]]
    assert tp.tensor([True, False, True], device=device).sort().indices.tolist() == [1, 0, 2]

def test_sort_of_0d_and_empty(device):
    scalar = tp.tensor(3.0, device=device)
    values, indices = tp.sort(scalar, 0)
    assert values.shape == () and indices.shape == () and values.item() == 3.0 and indices.item() == 0
    assert tp.argsort(scalar).shape == ()
    empty = tp.zeros(2, 0, device=device)
    values, indices = tp.sort(empty, 1)
    assert values.shape == (2, 0) and indices.shape == (2, 0) and indices.dtype == tp.int64
    assert tp.sort(tp.zeros(0, 3, device=device), 0).values.shape == (0, 3)

# --- topk, kthvalue ----------------------------------------------------------------------------------------------
@given(case=arrays_and_dim(dtypes=DTYPES[:5]), data=st.data())
def test_topk_matches_the_sorted_prefix(device, case, data):
    array, dim = case
    size = np.atleast_1d(array).shape[dim]
    k = data.draw(st.integers(0, size))
    largest = data.draw(st.booleans())
    values, indices = tp.topk(tp.tensor(array, device=device), k, dim, largest)
    expected, _ = reference_sort(array, dim, descending=largest)
    if np.ndim(array):
        expected = np.take(expected, range(k), axis=dim)
    same(values, expected)
    points_at(values, indices, array, dim)

@given(case=arrays_and_dim(dtypes=DTYPES[:5], min_side=1), data=st.data(), keepdim=st.booleans())
def test_kthvalue_is_the_kth_of_the_sorted_row(device, case, data, keepdim):
    array, dim = case
    k = data.draw(st.integers(1, np.atleast_1d(array).shape[dim]))
    values, indices = tp.kthvalue(tp.tensor(array, device=device), k, dim, keepdim)
    expected, _ = reference_sort(array, dim, descending=False)
    if np.ndim(array):
        expected = np.take(expected, [k - 1], axis=dim)
        expected = expected if keepdim else np.squeeze(expected, dim)
    same(values, expected)
    points_at(values, indices, array, dim, keepdim)

def test_topk_and_kthvalue_special_values(device):
    x = tp.tensor([1.0, NAN, 2.0, 1.0, 3.0], device=device)
    assert x.topk(2).indices.tolist() == [1, 4] and math.isnan(x.topk(2).values.tolist()[0])
    assert x.topk(2, largest=False).values.tolist() == [1.0, 1.0]
    assert math.isnan(x.kthvalue(5).values.item()) and x.kthvalue(5).indices.item() == 1
    assert x.kthvalue(4).values.item() == 3.0
    scalar = tp.tensor(5.0, device=device)
    assert scalar.topk(1).values.shape == () and scalar.topk(0).values.shape == ()
    assert scalar.kthvalue(1, 0, True).values.shape == ()
    assert tp.topk(tp.zeros(2, 0, device=device), 0, dim=1).values.shape == (2, 0)

# --- median, nanmedian, mode -----------------------------------------------------------------------------------
@given(case=arrays_and_dim(dtypes=DTYPES[:5], min_side=1), keepdim=st.booleans(), ignore_nan=st.booleans())
def test_median_is_the_lower_middle_and_nan_propagates(device, case, keepdim, ignore_nan):
    array, dim = case
    op = tp.nanmedian if ignore_nan else tp.median
    values, indices = op(tp.tensor(array, device=device), dim, keepdim)
    expected, = along(array, dim, lambda row: (reference_median(row, ignore_nan),), 1)
    expected = expected.astype(array.dtype)
    if np.ndim(array) and keepdim:
        expected = np.expand_dims(expected, dim)
    same(values, expected)
    points_at(values, indices, array, dim, keepdim)
    whole = op(tp.tensor(array, device=device))
    same(whole, np.asarray(reference_median(list(array.reshape(-1)), ignore_nan), array.dtype))

def test_median_along_a_dim_picks_the_first_nan(device):
    x = tp.tensor([[1.0, NAN, NAN, 2.0], [NAN, NAN, NAN, NAN], [4.0, 1.0, 3.0, 2.0]], device=device)
    values, indices = x.median(1)
    assert indices.tolist() == [1, 0, 3] and values.tolist()[2] == 2.0
    values, indices = x.nanmedian(1)
    assert values.tolist()[0] == 1.0 and math.isnan(values.tolist()[1]) and values.tolist()[2] == 2.0
    assert tp.median(tp.tensor([4, 1, 3, 2], device=device)).item() == 2
    assert math.isnan(tp.median(tp.zeros(0, device=device)).item())
    assert math.isnan(tp.nanmedian(tp.tensor([NAN, NAN], device=device)).item())
    assert tp.median(tp.zeros(0, 3, device=device), 1).values.shape == (0,)

@given(case=arrays_and_dim(dtypes=DTYPES, min_side=1), keepdim=st.booleans())
def test_mode_is_the_smallest_most_frequent_value_at_its_last_occurrence(device, case, keepdim):
    array, dim = case
    values, indices = tp.mode(tp.tensor(array, device=device), dim, keepdim)
    expected_values, expected_indices = along(array, dim, reference_mode, 2)
    if np.ndim(array) and keepdim:
        expected_values, expected_indices = np.expand_dims(expected_values, dim), np.expand_dims(expected_indices, dim)
    same(values, expected_values.astype(array.dtype))
    same(indices, expected_indices.astype(np.int64))

def test_mode_examples(device):
    assert tp.mode(tp.tensor([5, 2, 2, 5, 3, 5, 2], device=device)).indices.item() == 6
    values, indices = tp.tensor([-0.0, 0.0, 0.0, -0.0, 1.0], device=device).mode()
    assert str(values.numpy()) == "-0.0" and indices.item() == 3
    values, indices = tp.mode(tp.tensor([[1.0, 2.0], [3.0, 3.0]], device=device), 0)
    assert values.tolist() == [1.0, 2.0] and indices.tolist() == [0, 0]
    assert tp.tensor([True, False, True], device=device).mode().values.item() is True

# --- gradients ---------------------------------------------------------------------------------------------------
def distinct(shape, device, seed=0):
    """float64 values far apart, so that no finite-difference step reorders them."""
    count = int(np.prod(shape))
    values = np.random.default_rng(seed).permutation(count).astype(np.float64).reshape(shape) * 0.5
    return tp.tensor(values, dtype=tp.float64, device=device, requires_grad=True)

GRADIENTS = {
    "sort": lambda x: tp.sort(x, 1)[0],
    "sort descending": lambda x: x.sort(0, descending=True).values,
    "msort": tp.msort,
    "topk": lambda x: tp.topk(x, 2, 1).values,
    "topk smallest": lambda x: x.topk(1, 0, largest=False).values,
    "kthvalue": lambda x: tp.kthvalue(x, 2, 1, True).values,
    "median": lambda x: tp.median(x, 0).values,
    "median of all": tp.median,
    "nanmedian": lambda x: tp.nanmedian(x, 1).values,
    "mode": lambda x: tp.mode(x, 1).values,
}

@pytest.mark.parametrize("name", GRADIENTS)
def test_gradients_match_finite_differences(device, name):
    shape = (3, 4) if device == "cpu" else (2, 3)   # each CUDA probe runs sorts under the simulator
    assert gradcheck(GRADIENTS[name], [distinct(shape, device)])

def test_gradient_goes_to_the_picked_element(device):
    x = tp.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]], requires_grad=True, device=device)
    (x.sort(1).values * tp.tensor([1.0, 2.0, 3.0], device=device)).sum().backward()
    assert x.grad.tolist() == [[3.0, 1.0, 2.0], [1.0, 3.0, 2.0]]
    x.grad = None
    x.median().backward()
    assert x.grad.tolist() == [[0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]
    assert not tp.sort(tp.tensor([2, 1], device=device)).values.requires_grad

# --- unique, unique_consecutive --------------------------------------------------------------------------------
@given(case=arrays_and_dim(), consecutive=st.booleans())
def test_unique_of_all_elements(device, case, consecutive):
    array, _ = case
    x = tp.tensor(array, device=device)
    if consecutive:
        values, inverse, counts = tp.unique_consecutive(x, return_inverse=True, return_counts=True)
        expected = reference_unique_consecutive(list(array.reshape(-1)))
    else:
        values, inverse, counts = tp.unique(x, return_inverse=True, return_counts=True)
        expected = reference_unique(list(array.reshape(-1)))
    same(values, np.array(expected[0], array.dtype).reshape(-1))
    same(inverse, np.array(expected[1], np.int64).reshape(array.shape))
    same(counts, np.array(expected[2], np.int64).reshape(-1))

def reference_unique_slices(array, dim, consecutive):
    """unique along a dim by plain loops: slices compared as lists of ranks (a NaN makes a slice distinct)."""
    slices = [np.take(array, i, axis=dim) for i in range(array.shape[dim])]
    key = lambda s: [rank(v) for v in s.reshape(-1)]
    has_nan = lambda s: s.dtype.kind == "f" and np.isnan(s).any()
    order = list(range(len(slices)))
    if not consecutive:   # a stable sort by key, by insertion
        order = []
        for i in range(len(slices)):
            at = len(order)
            while at > 0 and key(slices[order[at - 1]]) > key(slices[i]):
                at -= 1
            order.insert(at, i)
    groups = []
    for i in order:
        if groups and not has_nan(slices[i]) and key(slices[groups[-1][0]]) == key(slices[i]):
            groups[-1].append(i)
        else:
            groups.append([i])
    inverse = [0] * len(slices)
    for number, members in enumerate(groups):
        for i in members:
            inverse[i] = number
    firsts = [slices[members[0]] for members in groups]
    values = np.stack(firsts, axis=dim) if firsts else np.take(array, [], axis=dim)
    return values, np.array(inverse, np.int64), np.array([len(m) for m in groups], np.int64)

@given(case=arrays_and_dim(dtypes=[np.float32, np.int64, np.bool_], min_side=1, min_dims=1),
       consecutive=st.booleans())
def test_unique_of_slices_along_a_dim(device, case, consecutive):
    array, dim = case
    op = tp.unique_consecutive if consecutive else tp.unique
    values, inverse, counts = op(tp.tensor(array, device=device), return_inverse=True, return_counts=True, dim=dim)
    expected = reference_unique_slices(array, dim % array.ndim, consecutive)
    same(values, expected[0])
    same(inverse, expected[1])
    same(counts, expected[2])

def test_unique_forms_and_edges(device):
    x = tp.tensor([[3, 1], [1, 2]], device=device)
    assert tp.unique(x).tolist() == [1, 2, 3] and x.unique(sorted=False).tolist() == [1, 2, 3]
    values, inverse = x.unique(return_inverse=True)
    assert inverse.tolist() == [[2, 0], [0, 1]]
    values, counts = tp.unique(x, return_counts=True)
    assert counts.tolist() == [2, 1, 1]
    scalar = tp.unique(tp.tensor(3.0, device=device), return_inverse=True, return_counts=True)
    assert scalar[0].tolist() == [3.0] and scalar[1].shape == () and scalar[2].tolist() == [1]
    empty = tp.unique(tp.zeros(0, device=device), return_inverse=True, return_counts=True)
    assert [part.shape for part in empty] == [(0,), (0,), (0,)]
    assert tp.unique(tp.zeros(0, 2, device=device), dim=0).shape == (0, 2)
    values, inverse, counts = tp.unique(tp.zeros(2, 0, device=device), True, True, True, dim=1)
    assert values.shape == (2, 0) and inverse.shape == (0,) and counts.shape == (0,)
    values = tp.unique(tp.tensor([-0.0, 0.0], device=device))
    assert values.tolist() == [0.0] and str(values.numpy()[0]) == "-0.0"   # the first of the equal ones
    assert x.unique_consecutive(dim=1).tolist() == [[3, 1], [1, 2]]

# --- searchsorted, bucketize -------------------------------------------------------------------------------------
@st.composite
def sequences_and_values(draw):
    """A sorted NaN-free sequence (1-d, or batched) and values for it (NaN among them)."""
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int64, np.int32, np.uint8]))
    batch = draw(st.sampled_from([(), (2,), (2, 1)]))
    n, m = draw(st.integers(0, 5)), draw(st.integers(0, 3))
    if np.dtype(dtype).kind == "f":
        numbers = st.sampled_from([-np.inf, -1.0, -0.0, 0.0, 1.0, 1.0, 2.5, np.inf])
        value_elements = numbers | st.just(NAN)
    else:
        numbers = value_elements = st.integers(0 if dtype == np.uint8 else -3, 3)
    sequence = np.sort(draw(hnp.arrays(dtype, batch + (n,), elements=numbers)), axis=-1)
    return sequence, draw(hnp.arrays(dtype, batch + (m,), elements=value_elements))

@given(case=sequences_and_values(), right=st.booleans(), out_int32=st.booleans())
def test_searchsorted_counts_the_elements_before(device, case, right, out_int32):
    sequence, values = case
    out = tp.searchsorted(tp.tensor(sequence, device=device), tp.tensor(values, device=device), right=right,
                          out_int32=out_int32)
    rows = sequence.reshape(int(np.prod(sequence.shape[:-1])), sequence.shape[-1])
    value_rows = values.reshape(len(rows), values.shape[-1])
    expected = np.array([[reference_search(list(rows[r]), v, right) for v in value_rows[r]]
                         for r in range(len(rows))], np.int64).reshape(values.shape)
    same(out, expected.astype(np.int32 if out_int32 else np.int64))
    if sequence.ndim == 1:
        side = "right" if right else "left"
        same(tp.searchsorted(tp.tensor(sequence, device=device), tp.tensor(values, device=device), side=side),
             expected)
        same(tp.bucketize(tp.tensor(values, device=device), tp.tensor(sequence, device=device), right=right),
             expected)

def test_searchsorted_forms(device):
    sequence = tp.tensor([1, 3, 5], device=device)
    assert tp.searchsorted(sequence, 3).item() == 1 and tp.searchsorted(sequence, 3).shape == ()
    assert tp.searchsorted(sequence, 3, right=True).item() == 2
    assert tp.searchsorted(sequence, 2.5).item() == 1   # promoted to a common dtype
    tenths = tp.tensor(np.array([0.1, 0.2, 0.3]), device=device)
    assert tp.searchsorted(tenths, 0.1).item() == 0 and tp.searchsorted(tenths, 0.1, right=True).item() == 1
    assert tp.searchsorted(sequence, tp.tensor([[3, 4], [0, 9]], device=device)).tolist() == [[1, 2], [0, 3]]
    batched = tp.tensor([[1, 3, 5], [2, 4, 6]], device=device)
    assert tp.searchsorted(batched, tp.tensor([[3], [3]], device=device)).tolist() == [[1], [1]]
    unsorted = tp.tensor([3, 1, 2], device=device)
    assert tp.searchsorted(unsorted, tp.tensor([2], device=device),
                           sorter=tp.tensor([1, 2, 0], device=device)).tolist() == [1]
    assert tp.searchsorted(tp.zeros(0, device=device), tp.tensor([1.0], device=device)).tolist() == [0]
    assert tp.bucketize(3, tp.tensor([1, 3, 5], device=device)).item() == 1
    assert tp.bucketize(tp.tensor([2], device=device), sequence, out_int32=True).dtype == tp.int32
    with_nan = tp.tensor([1.0, 2.0, NAN], device=device)
    values = tp.tensor([NAN, 2.0, 5.0], device=device)
    assert tp.searchsorted(with_nan, values).tolist() == [3, 1, 3]
    assert tp.searchsorted(with_nan, values, right=True).tolist() == [3, 3, 3]

# --- PyTorch as an oracle --------------------------------------------------------------------------------------
@given(case=arrays_and_dim(dtypes=[np.float32, np.float64, np.int64, np.int32, np.uint8]), descending=st.booleans())
def test_against_pytorch(case, descending):
    torch = pytest.importorskip("torch")
    array, dim = case
    ours, theirs = tp.tensor(array), torch.from_numpy(array.copy())
    values, indices = tp.sort(ours, dim, descending, stable=True)
    expected = torch.sort(theirs, dim=dim, descending=descending, stable=True)
    same(values, expected.values.numpy())
    same(indices, expected.indices.numpy())
    size = np.atleast_1d(array).shape[dim]
    same(tp.topk(ours, size // 2, dim, descending).values,
         torch.topk(theirs, size // 2, dim, descending).values.numpy(), signs=False)
    for part, expected_part in zip(tp.unique_consecutive(ours, return_inverse=True, return_counts=True),
                                   torch.unique_consecutive(theirs, return_inverse=True, return_counts=True)):
        same(part, expected_part.numpy(), signs=False)
    values, inverse, counts = tp.unique(ours, return_inverse=True, return_counts=True)
    expected_values, expected_inverse, expected_counts = torch.unique(theirs, return_inverse=True, return_counts=True)
    same(values, expected_values.numpy(), signs=False)
    same(counts, expected_counts.numpy())
    numbers = ~np.isnan(array.astype(np.float64))   # which of the NaN entries a NaN maps to is PyTorch's sort's
    same(inverse.numpy()[numbers], expected_inverse.numpy()[numbers])
    if size:
        # PyTorch's mode with NaN depends on where the NaNs stand; here each NaN is a value of its own
        names = ("median", "nanmedian") + (() if np.isnan(array.astype(np.float64)).any() else ("mode",))
        for name in names:
            same(getattr(tp, name)(ours, dim).values, getattr(torch, name)(theirs, dim).values.numpy(), signs=False)
        same(tp.kthvalue(ours, size, dim).values, torch.kthvalue(theirs, size, dim).values.numpy(), signs=False)
        same(tp.median(ours), torch.median(theirs).numpy(), signs=False)

def test_searchsorted_against_pytorch():
    torch = pytest.importorskip("torch")
    sequence = np.array([[-1.0, 0.0, 0.0, 2.0, NAN], [1.0, 1.0, 1.0, 3.0, np.inf]], np.float32)
    values = np.array([[NAN, 0.0, -0.0, 2.0, 9.0], [1.0, -np.inf, np.inf, 2.0, NAN]], np.float32)
    for right in (False, True):
        same(tp.searchsorted(tp.tensor(sequence), tp.tensor(values), right=right),
             torch.searchsorted(torch.from_numpy(sequence), torch.from_numpy(values), right=right).numpy())

# --- bad input -------------------------------------------------------------------------------------------------
x = tp.tensor([[3.0, 1.0], [2.0, 5.0]])
BAD_INPUT = {
    "sort of a list": (lambda: tp.sort([1, 2]), TypeError, "input must be a Tensor, got list"),
    "sort dim out of range": (lambda: tp.sort(x, 2), IndexError, "dim=2 is out of range"),
    "sort dim a float": (lambda: x.sort(1.0), TypeError, "dim must be an int, got 1.0"),
    "sort descending an int": (lambda: tp.sort(x, descending=1), TypeError, "descending must be True or False"),
    "sort stable a string": (lambda: tp.sort(x, stable="yes"), TypeError, "stable must be True or False, got 'yes'"),
    "argsort dim out of range": (lambda: tp.argsort(x, -3), IndexError, "dim=-3 is out of range"),
    "argsort descending None": (lambda: x.argsort(descending=None), TypeError, "descending must be True or False"),
    "msort of a number": (lambda: tp.msort(3.0), TypeError, "input must be a Tensor, got float"),
    "topk k too large": (lambda: tp.topk(x, 3), ValueError, "k=3 is out of range for dim 1 of size 2"),
    "topk k negative": (lambda: tp.topk(x, -1), ValueError, "k=-1 is out of range"),
    "topk k a float": (lambda: tp.topk(x, 1.5), TypeError, "k must be an int, got 1.5"),
    "topk k a bool": (lambda: tp.topk(x, True), TypeError, "k must be an int, got True"),
    "topk largest None": (lambda: x.topk(1, largest=None), TypeError, "largest must be True or False, got None"),
    "topk of bools": (lambda: tp.topk(tp.tensor([True, False]), 1), TypeError, "bool tensors are not supported"),
    "topk of a 0-d k 2": (lambda: tp.topk(tp.tensor(5.0), 2), ValueError, "k=2 is out of range"),
    "kthvalue k 0": (lambda: tp.kthvalue(x, 0), ValueError, "k=0 is out of range for dim 1 of size 2"),
    "kthvalue k too large": (lambda: x.kthvalue(3), ValueError, "expected 1 <= k <= 2"),
    "kthvalue of an empty dim": (lambda: tp.kthvalue(tp.zeros(0), 1), IndexError, "has size 0"),
    "kthvalue keepdim an int": (lambda: tp.kthvalue(x, 1, keepdim=1), TypeError, "keepdim must be True or False"),
    "median of an empty dim": (lambda: tp.median(tp.zeros(2, 0), 1), IndexError, "dim 1 of the input of shape (2, 0)"),
    "median keepdim without dim": (lambda: tp.median(x, keepdim=True), TypeError, "keepdim=True needs a dim"),
    "median of bools": (lambda: tp.median(tp.tensor([True])), TypeError, "median: bool tensors"),
    "nanmedian dim out of range": (lambda: tp.nanmedian(x, 5), IndexError, "dim=5 is out of range"),
    "mode of an empty dim": (lambda: tp.mode(tp.zeros(0)), IndexError, "mode: dim 0"),
    "mode dim a string": (lambda: tp.mode(x, "0"), TypeError, "dim must be an int, got '0'"),
    "unique sorted an int": (lambda: tp.unique(x, sorted=1), TypeError, "sorted must be True or False, got 1"),
    "unique return_inverse an int": (lambda: x.unique(return_inverse=1), TypeError, "return_inverse must be True"),
    "unique dim of a 0-d": (lambda: tp.unique(tp.tensor(3.0), dim=0), IndexError, "a 0-d tensor has none"),
    "unique dim out of range": (lambda: tp.unique(x, dim=2), IndexError, "dim=2 is out of range"),
    "unique of empty slices": (lambda: tp.unique(tp.zeros(2, 0), dim=0), ValueError, "no slices to compare"),
    "unique_consecutive counts a string": (lambda: tp.unique_consecutive(x, return_counts="no"), TypeError,
                                           "return_counts must be True or False, got 'no'"),
    "searchsorted of a list": (lambda: tp.searchsorted([1, 2], tp.tensor([1])), TypeError,
                               "sorted_sequence must be a Tensor, got list"),
    "searchsorted values a list": (lambda: tp.searchsorted(tp.tensor([1, 2]), [1, 2]), TypeError,
                                   "input must be a Tensor or a number, got [1, 2] (list)"),
    "searchsorted of a 0-d": (lambda: tp.searchsorted(tp.tensor(1), tp.tensor([1])), ValueError,
                              "at least 1 dim, got a 0-d tensor"),
    "searchsorted leading dims differ": (lambda: tp.searchsorted(tp.tensor([[1, 2], [3, 4]]), tp.tensor([[1, 2]])),
                                         ValueError, "shape (2, 2) and input of shape (1, 2)"),
    "searchsorted a number into 2-d": (lambda: tp.searchsorted(tp.tensor([[1, 3]]), 2), ValueError,
                                       "a number input needs a 1-d sorted_sequence"),
    "searchsorted side unknown": (lambda: tp.searchsorted(tp.tensor([1, 2]), 1, side="middle"), ValueError,
                                  "side='middle'"),
    "searchsorted side against right": (lambda: tp.searchsorted(tp.tensor([1, 2]), 1, right=True, side="left"),
                                        ValueError, "side='left' and right=True"),
    "searchsorted right None": (lambda: tp.searchsorted(tp.tensor([1, 2]), 1, right=None), TypeError,
                                "right must be True or False, got None"),
    "searchsorted out_int32 an int": (lambda: tp.searchsorted(tp.tensor([1, 2]), 1, out_int32=1), TypeError,
                                      "out_int32 must be True or False"),
    "searchsorted sorter int32": (lambda: tp.searchsorted(tp.tensor([3, 1]), 2,
                                                          sorter=tp.tensor([1, 0], dtype=tp.int32)),
                                  TypeError, "sorter must be an int64 tensor"),
    "searchsorted sorter of another shape": (lambda: tp.searchsorted(tp.tensor([3, 1, 2]), 2,
                                                                     sorter=tp.tensor([1, 2])),
                                             ValueError, "sorter of shape (2,)"),
    "searchsorted sorter out of range": (lambda: tp.searchsorted(tp.tensor([3, 1, 2]), 2,
                                                                 sorter=tp.tensor([1, 2, 3])),
                                         ValueError, "sorter holds the index 3"),
    "searchsorted of bools": (lambda: tp.searchsorted(tp.tensor([False, True]), tp.tensor([True])), TypeError,
                              "bool sequences"),
    "bucketize boundaries 2-d": (lambda: tp.bucketize(tp.tensor([1]), tp.tensor([[1, 2]])), ValueError,
                                 "boundaries must be 1-d, got a tensor of shape (1, 2)"),
    "bucketize boundaries a list": (lambda: tp.bucketize(tp.tensor([1]), [1, 2]), TypeError,
                                    "boundaries must be a Tensor, got list"),
}

@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_names_the_value(case):
    assert_bad_input(case, BAD_INPUT)
