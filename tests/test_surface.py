"""The PyTorch surface a CNN program calls: top-level functions, Tensor methods and Size. Each op against a plain
numpy (or loop) reference, with hypothesis where a kernel is new, float64 finite differences for the
differentiable ones, a bad-input table, and PyTorch as an extra oracle where it is installed."""
import math
import pickle

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_pool as tp
from tinygrad_pool import Tensor
from conftest import assert_bad_input, tolerance

FLOATS = st.sampled_from([np.float32, np.float64])
SPECIAL = [0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 1e-8, -1.0, -2.0, 3.7, -3.7, 1e30, -1e30, np.inf, -np.inf, np.nan]

def floats(shape, dtype, low=-6.0, high=6.0):
    elements = st.one_of(st.floats(low, high, width=32), st.sampled_from(SPECIAL))
    return hnp.arrays(dtype, shape, elements=elements)

def close(ours, expected, dtype=np.float64):
    ours = ours.numpy() if isinstance(ours, Tensor) else np.asarray(ours)
    assert ours.shape == np.shape(expected), (ours.shape, np.shape(expected))
    np.testing.assert_allclose(ours, expected, **tolerance(dtype))

def same(ours, expected):
    """Equal values, NaNs in the same places and the sign of every zero kept."""
    ours = ours.numpy() if isinstance(ours, Tensor) else np.asarray(ours)
    expected = np.asarray(expected)
    assert ours.shape == expected.shape and ours.dtype == expected.dtype, (ours.shape, ours.dtype, expected.dtype)
    np.testing.assert_array_equal(ours, expected)
    if ours.dtype.kind == "f":   # a NaN's sign means nothing
        np.testing.assert_array_equal(np.signbit(ours) & ~np.isnan(ours), np.signbit(expected) & ~np.isnan(expected))

def f64(values, device="cpu"):
    return tp.tensor(np.asarray(values, np.float64), device=device, requires_grad=True)

# --- references: plain loops -----------------------------------------------------------------------------------
def floor_reference(v):
    return math.copysign(math.floor(v), v) if math.isfinite(v) else v

def round_reference(v):
    """Ties to even, the sign of v kept on a zero result."""
    if not math.isfinite(v):
        return v
    whole = math.floor(v)
    rest = v - whole
    if rest > 0.5 or (rest == 0.5 and whole % 2):
        whole += 1
    return math.copysign(whole, v)

def elementwise_reference(fn, x):
    out = np.empty(x.shape, x.dtype)
    for i, v in np.ndenumerate(x):
        out[i] = fn(float(v))
    return out

def cumsum_reference(x, axis):
    x = np.moveaxis(x, axis, -1)
    out = np.empty(x.shape, x.dtype)
    for index in np.ndindex(x.shape[:-1]):
        total = x.dtype.type(0)
        for j in range(x.shape[-1]):
            total = x.dtype.type(total + x[index + (j,)])
            out[index + (j,)] = total
    return np.moveaxis(out, -1, axis)

def prod_reference(x, axis):
    x = np.moveaxis(x, axis, -1)
    out = np.ones(x.shape[:-1], x.dtype)
    for index in np.ndindex(x.shape[:-1]):
        for j in range(x.shape[-1]):
            out[index] = out[index] * x[index + (j,)]
    return out

UNARY = {   # name: (the loop reference per element, on numbers)
    "log1p": lambda v: math.log1p(v) if v > -1 else (-math.inf if v == -1 else math.nan),
    "sin": lambda v: math.sin(v) if math.isfinite(v) else math.nan,
    "cos": lambda v: math.cos(v) if math.isfinite(v) else math.nan,
    "sinh": lambda v: math.sinh(v) if abs(v) < 700 else (v if math.isnan(v) else math.copysign(math.inf, v)),
    "cosh": lambda v: math.cosh(v) if abs(v) < 700 else (v if math.isnan(v) else math.inf),
    "floor": floor_reference,
    "ceil": lambda v: -floor_reference(-v) if v != 0 else v,
    "round": round_reference,
}

@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary_ops_match_the_loop_reference(device, name, data):
    dtype = data.draw(FLOATS)
    x = data.draw(floats(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3), dtype))
    with np.errstate(all="ignore"):
        expected = elementwise_reference(UNARY[name], x)
    ours = getattr(Tensor(x, device=device), name)()
    assert ours.dtype == dtype
    if name in ("floor", "ceil", "round"):
        same(ours, expected)
    else:
        np.testing.assert_allclose(ours.numpy(), expected, rtol=2e-6 if dtype == np.float32 else 1e-12, atol=1e-6)

@pytest.mark.parametrize("name", ["floor", "ceil", "round"])
def test_rounding_keeps_signed_zeros_and_large_values(device, name):
    x = np.array([-0.4, -0.0, 0.0, 0.4, -0.5, 0.5, 2 ** 60, -2 ** 60, 4503599627370497.0], np.float64)
    same(getattr(Tensor(x, device=device), name)(), elementwise_reference(UNARY[name], x))

def test_round_with_decimals_and_integer_inputs(device):
    x = Tensor(np.array([1.2345, -2.5555, 1250.0]), device=device)
    close(x.round(decimals=2), np.round(np.array([1.2345, -2.5555, 1250.0]), 2))
    close(tp.round(x, decimals=-2), np.array([0.0, -0.0, 1200.0]))
    ints = tp.tensor([3, -4], device=device)
    for name in ("floor", "ceil", "round"):
        same(getattr(ints, name)(), np.array([3, -4]))

def test_unary_ops_of_integers_give_float32(device):
    ints = tp.tensor([0, 1, 4], device=device)
    for name in ("log1p", "sin", "cos", "sinh", "cosh", "rsqrt", "reciprocal", "exp", "sqrt"):
        assert getattr(ints, name)().dtype == tp.float32, name
    same(ints.square(), np.array([0, 1, 16]))
    same(tp.tensor([True, False], device=device).square(), np.array([1, 0]))
    same(ints.sign(), np.array([0, 1, 1]))
    same(tp.tensor([True, False], device=device).sign(), np.array([True, False]))

def test_sign_rsqrt_reciprocal_and_the_tests_of_finiteness(device):
    x = np.array([-2.0, -0.0, 0.0, 4.0, np.inf, -np.inf, np.nan])
    t = Tensor(x, device=device)
    same(t.sign(), np.array([-1.0, 0.0, 0.0, 1.0, 1.0, -1.0, 0.0]))
    with np.errstate(all="ignore"):
        same(t.rsqrt(), 1 / np.sqrt(x))
        same(t.reciprocal(), 1 / x)
    same(t.isnan(), np.isnan(x))
    same(t.isinf(), np.isinf(x))
    same(tp.isfinite(t), np.isfinite(x))
    same(tp.isnan(tp.tensor([1, 2], device=device)), np.array([False, False]))
    same(tp.isfinite(tp.tensor([1, 2], device=device)), np.array([True, True]))

@pytest.mark.parametrize("name", ["log1p", "sin", "cos", "sinh", "cosh", "rsqrt", "reciprocal", "square", "sign",
                                  "floor", "round"])
def test_unary_gradients_match_finite_differences(device, name):
    x = f64([[0.3, 1.7, 2.2], [0.9, 1.2, 2.6]], device)
    assert tp.gradcheck(lambda a: getattr(a, name)(), [x])

# --- floor division, remainder, bits ---------------------------------------------------------------------------
@given(data=st.data())
def test_floor_divide_and_remainder_follow_python(device, data):
    dtype = data.draw(FLOATS)
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_side=0, max_side=3, max_dims=2))
    a = data.draw(floats(shapes.input_shapes[0], dtype, -20, 20))
    b = data.draw(floats(shapes.input_shapes[1], dtype, -5, 5))
    with np.errstate(all="ignore"):
        same(Tensor(a, device=device) // Tensor(b, device=device), np.floor_divide(a, b))
        same(Tensor(a, device=device) % Tensor(b, device=device), np.remainder(a, b))

@given(data=st.data())
def test_integer_floor_divide_and_remainder_loop_reference(device, data):
    a = data.draw(hnp.arrays(np.int64, st.integers(0, 6), elements=st.integers(-50, 50)))
    b = data.draw(hnp.arrays(np.int64, a.shape, elements=st.integers(-7, 7).filter(bool)))
    quotient = np.array([x // y for x, y in zip(a.tolist(), b.tolist())], np.int64)
    rest = np.array([x % y for x, y in zip(a.tolist(), b.tolist())], np.int64)
    same(tp.floor_divide(Tensor(a, device=device), Tensor(b, device=device)), quotient)
    same(tp.remainder(Tensor(a, device=device), Tensor(b, device=device)), rest)

def test_floor_divide_with_numbers_and_dtypes(device):
    x = tp.tensor([7, -7], device=device)
    same(x // 2, np.array([3, -4]))
    same(7 // tp.tensor([2, -2], device=device), np.array([3, -4]))
    same(x % 3, np.array([1, 2]))
    same(7.5 % tp.tensor([2.0], device=device), np.array([1.5], np.float32))
    same(tp.tensor([5], dtype="uint8", device=device) // 2, np.array([2], np.uint8))
    same(x // 2.5, np.array([2.0, -3.0], np.float32))
    with np.errstate(all="ignore"):
        same(tp.tensor([5.0, -5.0, 0.0], device=device) // 0.0, np.array([np.inf, -np.inf, np.nan], np.float32))

def test_floor_divide_has_no_derivative_as_in_pytorch(device):
    x = f64([1.5, 2.5], device)
    with pytest.raises(RuntimeError, match="derivative of floor_divide"):
        (x // 2).sum().backward()

def test_amax_amin_share_the_gradient_among_ties(device):
    x = f64([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], device)
    x.amax(1).sum().backward()
    close(x.grad, np.array([[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]]))
    same(tp.amin(tp.tensor([[1.0, np.nan], [0.0, 2.0]], device=device), (0, 1)), np.array(np.nan, np.float32))
    same(tp.amax(tp.tensor([[1.0, 5.0], [0.0, 2.0]], device=device), 0, True), np.array([[1.0, 5.0]], np.float32))

def test_remainder_gradient(device):
    a, b = f64([[5.3, -4.1, 2.2]], device), f64([[2.0, 1.5, -0.7]], device)
    assert tp.gradcheck(lambda x, y: x % y, [a, b])

@given(data=st.data())
def test_bitwise_ops_of_integers_and_bools(device, data):
    dtype = data.draw(st.sampled_from([np.int64, np.int32, np.uint8, np.bool_]))
    elements = st.booleans() if dtype == np.bool_ else st.integers(0, 255) if dtype == np.uint8 else \
        st.integers(-1000, 1000)
    a = data.draw(hnp.arrays(dtype, st.integers(0, 5), elements=elements))
    b = data.draw(hnp.arrays(dtype, a.shape, elements=elements))
    x, y = Tensor(a, device=device), Tensor(b, device=device)
    same(x & y, a & b)
    same(x | y, a | b)
    same(x ^ y, a ^ b)
    same(~x, ~a)

def test_bitwise_with_numbers_follows_pytorch(device):
    same(tp.tensor([True, False], device=device) & 1, np.array([1, 0]))
    same(1 | tp.tensor([2], device=device), np.array([3]))
    same(tp.tensor([3], dtype="uint8", device=device) | 4, np.array([7], np.uint8))
    same(tp.tensor([True, False], device=device).logical_not(), np.array([False, True]))

# --- reductions ------------------------------------------------------------------------------------------------
@given(data=st.data())
def test_prod_and_cumsum_match_loop_references(device, data):
    dtype = np.dtype(data.draw(st.sampled_from([np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_])))
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4))
    elements = st.booleans() if dtype == np.bool_ else st.integers(0, 3) if dtype.kind in "iu" else \
        st.floats(-2, 2, width=32)
    x = data.draw(hnp.arrays(dtype, shape, elements=elements))
    axis = data.draw(st.integers(0, len(shape) - 1))
    wide = x.astype(np.int64) if dtype.kind in "biu" else x
    t = Tensor(x, device=device)
    close(t.prod(axis), prod_reference(wide, axis), dtype)
    close(t.cumsum(axis), cumsum_reference(wide, axis), dtype)
    assert t.cumsum(axis).dtype == wide.dtype and t.prod(axis).dtype == wide.dtype

def test_prod_gradient_with_and_without_zeros(device):
    for values in ([[0.5, 1.5, -2.0], [1.1, 0.7, 1.3]], [[0.0, 1.5, -2.0], [0.0, 0.0, 1.3]]):
        for dim in (None, 0, 1):
            assert tp.gradcheck(lambda x: x.prod(dim) if dim is not None else x.prod(), [f64(values, device)])

def test_cumsum_gradient_and_dtype(device):
    assert tp.gradcheck(lambda x: x.cumsum(1), [f64([[0.5, 1.5, -2.0], [1.1, 0.7, 1.3]], device)])
    assert tp.gradcheck(lambda x: tp.cumsum(x, dim=0), [f64([[0.5, 1.5, -2.0], [1.1, 0.7, 1.3]], device)])
    same(tp.tensor([[1, 2]], device=device).cumsum(1, dtype=tp.float32), np.array([[1.0, 3.0]], np.float32))
    same(tp.tensor(2.0, device=device).cumsum(0), np.array(2.0, np.float32))

def test_all_any_argmin_and_axis(device):
    x = tp.tensor([[1.0, 0.0, np.nan], [2.0, 3.0, -1.0]], device=device)
    same(x.all(), np.array(False))
    same(x.any(), np.array(True))
    same(x.all(dim=1), np.array([False, True]))
    same(x.any(axis=0, keepdim=True), np.array([[True, True, True]]))
    same(tp.tensor([], device=device).all(), np.array(True))
    same(x.argmin(1), np.array([2, 2]))   # NaN is the extreme, as in PyTorch
    same(tp.argmin(x[1]), np.array(2))
    same(x.argmax(axis=1, keepdim=True), np.array([[2], [1]]))
    same(x.sum(axis=0), np.array([3.0, 3.0, np.nan], np.float32))
    same(tp.max(x, axis=1).values, np.array([np.nan, 3.0], np.float32))
    same(tp.max(x, tp.zeros(1, device=device)), np.maximum(x.numpy(), 0))

@given(data=st.data())
def test_var_std_match_numpy(device, data):
    dtype = data.draw(FLOATS)
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    x = data.draw(hnp.arrays(dtype, shape, elements=st.floats(-3, 3, width=32)))
    dims = data.draw(st.one_of(st.none(), st.integers(0, len(shape) - 1), st.just(tuple(range(len(shape))))))
    correction = data.draw(st.sampled_from([0, 1]))
    keepdim = data.draw(st.booleans())
    t = Tensor(x, device=device)
    with np.errstate(all="ignore"):
        expected = np.var(x.astype(np.float64), axis=dims, ddof=correction, keepdims=keepdim)
    rtol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(t.var(dims, keepdim=keepdim, correction=correction).numpy(), expected, **rtol)
    np.testing.assert_allclose(tp.std(t, dims, correction == 1, keepdim).numpy(), np.sqrt(expected), **rtol)

def test_var_std_spellings_and_gradients(device):
    x = f64([[0.5, 1.5, -2.0], [1.1, 0.7, 1.3]], device)
    close(x.std(False), np.std(x.numpy()))
    close(x.var(1, unbiased=True), np.var(x.numpy(), 1, ddof=1))
    with np.errstate(all="ignore"):
        same(tp.tensor([1.0], device=device).std(), np.array(np.nan, np.float32))
        same(tp.tensor([1.0, 2.0], device=device).std(correction=2), np.array(np.inf, np.float32))
    assert tp.gradcheck(lambda a: a.var(1), [x])
    assert tp.gradcheck(lambda a: a.std(), [x])

NORMS = [("fro", None), (2, 1), (1, None), (1, 0), (np.inf, None), (-np.inf, 1), (0, None), (3, 1), (0.5, None)]

@pytest.mark.parametrize("p, dim", NORMS)
def test_norm_matches_numpy_and_finite_differences(device, p, dim):
    values = np.array([[0.5, 1.5, -2.0], [1.1, -0.7, 1.3]])
    flat = values.reshape(-1) if dim is None else values
    order = 2 if p == "fro" else p
    close(Tensor(values, device=device).norm(p, dim), np.linalg.norm(flat, ord=order, axis=-1 if dim is None else dim))
    if p != 0:
        assert tp.gradcheck(lambda x: tp.norm(x, p, dim), [f64(values, device)])

def test_norm_at_zero_has_a_zero_gradient(device):
    x = tp.zeros(3, dtype=tp.float64, device=device, requires_grad=True)
    x.norm().backward()
    same(x.grad, np.zeros(3))
    same(tp.tensor([[3.0, 4.0]], device=device).norm(dim=1, keepdim=True), np.array([[5.0]], np.float32))

# --- movement --------------------------------------------------------------------------------------------------
@given(data=st.data())
def test_flip_roll_repeat_tile_match_numpy(device, data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3))
    x = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    t = Tensor(x, device=device)
    dims = tuple(data.draw(st.lists(st.integers(0, len(shape) - 1), unique=True, min_size=1)))
    same(t.flip(dims), np.flip(x, dims))
    shifts = tuple(data.draw(st.integers(-4, 4)) for _ in dims)
    same(t.roll(shifts, dims), np.roll(x, shifts, dims))
    same(t.roll(shifts[0]), np.roll(x, shifts[0]))
    sizes = tuple(data.draw(st.integers(0, 2)) for _ in range(len(shape) + data.draw(st.integers(0, 1))))
    same(t.repeat(*sizes), np.tile(x, sizes))
    same(t.tile(sizes[1:]), np.tile(x, sizes[1:]))

def test_split_chunk_unbind_follow_pytorch(device):
    x = Tensor(np.arange(12.0).reshape(6, 2), device=device)
    assert [p.shape for p in x.split(4)] == [(4, 2), (2, 2)]
    assert [p.shape for p in tp.split(x, [1, 5])] == [(1, 2), (5, 2)]
    assert [p.shape for p in x.chunk(4)] == [(2, 2)] * 3
    assert [p.shape for p in tp.chunk(x, 2, dim=1)] == [(6, 1)] * 2
    assert [p.shape for p in tp.zeros(0).chunk(2)] == [(0,), (0,)]
    assert [p.shape for p in tp.zeros(0).split(1)] == [(0,)]
    rows = x.unbind()
    assert len(rows) == 6 and rows[1].shape == (2,)
    same(rows[5], np.array([10.0, 11.0]))
    same(tp.stack(list(x)), x.numpy())
    assert 11.0 in x and 12.0 not in x

@pytest.mark.parametrize("fn", [
    lambda x: x.flip(1), lambda x: x.roll(1, 0), lambda x: x.roll((1, -1), (0, 1)), lambda x: x.repeat(2, 1, 2),
    lambda x: x.tile((2,)), lambda x: tp.cat(x.split([1, 2], 1)[::-1], 1), lambda x: x.chunk(2)[1],
    lambda x: x.unbind(1)[2],
    lambda x: x.masked_fill(x > 1, 0.5), lambda x: tp.where(x > 1, x, 2.0), lambda x: x.amax(1),
    lambda x: x.expand_as(tp.zeros(3, 2, 3)), lambda x: x.view_as(tp.zeros(3, 2)),
])
def test_movement_gradients_match_finite_differences(device, fn):
    assert tp.gradcheck(fn, [f64([[0.5, 1.5, -2.0], [1.1, 0.7, 1.3]], device)])

@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_matches_numpy(device, indexing):
    a, b, c = (np.arange(n, dtype=np.float32) for n in (2, 3, 4))
    ours = tp.meshgrid(*(Tensor(v, device=device) for v in (a, b, c)), indexing=indexing)
    for grid, expected in zip(ours, np.meshgrid(a, b, c, indexing=indexing)):
        same(grid, expected)
    same(tp.meshgrid([Tensor(a, device=device)])[0], a)

# --- elementwise helpers: where, masked_fill, clip, allclose, equal --------------------------------------------
def test_where_of_numbers_and_masked_fill(device):
    cond = tp.tensor([True, False], device=device)
    same(tp.where(cond, 1.0, 0.0), np.array([1.0, 0.0], np.float32))
    same(tp.where(cond, 1, 0), np.array([1, 0]))
    same(tp.where(cond, 2, 0.5), np.array([2.0, 0.5], np.float32))
    same(tp.tensor([1, 2], device=device).masked_fill(cond, 5.7), np.array([5, 2]))
    same(tp.tensor([1.0, 2.0], device=device).masked_fill(cond, tp.tensor(3.0)), np.array([3.0, 2.0], np.float32))
    same(tp.masked_fill(tp.zeros(2, device=device), tp.ones(3, 2, device=device) > 0, 1.0), np.ones((3, 2), np.float32))
    same(tp.tensor([-2.0, 3.0], device=device).clip(-1, 1), np.array([-1.0, 1.0], np.float32))

def test_in_place_masked_fill_and_rounding(device):
    x = tp.tensor([1.25, -2.5, 3.75], device=device)
    view = x
    assert x.masked_fill_(x > 3, 0.0) is view
    same(x, np.array([1.25, -2.5, 0.0], np.float32))
    same(x.round_(), np.array([1.0, -2.0, 0.0], np.float32))
    same(tp.tensor([1.5], device=device).floor_(), np.array([1.0], np.float32))
    same(tp.tensor([1.5], device=device).ceil_(), np.array([2.0], np.float32))
    same(tp.tensor([-3.0, 3.0], device=device).clip_(-1, 1), np.array([-1.0, 1.0], np.float32))
    w = tp.tensor([0.5, 2.0], dtype=tp.float64, device=device, requires_grad=True)
    y = w * 1.0
    y.masked_fill_(w > 1, 0.0)
    y.sum().backward()
    same(w.grad, np.array([1.0, 0.0]))

def test_allclose_and_equal():
    a = tp.tensor([1.0, np.inf, np.nan])
    assert tp.allclose(a[:2], tp.tensor([1.0 + 1e-9, np.inf]))
    assert not tp.allclose(a, a) and tp.allclose(a, a, equal_nan=True)
    assert tp.allclose(tp.ones(2, 3), tp.ones(3))
    assert tp.equal(tp.tensor([1.0, 2.0]), tp.tensor([1, 2]))
    assert not tp.equal(tp.ones(2), tp.ones(3)) and not tp.equal(a, a)

# --- creation --------------------------------------------------------------------------------------------------
def test_creation_functions_follow_pytorch(device):
    same(tp.eye(2, 3, device=device), np.eye(2, 3, dtype=np.float32))
    same(tp.eye(2, dtype=tp.bool, device=device), np.eye(2, dtype=bool))
    close(tp.linspace(0, 1, 5, device=device), np.linspace(0, 1, 5), np.float32)
    same(tp.linspace(0, 1, 5, dtype=tp.int64), np.array([0, 0, 0, 0, 1]))
    assert tp.linspace(0, 10, 0).shape == (0,) and tp.linspace(2, 10, 1).tolist() == [2.0]
    close(tp.logspace(0, 2, 3, device=device), np.array([1.0, 10.0, 100.0]), np.float32)
    close(tp.logspace(0, 3, 4, base=2), np.array([1.0, 2.0, 4.0, 8.0]), np.float32)
    assert tp.empty(2, 3, device=device).shape == (2, 3)
    for t in (tp.eye(2, dtype=tp.float64, requires_grad=True), tp.linspace(0, 1, 3, requires_grad=True),
              tp.normal(0.0, 1.0, (2,), requires_grad=True)):
        assert t.requires_grad and t.is_leaf

def test_random_creation_is_seeded_and_in_range(device):
    tp.manual_seed(3)
    first = [tp.randint(5, (50,), device=device), tp.randint(-3, 3, (4, 5)), tp.randperm(10, device=device),
             tp.normal(2.0, 0.5, (1000,), device=device)]
    tp.manual_seed(3)
    again = [tp.randint(5, (50,), device=device), tp.randint(-3, 3, (4, 5)), tp.randperm(10, device=device),
             tp.normal(2.0, 0.5, (1000,), device=device)]
    for a, b in zip(first, again):
        same(a, b.numpy())
    assert first[0].dtype == tp.int64 and 0 <= first[0].numpy().min() and first[0].numpy().max() < 5
    assert first[1].numpy().min() >= -3 and first[1].numpy().max() < 3
    same(np.sort(first[2].numpy()), np.arange(10))
    assert abs(first[3].numpy().mean() - 2.0) < 0.1 and abs(first[3].numpy().std() - 0.5) < 0.1
    assert tp.randperm(4, dtype=tp.float32).dtype == tp.float32
    assert tp.randint(3, size=(2,), dtype=tp.float32).dtype == tp.float32
    mean = tp.zeros(2, 3, dtype=tp.float64, device=device)
    sampled = tp.normal(mean, tp.ones(3, device=device))
    assert sampled.shape == (2, 3) and sampled.dtype == tp.float64 and sampled.device == device
    assert tp.normal(0.0, tp.ones(4)).shape == (4,)
    generator = tp.Generator().manual_seed(1)
    same(tp.randperm(6, generator=generator), tp.randperm(6, generator=tp.Generator().manual_seed(1)).numpy())

# --- Tensor methods and Size -----------------------------------------------------------------------------------
def test_tensor_methods(device):
    x = tp.tensor([[1.0, 2.0, 3.0]], device=device)
    same(x.eq(2.0), np.array([[False, True, False]]))
    same(x.ge(2.0) & x.lt(3.0), np.array([[False, True, False]]))
    same(x.ne(x.gt(1).float() + 1), np.array([[False, False, True]]))
    assert x.dim() == x.ndimension() == 2 and x.nelement() == 3 and x.element_size() == 4
    assert x.double().element_size() == 8 and tp.tensor([True]).element_size() == 1
    assert x.is_cuda == (device == "cuda")
    assert x.new_tensor([1, 2]).dtype == tp.float32 and x.new_tensor([1, 2]).device == device
    assert x.new_zeros(2, 3).shape == (2, 3) and x.new_ones((2,)).dtype == tp.float32
    same(x.new_full((2,), 3), np.array([3.0, 3.0], np.float32))
    assert x.new_full((2,), 3, dtype=tp.int64).dtype == tp.int64 and x.new_empty(1).shape == (1,)
    assert x.type_as(tp.tensor([1])).dtype == tp.int64
    same(x.mm(tp.ones(3, 2, device=device)), np.full((1, 2), 6.0, np.float32))
    same(tp.ones(2, 1, 3, device=device).bmm(tp.ones(2, 3, 1, device=device)), np.full((2, 1, 1), 3.0, np.float32))
    assert x.reshape_as(tp.zeros(3)).shape == (3,)
    y = tp.tensor([1.0], requires_grad=True, device=device) * 2
    y.detach_()
    assert not y.requires_grad and y.is_leaf
    with pytest.raises(TypeError, match="0-d"):
        iter(tp.tensor(1.0))

def test_size_reads_like_pytorch():
    x = tp.zeros(1, 84)
    assert isinstance(x.shape, tp.Size) and isinstance(x.size(), tp.Size) and type(x.size(1)) is int
    assert repr(x.shape) == str(x.shape) == "tinygrad_pool.Size([1, 84])"
    assert f"{x.shape}" == "(1, 84)" and f"{x.shape!s}" == "tinygrad_pool.Size([1, 84])"
    assert x.shape == (1, 84) and hash(x.shape) == hash((1, 84)) and x.shape.numel() == 84
    assert isinstance(x.shape[1:], tp.Size) and x.shape[1:] == (84,) and x.shape[-1] == 84
    assert isinstance(x.shape + (2,), tp.Size) and (2,) + x.shape == (2, 1, 84) and isinstance((2,) + x.shape, tp.Size)
    assert repr(tp.Size([])) == "tinygrad_pool.Size([])" and tp.Size([]).numel() == 1
    assert pickle.loads(pickle.dumps(x.shape)) == (1, 84)
    assert tp.zeros(x.shape).shape == (1, 84) and tp.zeros(2, 3).view(x.shape[:1] + (-1,)).shape == (1, 6)
    with pytest.raises(TypeError, match="Size: sizes must be ints"):
        tp.Size([2.5])

def test_top_level_names():
    x = tp.tensor([[1.0, -2.0], [3.0, 4.0]])
    for name in ("exp", "log1p", "abs", "sigmoid", "tanh", "sin", "cos", "sinh", "cosh", "square", "sign",
                 "floor", "ceil", "round", "neg"):
        same(getattr(tp, name)(x.abs() if name == "log1p" else x), getattr(x.abs() if name == "log1p" else x,
                                                                          name)().numpy())
    same(tp.flatten(x), x.numpy().reshape(-1))
    same(tp.transpose(x, 0, 1), x.numpy().T)
    same(tp.permute(x, (1, 0)), x.numpy().T)
    same(tp.reshape(x, (4,)), x.numpy().reshape(4))
    same(tp.squeeze(tp.unsqueeze(x, 0), (0, 1)), x.numpy())
    same(tp.matmul(x, x), x.numpy() @ x.numpy())
    same(tp.mm(x, x), x.numpy() @ x.numpy())
    same(tp.clamp(x, 0), np.maximum(x.numpy(), 0))
    same(tp.maximum(x, tp.zeros(2)), np.maximum(x.numpy(), 0))
    same(tp.sum(x, 1), x.numpy().sum(1))
    same(tp.mean(x), np.array(1.5, np.float32))
    same(tp.prod(x, 0), np.array([3.0, -8.0], np.float32))
    assert tp.numel(x) == 4 and tp.is_tensor(x) and not tp.is_tensor(x.numpy())
    same(tp.max(x), np.array(4.0, np.float32))
    assert tp.argmax(x).item() == 3 and tp.min(x, 1).indices.tolist() == [1, 0]

# --- bad input -------------------------------------------------------------------------------------------------
v = tp.tensor([1.0, 2.0])
BAD = {
    "integer division by zero": (lambda: tp.tensor([1, 2]) // tp.tensor([1, 0]), ValueError, "division by zero"),
    "integer remainder by zero": (lambda: tp.tensor([1, 2]) % 0, ValueError, "division by zero"),
    "bits of floats": (lambda: v & v, TypeError, "only integer and bool tensors"),
    "inverting floats": (lambda: ~v, TypeError, "only integer and bool tensors"),
    "round decimals a float": (lambda: v.round(decimals=1.5), TypeError, "decimals must be an int"),
    "exp of a list": (lambda: tp.exp([1.0]), TypeError, "exp: input must be a Tensor"),
    "reshape of a list": (lambda: tp.reshape([1.0], (1,)), TypeError, "reshape: input must be a Tensor"),
    "sum with dim and axis": (lambda: v.sum(dim=0, axis=0), TypeError, "both dim=0 and axis=0"),
    "prod over a tuple": (lambda: v.prod((0,)), TypeError, "prod: dim must be an int"),
    "std of integers": (lambda: tp.tensor([1, 2]).std(), TypeError, "floating-point tensor"),
    "std with unbiased and correction": (lambda: v.std(unbiased=True, correction=0), TypeError, "not both"),
    "norm with p='nuc'": (lambda: v.norm("nuc"), ValueError, "p='nuc' is not supported"),
    "norm of integers": (lambda: tp.tensor([1, 2]).norm(), TypeError, "floating-point tensor"),
    "cumsum dim out of range": (lambda: v.cumsum(2), IndexError, "dim=2 is out of range"),
    "split sizes that do not add up": (lambda: v.split([1, 2]), ValueError, "must add up to 2"),
    "split size 0": (lambda: v.split(0), ValueError, "split_size=0 must be positive"),
    "split size a float": (lambda: v.split(1.5), TypeError, "split_size_or_sections must be an int"),
    "chunk 0": (lambda: v.chunk(0), ValueError, "chunks=0 must be at least 1"),
    "unbind a 0-d tensor": (lambda: tp.tensor(1.0).unbind(), ValueError, "0-d tensor"),
    "flip a dim twice": (lambda: v.flip((0, 0)), ValueError, "more than once"),
    "roll shifts without dims": (lambda: v.roll((1, 2), 0), ValueError, "one shift per dim"),
    "repeat with fewer sizes": (lambda: tp.ones(2, 3).repeat(2), ValueError, "at least one entry per dim"),
    "meshgrid of a matrix": (lambda: tp.meshgrid(tp.ones(2, 2)), ValueError, "0-d or 1-d"),
    "meshgrid indexing": (lambda: tp.meshgrid(v, indexing="yx"), ValueError, "indexing='yx'"),
    "masked_fill with an int mask": (lambda: v.masked_fill(tp.tensor([1, 0]), 0.0), TypeError, "bool tensor"),
    "masked_fill with a vector": (lambda: v.masked_fill(v > 1, v), ValueError, "0-d tensor"),
    "masked_fill NaN into ints": (lambda: tp.tensor([1]).masked_fill(tp.tensor([True]), np.nan), ValueError,
                                  "has no int64 value"),
    "where of a string": (lambda: tp.where(v > 1, "a", 0.0), TypeError, "where: input must be a number"),
    "mm of a vector": (lambda: tp.mm(tp.ones(2, 3), tp.ones(3)), ValueError, "mm needs two matrices"),
    "bmm batch sizes": (lambda: tp.bmm(tp.ones(2, 2, 3), tp.ones(3, 3, 1)), ValueError, "batch sizes"),
    "allclose of two dtypes": (lambda: tp.allclose(v, tp.tensor([1, 2])), TypeError, "cast one"),
    "eye of a negative size": (lambda: tp.eye(-1), ValueError, "n=-1 must be at least 0"),
    "linspace steps a float": (lambda: tp.linspace(0, 1, 2.0), TypeError, "steps must be an int"),
    "randint low >= high": (lambda: tp.randint(3, 3, (2,)), ValueError, "low=3 must be less than high=3"),
    "randint high a float": (lambda: tp.randint(3.5, (2,)), TypeError, "high must be an int"),
    "randint without a size": (lambda: tp.randint(3), TypeError, "randint(high, size)"),
    "randperm of a negative n": (lambda: tp.randperm(-1), ValueError, "n=-1 must be at least 0"),
    "normal with a negative std": (lambda: tp.normal(tp.zeros(2), -1.0), ValueError, "std must be >= 0"),
    "normal of two numbers without size": (lambda: tp.normal(0.0, 1.0), TypeError, "pass size too"),
    "normal with an integer dtype": (lambda: tp.normal(0.0, 1.0, (2,), dtype=tp.int64), TypeError, "float32"),
    "numel of a list": (lambda: tp.numel([1]), TypeError, "numel: input must be a Tensor"),
}

@pytest.mark.parametrize("case", BAD)
def test_bad_input_gets_a_clear_error(case):
    assert_bad_input(case, BAD)

# --- PyTorch as an oracle --------------------------------------------------------------------------------------
ORACLE = [   # (expression over `m`, the module: tinygrad_pool or torch, and `x`, a float tensor of it)
    "m.log1p(x.abs())", "x.sin()", "x.cosh()", "x.floor()", "x.ceil()", "x.round()", "x.round(decimals=1)",
    "x.sign()", "x.square()", "x.reciprocal()", "x // 0.7", "x % -0.7", "x.prod(1)", "x.cumsum(0)", "x.std(1)",
    "x.var(0, unbiased=False)", "x.norm()", "x.norm(1, 1)", "x.norm(float('inf'))", "x.norm(3, 0, True)",
    "x.all(1)", "x.any()", "x.argmin(1)", "x.flip(0)", "x.roll(2)", "x.roll((1, 1), (0, 1))", "x.repeat(2, 1, 1)",
    "x.tile((2,))", "x.masked_fill(x > 0, -1.5)", "m.where(x > 0, 1.0, 0.0)", "m.where(x > 0, 2, 0)",
    "x.amax(1)", "x.amin((0, 1))", "x.isfinite()", "m.meshgrid(x[0], x[1], indexing='xy')[1]", "m.eye(3, 2)",
    "m.linspace(-1, 2, 7)", "m.logspace(0, 1, 4)", "m.tensor([7, -7]) // 2", "m.tensor([7, -7]) % 3",
    "m.tensor([5, 3]) & 6", "~m.tensor([5, 3])", "m.tensor([True]) ^ m.tensor([True])",
]

@pytest.mark.parametrize("expression", ORACLE)
def test_against_pytorch(expression):
    torch = pytest.importorskip("torch")
    values = np.array([[0.25, -1.5, 2.0, -0.35], [1.75, 0.5, -2.5, 3.0], [-0.75, 1.25, 0.5, -3.5]], np.float32)
    ours = eval(expression, {"m": tp, "x": tp.tensor(values)})
    theirs = eval(expression, {"m": torch, "x": torch.tensor(values)})
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)

def test_gradients_against_pytorch():
    torch = pytest.importorskip("torch")
    values = np.array([[0.25, -1.5, 0.0, -0.35], [1.75, 0.0, -2.5, 3.0]])
    for expression in ("(x.prod(1) * w[:, 0]).sum()", "(x.cumsum(1) * w).sum()", "x.std(0).sum()",
                       "x.norm() + x.norm(1)", "(x.roll(1, 1) * w).sum()", "(x.repeat(1, 2)[:, :4] * w).sum()",
                       "(x.masked_fill(x > 1, 0.5) * w).sum()", "(x.sin() * x.log1p().abs() * w).sum()",
                       "((x % 0.7) * w).sum()", "(x.abs().round().amax(0) * w[0]).sum() + x.amin(1).sum()"):
        grads = []
        for m in (tp, torch):
            x = m.tensor(values, requires_grad=True)
            w = m.tensor(np.linspace(-1, 1, 8).reshape(2, 4))
            with np.errstate(all="ignore"):
                eval(expression, {"x": x, "w": w}).backward()
            grads.append(np.asarray(x.grad.numpy(), np.float64))
        np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10, atol=1e-12, err_msg=expression)

def test_size_against_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = tp.zeros(1, 84).shape, torch.zeros(1, 84).shape
    assert repr(ours).replace("tinygrad_pool", "torch") == repr(theirs)
    assert ours == theirs and ours.numel() == theirs.numel() and ours[1:] == theirs[1:]

# --- the top-level namespace: aliases, grad modes, threads, legacy types, dtypes, printing, version -------------
ALIASES = {   # name: the call it must equal
    "add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y, "div": lambda x, y: x / y,
    "true_divide": lambda x, y: x / y, "subtract": lambda x, y: x - y, "multiply": lambda x, y: x * y,
    "divide": lambda x, y: x / y, "floor_divide": lambda x, y: x // y, "remainder": lambda x, y: x % y,
    "eq": lambda x, y: x == y, "ne": lambda x, y: x != y, "lt": lambda x, y: x < y, "le": lambda x, y: x <= y,
    "gt": lambda x, y: x > y, "ge": lambda x, y: x >= y, "maximum": lambda x, y: x.maximum(y),
}

@pytest.mark.parametrize("name", ALIASES)
@given(data=st.data())
def test_top_level_aliases_are_the_operators(device, name, data):
    dtype = data.draw(FLOATS)
    pair = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_side=0, max_side=3, max_dims=2))
    a = data.draw(floats(pair.input_shapes[0], dtype))
    b = data.draw(floats(pair.input_shapes[1], dtype))
    x, y = Tensor(a, device=device), Tensor(b, device=device)
    with np.errstate(all="ignore"):
        same(getattr(tp, name)(x, y), ALIASES[name](x, y).numpy())

def test_top_level_aliases_of_unary_and_other_ops(device):
    x = tp.tensor([[1.0, -2.0], [0.0, 4.0]], device=device)
    same(tp.neg(x), (-x).numpy())
    same(tp.negative(x), (-x).numpy())
    same(tp.clone(x), x.numpy())
    same(tp.softmax(x, 1), x.softmax(1).numpy())
    same(tp.log_softmax(x, 0), x.log_softmax(0).numpy())
    same(tp.logical_not(x), (x == 0).numpy())
    assert tp.allclose(x, x.clone()) and x.allclose(x)
    names = ["add", "sub", "mul", "div", "true_divide", "floor_divide", "remainder", "eq", "ne", "lt", "le", "gt",
             "ge", "clone", "softmax", "log_softmax", "logical_and", "logical_or", "logical_not", "logical_xor",
             "isclose", "allclose", "neg", "negative", "subtract", "multiply", "divide", "einsum", "cdist",
             "tensordot", "kron", "dot", "logsumexp", "cumprod", "cummax", "bernoulli", "multinomial", "poisson",
             "inference_mode", "set_grad_enabled", "is_inference_mode_enabled", "set_num_threads", "get_num_threads",
             "FloatTensor", "LongTensor", "is_floating_point", "is_complex", "as_tensor", "finfo", "iinfo",
             "get_default_dtype", "set_default_dtype", "set_printoptions", "typename", "numel", "__version__"]
    assert [name for name in names if not hasattr(tp, name)] == []
    assert all(name in tp.__all__ for name in names if name != "numel")

def test_inference_mode_and_set_grad_enabled():
    w = tp.ones(2, requires_grad=True)
    with tp.inference_mode():
        assert tp.is_inference_mode_enabled() and not tp.is_grad_enabled()
        assert not (w * 2).requires_grad
        with tp.inference_mode(False):
            assert not tp.is_inference_mode_enabled() and not tp.is_grad_enabled()
    assert not tp.is_inference_mode_enabled() and tp.is_grad_enabled()

    @tp.inference_mode()
    def predict(x):
        return x * 2, tp.is_inference_mode_enabled()

    @tp.inference_mode
    def bare(x):
        return x * 2

    out, inside = predict(w)
    assert inside and not out.requires_grad and tp.is_grad_enabled()
    assert not bare(w).requires_grad and bare.__name__ == "bare"
    tp.set_grad_enabled(False)
    try:
        assert not tp.is_grad_enabled() and not (w * 2).requires_grad
    finally:
        tp.set_grad_enabled(True)
    assert tp.is_grad_enabled()
    with tp.set_grad_enabled(False):
        assert not tp.is_grad_enabled()
    assert tp.is_grad_enabled()
    with tp.no_grad():
        with tp.set_grad_enabled(True):
            assert (w * 2).requires_grad
        assert not tp.is_grad_enabled()

    @tp.set_grad_enabled(False)
    def frozen(x):
        return x * 2

    assert tp.is_grad_enabled() and not frozen(w).requires_grad

def test_num_threads_are_numbas():
    import numba
    before = tp.get_num_threads()
    assert before == numba.get_num_threads()
    try:
        tp.set_num_threads(1)
        assert tp.get_num_threads() == 1 == numba.get_num_threads()
        assert tp.ones(64, 64).matmul(tp.ones(64, 64)).numpy()[0, 0] == 64
    finally:
        tp.set_num_threads(before)

def test_legacy_tensor_types():
    x = tp.FloatTensor(2, 3)
    assert x.shape == (2, 3) and x.dtype == tp.float32
    same(tp.FloatTensor([1, 2]), np.array([1.0, 2.0], np.float32))
    same(tp.LongTensor([1.5, 2]), np.array([1, 2]))
    same(tp.BoolTensor([1, 0]), np.array([True, False]))
    same(tp.ByteTensor(2), np.zeros(2, np.uint8))
    same(tp.DoubleTensor((2, 3)), np.array([2.0, 3.0]))
    assert tp.IntTensor(tp.Size([2, 3])).shape == (2, 3) and tp.IntTensor(1).dtype == tp.int32
    assert tp.FloatTensor().shape == (0,)
    y = tp.zeros(2)
    assert tp.FloatTensor(y) is y
    assert isinstance(y, tp.FloatTensor) and not isinstance(y, tp.DoubleTensor) and isinstance(y, Tensor)
    assert isinstance(y.long(), tp.LongTensor) and not isinstance(np.zeros(2), tp.FloatTensor)
    assert tp.typename(y) == "tinygrad_pool.FloatTensor" == y.type()
    assert tp.typename(tp.zeros(1, dtype=tp.bool)) == "tinygrad_pool.BoolTensor"
    assert tp.typename(3) == "int" and tp.typename(np.zeros(1)) == "numpy.ndarray"
    assert y.type(tp.float64).dtype == tp.float64

def test_dtype_limits_and_the_default_dtype():
    info = tp.finfo(tp.float32)
    assert (info.eps, info.max, info.min, info.tiny, info.bits) == (float(np.finfo(np.float32).eps),
                                                                    float(np.finfo(np.float32).max),
                                                                    float(np.finfo(np.float32).min),
                                                                    float(np.finfo(np.float32).tiny), 32)
    assert info.dtype == "float32" and tp.finfo().dtype == "float32" and tp.finfo(tp.float64).bits == 64
    assert tp.finfo(tp.float64).eps == 2.0 ** -52 and tp.finfo(tp.float64).resolution == 1e-15
    limits = tp.iinfo(tp.int64)
    assert (limits.min, limits.max, limits.bits, limits.dtype) == (-2 ** 63, 2 ** 63 - 1, 64, "int64")
    assert tp.iinfo(tp.uint8).max == 255 and tp.iinfo(tp.int32).min == -2 ** 31
    assert tp.get_default_dtype() == tp.float32
    tp.set_default_dtype(tp.float64)
    try:
        assert tp.get_default_dtype() == tp.float64 and tp.finfo().dtype == "float64"
        for made in (tp.zeros(2), tp.ones(2), tp.empty(2), tp.rand(2), tp.randn(2), tp.full((2,), 1.5),
                     tp.arange(0.5, 2), tp.linspace(0, 1, 3), tp.eye(2), tp.tensor([1.5]), tp.tensor([1, 2]) / 2,
                     tp.tensor([1]).exp(), tp.normal(0.0, 1.0, (2,))):
            assert made.dtype == tp.float64
        assert tp.tensor([1, 2]).dtype == tp.int64 and tp.arange(3).dtype == tp.int64
    finally:
        tp.set_default_dtype(tp.float32)
    assert tp.zeros(1).dtype == tp.float32 and tp.tensor([1.5]).dtype == tp.float32

def test_print_options():
    try:
        tp.set_printoptions(precision=2)
        assert repr(tp.tensor([1.23456, 2.0])) == "tensor([1.23, 2.00])"
        tp.set_printoptions(sci_mode=True)
        assert repr(tp.tensor([1.5, 2.0])) == "tensor([1.50e+00, 2.00e+00])"
        tp.set_printoptions(profile="default", sci_mode=False)
        assert repr(tp.tensor([1e-8, 1e10, 1.5])) == "tensor([          0.0000, 10000000000.0000,           1.5000])"
        tp.set_printoptions(profile="default", edgeitems=1, threshold=5)
        assert repr(tp.arange(10.0)) == "tensor([0.,  ..., 9.])"
        tp.set_printoptions(profile="default", linewidth=20)
        assert repr(tp.arange(4.0)) == "tensor([0., 1., 2.,\n        3.])"
        tp.set_printoptions(profile="full")
        assert "..." not in repr(tp.arange(2000.0))
    finally:
        tp.set_printoptions(profile="default")
    assert repr(tp.tensor([1.23456])) == "tensor([1.2346])"

def test_version_and_small_tensor_queries():
    import re
    from pathlib import Path
    pyproject = (Path(tp.__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert tp.__version__ == re.search(r'^version = "([^"]+)"', pyproject, re.MULTILINE).group(1)
    x = tp.zeros(2)
    assert x.requires_grad_() is x and x.requires_grad and not x.requires_grad_(False).requires_grad
    assert tp.is_floating_point(x) and x.is_floating_point() and not tp.is_floating_point(tp.tensor([1]))
    assert not tp.is_complex(x) and not x.is_complex() and tp.numel(tp.zeros(2, 3)) == 6
    array = np.zeros(3, np.float32)
    shared = tp.as_tensor(array)
    array[0] = 5
    assert shared.tolist() == [5.0, 0.0, 0.0]
    assert tp.as_tensor(shared) is shared and tp.as_tensor(shared, dtype=tp.float64).dtype == tp.float64
    assert tp.as_tensor([1, 2], dtype=tp.float32).tolist() == [1.0, 2.0]
    assert tp.as_tensor(np.zeros(2, np.float64), dtype=tp.float32).dtype == tp.float32

# --- autograd.grad and Functions written as PyTorch's -----------------------------------------------------------
@given(data=st.data())
def test_autograd_grad_equals_what_backward_accumulates(device, data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=3))
    a = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-2, 2)))
    b = data.draw(hnp.arrays(np.float64, shape[-1:], elements=st.floats(-2, 2)))
    x, y = f64(a, device), f64(b, device)
    out = ((x * y).sin() * x + y.exp()).sum()
    gx, gy = tp.autograd.grad(out, (x, y), retain_graph=True)
    assert x.grad is None and y.grad is None
    out.backward()
    same(gx, x.grad.numpy())
    same(gy, y.grad.numpy())

def test_autograd_grad_options(device):
    x = f64([1.0, 2.0, 3.0], device)
    z = x * 2
    y = (z * z).sum()
    gz, gx = tp.autograd.grad(y, [z, x])
    same(gz, np.array([4.0, 8.0, 12.0]))
    same(gx, np.array([8.0, 16.0, 24.0]))
    with pytest.raises(RuntimeError, match="a second time"):
        y.backward()
    v = x * x
    (g,) = tp.autograd.grad(v, x, grad_outputs=tp.tensor([1.0, 0.0, 2.0], dtype=tp.float64, device=device))
    same(g, np.array([2.0, 0.0, 12.0]))
    first, second = x.sum(), (x * x).sum()
    (g,) = tp.autograd.grad([first, second], x, grad_outputs=[None, tp.tensor(2.0, dtype=tp.float64, device=device)])
    same(g, np.array([5.0, 9.0, 13.0]))
    unused = f64([1.0], device)
    assert tp.autograd.grad(x.sum(), [x, unused], allow_unused=True)[1] is None
    same(tp.autograd.grad(x.sum(), [x, unused], materialize_grads=True)[1], np.zeros(1))
    w = f64([[1.0, 2.0]], device)
    (g,) = tp.autograd.grad(w.expand(3, 2).sum(), w)
    g.add_(1.0)   # the result is the caller's own storage, not a broadcast view
    same(g, np.array([[4.0, 4.0]]))
    fixed = f64([2.0], device)
    with tp.no_grad():
        stepped = fixed * 3
    assert not stepped.requires_grad

GRAD_BAD = {
    "create_graph": (lambda: tp.autograd.grad(f64([1.0]).sum(), f64([1.0]), create_graph=True), NotImplementedError,
                     "cannot be differentiated again"),
    "a non-scalar output": (lambda: (lambda x: tp.autograd.grad(x * 2, x))(f64([1.0, 2.0])), RuntimeError,
                            "is not a scalar"),
    "an input without grad": (lambda: tp.autograd.grad(f64([1.0]).sum(), tp.ones(1)), RuntimeError,
                              "inputs[0] does not require grad"),
    "an output without grad": (lambda: tp.autograd.grad(tp.ones(1).sum(), f64([1.0])), RuntimeError,
                               "outputs[0] does not require grad and has no grad_fn"),
    "an unused input": (lambda: tp.autograd.grad(f64([1.0]).sum(), f64([1.0])), RuntimeError,
                        "inputs[0] was not used"),
    "a list input": (lambda: tp.autograd.grad(f64([1.0]).sum(), [[1.0]]), TypeError, "inputs[0] must be a Tensor"),
    "grad_outputs of a wrong shape": (lambda: (lambda x: tp.autograd.grad(x * 2, x, tp.ones(3, dtype=tp.float64)))(
        f64([1.0, 2.0])), ValueError, "grad_outputs[0] must be a Tensor of the output's shape"),
    "two grad_outputs for one output": (lambda: (lambda x: tp.autograd.grad(x.sum(), x, [None, None]))(f64([1.0])),
                                        ValueError, "2 grad_outputs for 1 outputs"),
    "inference_mode of 1": (lambda: tp.inference_mode(1), TypeError, "mode must be True or False"),
    "set_grad_enabled of None": (lambda: tp.set_grad_enabled(None), TypeError, "mode must be True or False"),
    "set_num_threads of 0": (lambda: tp.set_num_threads(0), ValueError, "int=0 must be at least 1"),
    "set_num_threads beyond numba's": (lambda: tp.set_num_threads(10 ** 6), ValueError, "more than the"),
    "finfo of an integer dtype": (lambda: tp.finfo(tp.int64), TypeError, "is not a floating-point dtype"),
    "iinfo of a float dtype": (lambda: tp.iinfo(tp.float32), TypeError, "is not an integer dtype"),
    "finfo of a string": (lambda: tp.finfo("half-ish"), TypeError, "is not a dtype"),
    "set_default_dtype of int64": (lambda: tp.set_default_dtype(tp.int64), TypeError, "only float32 and float64"),
    "set_printoptions profile": (lambda: tp.set_printoptions(profile="long"), ValueError, "profile='long'"),
    "set_printoptions precision a float": (lambda: tp.set_printoptions(precision=2.5), TypeError,
                                           "precision must be an int"),
    "a legacy type of another dtype": (lambda: tp.FloatTensor(tp.tensor([1])), TypeError,
                                       "expected a float32 tensor, got int64"),
    "a legacy type of a float": (lambda: tp.FloatTensor(2.5), TypeError, "expected sizes (ints), a Size or data"),
    "is_floating_point of a float": (lambda: tp.is_floating_point(3.0), TypeError, "input must be a Tensor"),
}

@pytest.mark.parametrize("case", GRAD_BAD)
def test_namespace_bad_input_gets_a_clear_error(case):
    assert_bad_input(case, GRAD_BAD)

class Cube(tp.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x * x * x * scale

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x * ctx.scale, None

class SortedWithOrder(tp.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        order = tp.tensor(np.argsort(x.numpy()), device=x.device)
        ctx.mark_non_differentiable(order)
        ctx.order = order
        return x[order], order

    @staticmethod
    def backward(ctx, grad, grad_order):
        out = tp.zeros(grad.shape, dtype=grad.dtype, device=grad.device)
        out[ctx.order] = grad
        return out

def test_functions_written_as_pytorchs(device):
    x = f64([0.5, -1.5, 2.0], device)
    y = Cube.apply(x, 2.0)
    assert y.requires_grad and repr(y.grad_fn) == "<CubeBackward0 object>"
    y.sum().backward()
    same(x.grad, 6 * x.numpy() ** 2)
    assert tp.gradcheck(lambda a: Cube.apply(a, -0.5), [f64([0.3, 1.2], device)])
    values, order = SortedWithOrder.apply(x)
    assert not order.requires_grad and values.tolist() == [-1.5, 0.5, 2.0]
    assert tp.gradcheck(lambda a: SortedWithOrder.apply(a)[0] * tp.tensor([1.0, 2.0, 3.0], dtype=tp.float64,
                                                                           device=device), [x])
    with tp.no_grad():
        assert not Cube.apply(x, 1.0).requires_grad
    assert not Cube.apply(tp.ones(2, device=device), 1.0).requires_grad

def test_a_function_with_the_wrong_number_of_gradients():
    class Wrong(tp.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(RuntimeError, match="Wrong.backward returned 1 gradients, but forward took 2 inputs"):
        Wrong.apply(f64([1.0]), f64([2.0])).sum().backward()

def test_namespace_against_pytorch():
    torch = pytest.importorskip("torch")
    for ours, theirs in ((tp.finfo(tp.float32), torch.finfo(torch.float32)),
                         (tp.finfo(tp.float64), torch.finfo(torch.float64))):
        for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
            assert getattr(ours, field) == getattr(theirs, field), field
        assert repr(ours) == repr(theirs)
    for dtype in ("int64", "int32", "uint8"):
        ours, theirs = tp.iinfo(getattr(tp, dtype)), torch.iinfo(getattr(torch, dtype))
        assert (ours.bits, ours.min, ours.max) == (theirs.bits, theirs.min, theirs.max)
        assert repr(ours) == repr(theirs)
    for name in ("FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ByteTensor", "BoolTensor"):
        ours, theirs = getattr(tp, name)([1, 0]), getattr(torch, name)([1, 0])
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "") and ours.tolist() == theirs.tolist()
        assert tp.typename(ours).replace("tinygrad_pool", "torch") == torch.typename(theirs)
    values = [1.23456, 1e-5, 20000.0]
    try:
        for options in (dict(precision=2), dict(sci_mode=False), dict(sci_mode=True), dict(profile="short"),
                        dict(precision=6, linewidth=30)):
            tp.set_printoptions(profile="default")
            torch.set_printoptions(profile="default")
            tp.set_printoptions(**options)
            torch.set_printoptions(**options)
            for data in (values, [1.5, 2.0], list(range(12))):
                assert repr(tp.tensor(np.array(data, np.float32))) == repr(torch.tensor(np.array(data, np.float32)))
    finally:
        tp.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")

def test_autograd_grad_against_pytorch():
    torch = pytest.importorskip("torch")
    values = np.array([[0.25, -1.5, 0.5], [1.75, 0.3, -2.5]])
    results = []
    for m in (tp, torch):
        x = m.tensor(values, requires_grad=True)
        hidden = x.tanh() * 2
        outputs = [(hidden * x).sum(), hidden.exp().sum()]
        results.append([g.numpy() for g in m.autograd.grad(outputs, [x, hidden],
                                                           grad_outputs=[m.tensor(1.5, dtype=m.float64), None])])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
