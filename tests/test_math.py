"""Elementwise math (expm1, log2, log10, trunc, frac, erf, erfc, erfinv, sinc, atan2, fmod, hypot, copysign,
logaddexp, xlogy, heaviside, lerp, addcmul, addcdiv, nan_to_num, float_power, ...), the top-level aliases
(add(alpha=), div(rounding_mode=), eq, logical_and, isclose, ...), the reductions logsumexp, var_mean, std_mean,
count_nonzero, cumprod, cummax, cummin, nansum, nanmean and aminmax, and the products dot, vdot, outer, mv, addmm,
addmv, baddbmm, addbmm, kron, tensordot and cdist.

Each against a plain-loop (or numpy) reference, with hypothesis where a kernel is new, special values (inf, NaN,
-0.0) as PyTorch gives them, float64 finite differences for the differentiable ones, a bad-input table, and
PyTorch as an extra oracle where it is installed."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_pool as tp
from tinygrad_pool import Tensor
from conftest import assert_bad_input, tolerance

FLOATS = st.sampled_from([np.float32, np.float64])
SPECIAL = [0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -2.5, 1e-8, -1e-30, 0.999999, -0.9999999, 1e30, -1e30, 800.0,
           np.inf, -np.inf, np.nan]
NAN, INF = math.nan, math.inf

def floats(shape, dtype, low=-6.0, high=6.0):
    elements = st.one_of(st.floats(low, high, width=32), st.sampled_from(SPECIAL))
    return hnp.arrays(dtype, shape, elements=elements)

def shapes(max_dims=3):
    return hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=0, max_side=3)

def same(ours, expected):
    """Equal values, NaNs in the same places and the sign of every zero kept."""
    ours = ours.numpy() if isinstance(ours, Tensor) else np.asarray(ours)
    expected = np.asarray(expected)
    assert ours.shape == expected.shape and ours.dtype == expected.dtype, (ours.shape, ours.dtype, expected.dtype)
    np.testing.assert_array_equal(ours, expected)
    if ours.dtype.kind == "f":
        np.testing.assert_array_equal(np.signbit(ours) & ~np.isnan(ours), np.signbit(expected) & ~np.isnan(expected))

def close(ours, expected, dtype=np.float64, rtol=None):
    ours = ours.numpy() if isinstance(ours, Tensor) else np.asarray(ours)
    assert ours.shape == np.shape(expected), (ours.shape, np.shape(expected))
    options = tolerance(dtype)
    if rtol is not None:
        options["rtol"] = rtol
    np.testing.assert_allclose(ours, expected, **options)

def f64(values, device="cpu"):
    return tp.tensor(np.asarray(values, np.float64), device=device, requires_grad=True)

def per_element(fn, *arrays, dtype=None):
    """fn of python floats at every element of the broadcast arrays, as `dtype` (the first array's)."""
    broadcast = np.broadcast_arrays(*arrays)
    out = np.empty(broadcast[0].shape, dtype or arrays[0].dtype)
    for index in np.ndindex(out.shape):
        out[index] = fn(*(float(a[index]) for a in broadcast))
    return out

# --- references: plain loops over python floats -----------------------------------------------------------------
def erfinv_reference(v):
    """erf's inverse by bisection on erf(y) = |v|, or on erfc(y) = 1 - |v| above 0.5 (where erf rounds to 1);
    below 1e-8 erf is linear to double precision."""
    a = abs(v)
    if math.isnan(v) or a > 1:
        return NAN
    if a == 1:
        return math.copysign(INF, v)
    if a < 1e-8:
        return v * math.sqrt(math.pi) / 2
    low, high = 0.0, 6.0
    for _ in range(200):
        middle = (low + high) / 2
        below = math.erf(middle) < a if a < 0.5 else math.erfc(middle) > 1 - a
        low, high = (middle, high) if below else (low, middle)
    return math.copysign((low + high) / 2, v)

def log_reference(log):
    return lambda v: log(v) if v > 0 else (-INF if v == 0 else NAN)

UNARY = {   # name: reference on python floats
    "expm1": lambda v: INF if v > 709 else math.expm1(v),
    "log2": log_reference(math.log2),
    "log10": log_reference(math.log10),
    "trunc": lambda v: math.copysign(math.trunc(v), v) if math.isfinite(v) else v,
    "frac": lambda v: v - math.copysign(math.trunc(v), v) if math.isfinite(v) else NAN,
    "erf": math.erf,
    "erfc": math.erfc,
    "erfinv": erfinv_reference,
    "sinc": lambda v: 1.0 if v == 0 else (math.sin(math.pi * v) / (math.pi * v) if math.isfinite(v) else NAN),
    "deg2rad": lambda v: v * math.pi / 180,
    "rad2deg": lambda v: v * 180 / math.pi,
}
EXACT = {"trunc", "frac"}

@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary_math_matches_the_loop_reference(device, name, data):
    dtype = data.draw(FLOATS)
    x = data.draw(floats(shapes(), dtype, -1.5 if name == "erfinv" else -6.0, 1.5 if name == "erfinv" else 6.0))
    expected = per_element(UNARY[name], x)
    ours = getattr(tp, name)(Tensor(x, device=device))
    assert ours.dtype == dtype
    if name in EXACT:
        same(ours, expected)
    else:
        np.testing.assert_allclose(ours.numpy(), expected, rtol=3e-6 if dtype == np.float32 else 1e-13, atol=1e-6 if
                                   dtype == np.float32 else 1e-15)

def test_erfinv_is_accurate_to_a_few_ulps_in_float64(device):
    x = np.concatenate([np.linspace(-0.999999, 0.999999, 201), [1e-300, -1e-20, 0.5, 1 - 2 ** -52, -(1 - 1e-15)]])
    ours = tp.erfinv(Tensor(x, device=device)).numpy()
    expected = per_element(erfinv_reference, x)
    np.testing.assert_allclose(ours, expected, rtol=4e-15, atol=0)
    np.testing.assert_allclose(per_element(math.erf, ours), x, rtol=0, atol=3e-16)

def test_unary_math_special_values_as_pytorch(device):
    x = tp.tensor([0.0, -0.0, 1.0, -1.0, INF, -INF, NAN, 2.0], device=device)
    same(tp.erfinv(x), np.array([0.0, -0.0, INF, -INF, NAN, NAN, NAN, NAN], np.float32))
    same(tp.trunc(tp.tensor([-0.5, 0.5, -0.0, 2.7, -2.7, 2 ** 60], device=device)),
         np.array([-0.0, 0.0, -0.0, 2.0, -2.0, 2 ** 60], np.float32))
    same(tp.frac(x), np.array([0.0, 0.0, 0.0, 0.0, NAN, NAN, NAN, 0.0], np.float32))
    same(tp.log2(x), np.array([-INF, -INF, 0.0, NAN, INF, NAN, NAN, 1.0], np.float32))
    same(tp.log10(tp.tensor([1000.0, 0.01], dtype=tp.float64, device=device)), np.array([3.0, -2.0]))
    same(tp.expm1(tp.tensor([-0.0, -INF, 1000.0], dtype=tp.float64, device=device)), np.array([-0.0, -1.0, INF]))
    same(tp.erf(x)[:7], np.array([0.0, -0.0, math.erf(1), -math.erf(1), 1.0, -1.0, NAN], np.float32))
    same(tp.erfc(x)[4:7], np.array([0.0, 2.0, NAN], np.float32))
    same(tp.sinc(x)[:2], np.array([1.0, 1.0], np.float32))
    same(tp.signbit(tp.tensor([0.0, -0.0, -1.0, INF, -INF, NAN, -NAN], device=device)),
         np.array([False, True, True, False, True, False, True]))
    same(tp.fix(tp.tensor([-1.5], device=device)), np.array([-1.0], np.float32))

def test_unary_math_dtypes_follow_pytorch(device):
    ints = tp.tensor([1, 2], device=device)
    for name in ("expm1", "log2", "log10", "erf", "erfc", "erfinv", "sinc", "deg2rad", "rad2deg"):
        assert getattr(tp, name)(ints).dtype == tp.float32, name
        assert getattr(tp, name)(tp.tensor([True], device=device)).dtype == tp.float32, name
    same(tp.trunc(ints), np.array([1, 2]))
    same(tp.signbit(tp.tensor([-1, 0, 2], device=device)), np.array([True, False, False]))
    same(tp.signbit(tp.tensor([True], device=device)), np.array([False]))
    same(tp.log2(tp.tensor([8], device=device)), np.array([3.0], np.float32))

@pytest.mark.parametrize("name", ["expm1", "log2", "log10", "trunc", "frac", "erf", "erfc", "erfinv", "sinc",
                                  "deg2rad", "rad2deg"])
def test_unary_math_gradients_match_finite_differences(device, name):
    values = [[0.3, 0.7, 0.45], [0.9, 0.2, 0.6]] if name == "erfinv" else [[0.3, 1.7, 2.2], [0.9, -1.2, 2.6]]
    if name in ("log2", "log10"):
        values = np.abs(values)
    assert tp.gradcheck(getattr(tp, name), [f64(values, device)])

def test_sinc_gradient_is_zero_at_zero(device):
    x = f64([0.0, 1.0], device)
    tp.sinc(x).sum().backward()
    close(x.grad, np.array([0.0, -1.0]))

# --- binary math -------------------------------------------------------------------------------------------------
def fmod_reference(a, b):
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or b == 0:
        return NAN
    return math.fmod(a, b)

def xlogy_reference(x, y):
    if math.isnan(y):
        return NAN
    if x == 0:
        return 0.0
    return x * (math.log(y) if y > 0 else (-INF if y == 0 else NAN))

BINARY = {   # name: reference on python floats (or numpy), differentiable
    "atan2": (math.atan2, True),
    "fmod": (fmod_reference, True),
    "hypot": (math.hypot, True),
    "copysign": (math.copysign, True),
    "logaddexp": (np.logaddexp, True),
    "logaddexp2": (np.logaddexp2, True),
    "xlogy": (xlogy_reference, True),
    "float_power": (lambda a, b: np.power(np.float64(a), np.float64(b)), True),
}

@pytest.mark.parametrize("name", BINARY)
@given(data=st.data())
def test_binary_math_broadcasts_and_matches_the_reference(device, name, data):
    dtype = data.draw(FLOATS)
    pair = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_side=0, max_side=3, max_dims=3))
    a = data.draw(floats(pair.input_shapes[0], dtype))
    b = data.draw(floats(pair.input_shapes[1], dtype))
    reference, _ = BINARY[name]
    result_dtype = np.float64 if name == "float_power" else dtype
    with np.errstate(all="ignore"):
        expected = per_element(reference, a, b, dtype=result_dtype)
        ours = getattr(tp, name)(Tensor(a, device=device), Tensor(b, device=device))
    assert ours.dtype == result_dtype
    if name in ("fmod", "copysign"):
        same(ours, expected)
    else:
        np.testing.assert_allclose(ours.numpy(), expected, rtol=3e-6 if result_dtype == np.float32 else 1e-13,
                                   atol=1e-30)

def test_binary_math_special_values_as_pytorch(device):
    a = tp.tensor([0.0, -0.0, 1.0, -1.0, INF, -INF, NAN, 3.0, -3.0, INF], device=device)
    b = tp.tensor([-0.0, 0.0, 0.0, -0.0, INF, 2.0, 1.0, -INF, NAN, -INF], device=device)
    pi = np.float32(math.pi)
    with np.errstate(all="ignore"):
        same(tp.atan2(a, b), np.array([pi, -0.0, pi / 2, -pi / 2, pi / 4, -pi / 2, NAN, pi, NAN, 3 * pi / 4],
                                      np.float32))
        same(tp.fmod(a, b), np.array([NAN] * 7 + [3.0, NAN, NAN], np.float32))
        same(tp.hypot(a, b), np.array([0, 0, 1, 1, INF, INF, NAN, INF, NAN, INF], np.float32))
        same(tp.copysign(a, b), np.array([-0.0, 0.0, 1, -1, INF, INF, NAN, -3, 3, -INF], np.float32))
        log2 = np.float32(math.log(2))
        close(tp.logaddexp(a, b), np.array([log2, log2, 1.3132617, 0.3132617, INF, 2, NAN, 3, NAN, INF], np.float32),
              np.float32)
        close(tp.logaddexp2(a, b), np.array([1, 1, 1.5849625, 0.5849625, INF, 2, NAN, 3, NAN, INF], np.float32),
              np.float32)
        same(tp.xlogy(a, b), np.array([0, 0, -INF, INF, INF, -INF, NAN, NAN, NAN, NAN], np.float32))
        same(tp.heaviside(a, b), np.array([-0.0, 0, 1, 0, 1, 0, 0, 1, 0, 1], np.float32))

def test_binary_math_dtypes_and_numbers(device):
    i, j = tp.tensor([-7, 7, -7, 7], device=device), tp.tensor([3, 3, -3, -3], device=device)
    same(tp.fmod(i, j), np.array([-1, 1, -1, 1]))
    same(tp.fmod(i, 2.5), np.array([-2.0, 2.0, -2.0, 2.0], np.float32))
    same(tp.fmod(tp.tensor([5.0, -5.0], device=device), 3), np.array([2.0, -2.0], np.float32))
    assert tp.atan2(i, j).dtype == tp.float32 and tp.copysign(i, j).dtype == tp.float32
    same(tp.copysign(tp.tensor([2.0], device=device), -0.0), np.array([-2.0], np.float32))
    same(tp.xlogy(2, tp.tensor([1.0, 0.0], device=device)), np.array([0.0, -INF], np.float32))
    same(tp.xlogy(tp.tensor([0.0, 2.0], device=device), 1), np.array([0.0, 0.0], np.float32))
    assert tp.xlogy(i, j).dtype == tp.float32
    same(tp.heaviside(i, tp.tensor([5], device=device)), np.array([0, 1, 0, 1]))
    same(tp.float_power(tp.tensor([2, 3], device=device), 2), np.array([4.0, 9.0]))
    same(tp.float_power(2, tp.tensor([0.5], device=device)), np.array([math.sqrt(2)]))
    same(tp.arctan2(tp.tensor([1.0], device=device), tp.tensor([0.0], device=device)),
         np.array([math.pi / 2], np.float32))

@pytest.mark.parametrize("name", [name for name, (_, differentiable) in BINARY.items() if differentiable])
def test_binary_math_gradients_match_finite_differences(device, name):
    a = f64([[0.3, 1.7, -2.5], [0.9, -1.2, 2.6]] if name != "float_power" else [[0.3, 1.7, 2.5], [0.9, 1.2, 2.6]],
            device)
    b = f64([[1.1], [-0.7]] if name != "xlogy" else [[1.1], [0.7]], device)
    assert tp.gradcheck(getattr(tp, name), [a, b])

def test_binary_math_gradients_at_the_edges_as_pytorch(device):
    a, b = f64([0.0, 1.0], device), f64([0.0, 2.0], device)
    tp.atan2(a, b).sum().backward()
    close(a.grad, np.array([0.0, 0.4]))
    close(b.grad, np.array([0.0, -0.2]))
    x = f64([0.0, 1.0, -0.0], device)
    tp.copysign(x, tp.tensor([-1.0, -1.0, 1.0], dtype=tp.float64, device=device)).sum().backward()
    same(x.grad, np.array([0.0, -1.0, 0.0]))
    x = f64([0.0, 1.0], device)
    tp.xlogy(x, tp.tensor([0.0, 2.0], dtype=tp.float64, device=device)).sum().backward()
    close(x.grad, np.array([0.0, math.log(2)]))
    x = f64([1.0, -1.0], device)
    with pytest.raises(RuntimeError, match="derivative of heaviside"):
        tp.heaviside(x, tp.tensor([0.5], dtype=tp.float64, device=device)).sum().backward()

# --- lerp, addcmul, addcdiv, nan_to_num --------------------------------------------------------------------------
@given(data=st.data())
def test_lerp_addcmul_addcdiv_match_the_loop_reference(device, data):
    dtype = data.draw(FLOATS)
    pair = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=3, min_side=1, max_side=3, max_dims=2))
    a, b, c = (data.draw(hnp.arrays(dtype, shape, elements=st.floats(-4, 4, width=32)))
               for shape in pair.input_shapes)
    scalar_weight = data.draw(st.floats(-1, 2, width=32))
    value = data.draw(st.sampled_from([1, -2, 0.5]))

    def lerp(start, end, weight):
        return start + weight * (end - start) if abs(weight) < 0.5 else end - (end - start) * (1 - weight)

    x, y, z = (Tensor(v, device=device) for v in (a, b, c))
    close(tp.lerp(x, y, z), per_element(lerp, a, b, c), dtype)
    close(tp.lerp(x, y, scalar_weight), per_element(lambda s, e: lerp(s, e, scalar_weight), a, b), dtype)
    close(tp.addcmul(x, y, z, value=value), per_element(lambda p, q, r: p + value * q * r, a, b, c), dtype)
    safe = np.where(np.abs(c) < 0.5, 1.0, c).astype(dtype)
    close(tp.addcdiv(x, y, Tensor(safe, device=device), value=value),
          per_element(lambda p, q, r: p + value * q / r, a, b, safe), dtype, rtol=1e-4 if dtype == np.float32 else None)

def test_lerp_addcmul_addcdiv_gradients(device):
    a, b, c = f64([0.5, 1.5, -2.0], device), f64([1.1, 0.7, 1.3], device), f64([0.2, 0.6, 0.9], device)
    assert tp.gradcheck(tp.lerp, [a, b, c])
    assert tp.gradcheck(lambda x, y: tp.lerp(x, y, 0.75), [a, b])
    assert tp.gradcheck(lambda x, y, z: tp.addcmul(x, y, z, value=-0.5), [a, b, c])
    assert tp.gradcheck(lambda x, y, z: tp.addcdiv(x, y, z, value=2), [a, b, c])

def test_nan_to_num_follows_pytorch(device):
    x = tp.tensor([NAN, INF, -INF, 1.0, -0.0], device=device)
    big = np.finfo(np.float32).max
    same(tp.nan_to_num(x), np.array([0.0, big, -big, 1.0, -0.0], np.float32))
    same(x.nan_to_num(nan=2.0, posinf=3.0), np.array([2.0, 3.0, -big, 1.0, -0.0], np.float32))
    same(tp.nan_to_num(tp.tensor([INF], dtype=tp.float64, device=device)), np.array([np.finfo(np.float64).max]))
    same(tp.nan_to_num(tp.tensor([1, 2], device=device)), np.array([1, 2]))
    w = f64([NAN, 2.0, INF], device)
    tp.nan_to_num(w).sum().backward()
    same(w.grad, np.array([0.0, 1.0, 0.0]))

# --- aliases: add, sub, div, comparisons, logical ops, isclose ---------------------------------------------------
def test_add_sub_with_alpha_and_numbers_first(device):
    x = tp.tensor([1.0, 2.0], device=device)
    same(tp.add(x, 2, alpha=3), np.array([7.0, 8.0], np.float32))
    same(tp.add(2, x), np.array([3.0, 4.0], np.float32))
    same(tp.add(2, x, alpha=2), np.array([4.0, 6.0], np.float32))
    same(tp.sub(2, x, alpha=2), np.array([0.0, -2.0], np.float32))
    same(x.add(x, alpha=0.5), np.array([1.5, 3.0], np.float32))
    same(x.sub(1, alpha=2), np.array([-1.0, 0.0], np.float32))
    same(tp.subtract(x, x), np.zeros(2, np.float32))
    same(tp.add(tp.tensor([1], device=device), 2, alpha=3), np.array([7]))
    same(tp.mul(2, x), np.array([2.0, 4.0], np.float32))
    same(tp.multiply(x, x), np.array([1.0, 4.0], np.float32))
    same(tp.negative(x), np.array([-1.0, -2.0], np.float32))
    w = f64([1.0, 2.0], device)
    assert tp.gradcheck(lambda a: tp.add(a, a * a, alpha=-1.5), [w])
    assert tp.gradcheck(lambda a: tp.sub(3.0, a, alpha=2), [w])

def test_div_rounding_modes_follow_pytorch(device):
    ints = tp.tensor([7, -7, 6, -1], device=device)
    same(tp.div(ints, 2, rounding_mode="trunc"), np.array([3, -3, 3, 0]))
    same(tp.div(ints, 2, rounding_mode="floor"), np.array([3, -4, 3, -1]))
    same(tp.div(ints, -2, rounding_mode="trunc"), np.array([-3, 3, -3, 0]))
    same(tp.div(ints, 2), np.array([3.5, -3.5, 3.0, -0.5], np.float32))
    same(tp.true_divide(ints, 2), np.array([3.5, -3.5, 3.0, -0.5], np.float32))
    floats_ = tp.tensor([7.0, -7.0, -0.5, 1.0], device=device)
    same(tp.div(floats_, 2, rounding_mode="trunc"), np.array([3.0, -3.0, -0.0, 0.0], np.float32))
    same(floats_.div(2, rounding_mode="floor"), np.array([3.0, -4.0, -1.0, 0.0], np.float32))
    same(tp.div(1.0, tp.tensor([0.1], device=device), rounding_mode="floor"), np.array([9.0], np.float32))
    with np.errstate(all="ignore"):
        same(tp.div(tp.tensor([1.0, -1.0, 0.0], device=device), 0.0, rounding_mode="trunc"),
             np.array([INF, -INF, NAN], np.float32))
    same(tp.divide(tp.tensor([7], device=device), tp.tensor([-2], device=device), rounding_mode="trunc"),
         np.array([-3]))
    x = f64([1.5, -2.5], device)
    tp.div(x, 2, rounding_mode="floor").sum().backward()
    same(x.grad, np.zeros(2))
    x.grad = None
    tp.div(x, 2, rounding_mode="trunc").sum().backward()
    same(x.grad, np.zeros(2))

def test_comparisons_logical_ops_and_isclose(device):
    x = tp.tensor([1.0, 2.0, NAN], device=device)
    same(tp.eq(x, 1), np.array([True, False, False]))
    same(tp.ne(x, tp.tensor([1.0, 3.0, NAN], device=device)), np.array([False, True, True]))
    same(tp.lt(x, 2) | tp.le(x, 1), np.array([True, False, False]))
    same(tp.gt(x, 1) & tp.ge(x, 2), np.array([False, True, False]))
    y = tp.tensor([2, 0, 1], device=device)
    same(tp.logical_and(x, y), np.array([True, False, True]))
    same(tp.logical_or(tp.tensor([0.0, 0.0], device=device), tp.tensor([0, 1], device=device)), np.array([False, True]))
    same(tp.logical_xor(x, y), np.array([False, True, False]))
    same(tp.logical_not(x), np.array([False, False, False]))
    same(tp.logical_not(tp.tensor([0, 3], device=device)), np.array([True, False]))
    same(x.logical_and(tp.tensor([True], device=device)), np.array([True, True, True]))
    a = tp.tensor([1.0, INF, NAN, -INF, 1.0], device=device)
    b = tp.tensor([1.0 + 1e-7, INF, NAN, INF, 1.1], device=device)
    same(tp.isclose(a, b), np.array([True, True, False, False, False]))
    same(tp.isclose(a, b, equal_nan=True, rtol=0.2), np.array([True, True, True, False, True]))
    same(tp.isclose(tp.tensor([1, 5], device=device), tp.tensor([2, 5], device=device), atol=1), np.array([True, True]))
    same(tp.isclose(tp.tensor([True], device=device), tp.tensor([False], device=device)), np.array([False]))
    same(tp.softmax(tp.tensor([0.0, 0.0], device=device), 0), np.array([0.5, 0.5], np.float32))
    clone = tp.clone(x)
    same(clone, x.numpy())

@given(data=st.data())
def test_isclose_matches_numpy(device, data):
    dtype = data.draw(FLOATS)
    pair = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_side=0, max_side=3, max_dims=2))
    a = data.draw(floats(pair.input_shapes[0], dtype, -2, 2))
    b = data.draw(floats(pair.input_shapes[1], dtype, -2, 2))
    rtol, atol = data.draw(st.sampled_from([1e-5, 0.1])), data.draw(st.sampled_from([1e-8, 0.5]))
    equal_nan = data.draw(st.booleans())
    ours = tp.isclose(Tensor(a, device=device), Tensor(b, device=device), rtol, atol, equal_nan)
    with np.errstate(all="ignore"):
        same(ours, np.isclose(a.astype(np.float64), b, rtol, atol, equal_nan) if dtype == np.float64 else
             np.isclose(a, b, rtol, atol, equal_nan) | ((a == b) & np.isinf(a)))

# --- in-place forms ----------------------------------------------------------------------------------------------
def test_in_place_forms_write_into_the_tensor(device):
    x = tp.tensor([0.25, -1.5, 2.0], device=device)
    cases = [("expm1_", (), np.expm1), ("log2_", (), lambda v: np.log2(np.abs(v))), ("trunc_", (), np.trunc),
             ("frac_", (), lambda v: v - np.trunc(v)), ("erf_", (), lambda v: per_element(math.erf, v)),
             ("sinc_", (), lambda v: np.sinc(v)), ("deg2rad_", (), np.deg2rad), ("square_", (), np.square),
             ("atan2_", (2.0,), lambda v: np.arctan2(v, np.float32(2))),
             ("fmod_", (0.75,), lambda v: np.fmod(v, np.float32(0.75))),
             ("copysign_", (-1.0,), lambda v: -np.abs(v)),
             ("lerp_", (tp.tensor([1.0, 1.0, 1.0], device=device), 0.5), lambda v: v + 0.5 * (1 - v)),
             ("addcmul_", (tp.tensor([2.0], device=device), tp.tensor([3.0], device=device)), lambda v: v + 6)]
    for name, args, reference in cases:
        source = x.abs() if name == "log2_" else x
        target = tp.tensor(source.numpy(), device=device)
        assert getattr(target, name)(*args) is target, name
        close(target, reference(source.numpy()).astype(np.float32), np.float32)
    y = tp.tensor([1.0, 2.0], dtype=tp.float64, device=device)
    same(y.float_power_(2), np.array([1.0, 4.0]))
    z = tp.tensor([NAN, 1.0], device=device)
    same(z.nan_to_num_(nan=5.0), np.array([5.0, 1.0], np.float32))
    m = tp.zeros(2, 2, device=device)
    same(m.addmm_(tp.ones(2, 3, device=device), tp.ones(3, 2, device=device), alpha=2),
         np.full((2, 2), 6.0, np.float32))
    b = tp.tensor([1.0, 0.0], device=device)
    same(b.logical_and_(tp.tensor([1, 1], device=device)), np.array([1.0, 0.0], np.float32))
    w = f64([0.5, 1.5], device)
    h = w * 1.0
    h.expm1_()
    h.sum().backward()
    close(w.grad, np.exp(np.array([0.5, 1.5])))

# --- reductions --------------------------------------------------------------------------------------------------
def logsumexp_reference(x, axis):
    x = np.moveaxis(x, axis, -1)
    out = np.empty(x.shape[:-1], x.dtype)
    for index in np.ndindex(out.shape):
        row = [float(v) for v in x[index]]
        peak = max(row, default=-INF)
        if math.isnan(peak) or any(math.isnan(v) for v in row):
            out[index] = NAN
        elif math.isinf(peak):
            out[index] = peak
        else:
            out[index] = peak + math.log(sum(math.exp(v - peak) for v in row))
    return out

@given(data=st.data())
def test_logsumexp_matches_the_loop_reference(device, data):
    dtype = data.draw(FLOATS)
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4))
    elements = st.one_of(st.floats(-100, 100, width=32), st.sampled_from([-INF, INF, 700.0, -700.0]))
    x = data.draw(hnp.arrays(dtype, shape, elements=elements))
    axis = data.draw(st.integers(0, len(shape) - 1))
    keepdim = data.draw(st.booleans())
    ours = tp.logsumexp(Tensor(x, device=device), axis, keepdim)
    expected = logsumexp_reference(x, axis)
    # the log of a sum near 1 (a result near 0) is exact to the dtype's spacing at 1, not relative to the result
    np.testing.assert_allclose(ours.numpy(), np.expand_dims(expected, axis) if keepdim else expected,
                               rtol=1e-5 if dtype == np.float32 else 1e-12, atol=4 * np.finfo(dtype).eps)

def test_logsumexp_stability_gradient_and_dims(device):
    x = tp.tensor([[1000.0, 1000.0], [-1000.0, -1000.0], [-INF, -INF], [INF, 1.0]], device=device)
    close(tp.logsumexp(x, 1), np.array([1000 + math.log(2), -1000 + math.log(2), -INF, INF], np.float32), np.float32)
    same(tp.logsumexp(tp.tensor([[1, 2]], device=device), (0, 1)), np.array(math.log(math.e + math.e ** 2),
                                                                              np.float32))
    w = f64([[0.5, 1.5, -2.0], [1.1, 0.7, 1.3]], device)
    assert tp.gradcheck(lambda a: a.logsumexp(1), [w])
    assert tp.gradcheck(lambda a: tp.logsumexp(a, (0, 1), keepdim=True), [w])

def cumprod_reference(x, axis):
    x = np.moveaxis(x, axis, -1)
    out = np.empty(x.shape, x.dtype)
    for index in np.ndindex(x.shape[:-1]):
        acc = x.dtype.type(1)
        for j in range(x.shape[-1]):
            acc = x.dtype.type(acc * x[index + (j,)])
            out[index + (j,)] = acc
    return np.moveaxis(out, -1, axis)

def running_extreme_reference(x, axis, reaches):
    """The running extreme and the last index where it was reached: v takes over where reaches(v, acc) (a tie
    included) or where v is NaN, which wins and stays (later numbers never replace it)."""
    x = np.moveaxis(x, axis, -1)
    values, indices = np.empty(x.shape, x.dtype), np.empty(x.shape, np.int64)
    for index in np.ndindex(x.shape[:-1]):
        acc, at = None, 0
        for j in range(x.shape[-1]):
            v = x[index + (j,)]
            if acc is None or v != v or (acc == acc and reaches(v, acc)):
                acc, at = v, j
            values[index + (j,)], indices[index + (j,)] = acc, at
    return np.moveaxis(values, -1, axis), np.moveaxis(indices, -1, axis)

@given(data=st.data())
def test_cumprod_cummax_cummin_match_the_loop_reference(device, data):
    dtype = np.dtype(data.draw(st.sampled_from([np.float32, np.float64, np.int64, np.int32, np.bool_])))
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4))
    elements = st.booleans() if dtype == np.bool_ else st.integers(-3, 3) if dtype.kind == "i" else \
        st.one_of(st.floats(-2, 2, width=32), st.sampled_from([0.0, -0.0, NAN, INF, -INF]))
    x = data.draw(hnp.arrays(dtype, shape, elements=elements))
    axis = data.draw(st.integers(0, len(shape) - 1))
    t = Tensor(x, device=device)
    wide = x.astype(np.int64) if dtype.kind in "bi" else x
    with np.errstate(all="ignore"):
        expected = cumprod_reference(wide, axis)
        ours = t.cumprod(axis)
    assert ours.dtype == wide.dtype
    np.testing.assert_allclose(ours.numpy(), expected, rtol=1e-5 if dtype == np.float32 else 1e-12)
    for name, reaches in (("cummax", lambda v, acc: v >= acc), ("cummin", lambda v, acc: v <= acc)):
        values, indices = running_extreme_reference(x, axis, reaches)
        result = getattr(tp, name)(t, axis)
        same(result.values, values)
        same(result.indices, indices)

def test_cumulative_ops_follow_pytorch_on_nan_and_ties(device):
    x = tp.tensor([1.0, 3.0, 3.0, 2.0, NAN, 5.0, NAN, 1.0], device=device)
    values, indices = tp.cummax(x, 0)
    same(values, np.array([1, 3, 3, 3, NAN, NAN, NAN, NAN], np.float32))
    same(indices, np.array([0, 1, 2, 2, 4, 4, 6, 6]))
    same(tp.cummin(tp.tensor([[1, 2]], device=device), -1).indices, np.array([[0, 0]]))
    same(tp.cummax(tp.tensor(2.0, device=device), 0).indices, np.array(0))
    same(tp.cumprod(tp.tensor(3.0, device=device), 0), np.array(3.0, np.float32))
    same(tp.cumprod(tp.tensor([True, True], device=device), 0), np.array([1, 1]))
    same(tp.cumprod(tp.tensor([1.5], device=device), 0, dtype=tp.int64), np.array([1]))
    assert tp.cummax(tp.zeros(0, 2, device=device), 0).values.shape == (0, 2)

def test_cumprod_gradient_with_zeros_as_pytorch(device):
    x = f64([[2.0, 0.0, 3.0, 0.0, 4.0]], device)
    tp.cumprod(x, 1).backward(tp.tensor([[1.0, 2.0, 3.0, 4.0, 5.0]], dtype=tp.float64, device=device))
    close(x.grad, np.array([[1.0, 22.0, 0.0, 0.0, 0.0]]))
    for values in ([[0.5, 1.5, -2.0], [1.1, 0.7, 1.3]], [[0.0, 1.5, -2.0], [1.1, 0.0, 0.0]],
                   [[0.5, 1.5, 0.0], [0.0, 0.7, 1.3]]):
        for dim in (0, 1):
            assert tp.gradcheck(lambda a: a.cumprod(dim), [f64(values, device)])

def test_cummax_cummin_gradients_go_to_the_index(device):
    for values in ([[0.5, 1.5, -2.0], [1.1, 0.7, 1.3]], [[0.3, 0.1, 0.9], [2.0, -1.0, 2.5]]):
        for dim in (0, 1):
            assert tp.gradcheck(lambda a: a.cummax(dim).values, [f64(values, device)])
            assert tp.gradcheck(lambda a: tp.cummin(a, dim)[0], [f64(values, device)])
    x = f64([1.0, 3.0, 3.0, 2.0], device)
    x.cummax(0).values.sum().backward()
    same(x.grad, np.array([1.0, 1.0, 2.0, 0.0]))

@given(data=st.data())
def test_nan_reductions_count_nonzero_and_aminmax_match_numpy(device, data):
    dtype = data.draw(FLOATS)
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    x = data.draw(hnp.arrays(dtype, shape, elements=st.one_of(st.floats(-3, 3, width=32), st.just(NAN),
                                                               st.just(0.0))))
    dim = data.draw(st.one_of(st.none(), st.integers(0, len(shape) - 1)))
    keepdim = data.draw(st.booleans())
    t = Tensor(x, device=device)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # numpy's "mean of empty slice" for a row of NaNs
        close(tp.nansum(t, dim, keepdim), np.nansum(x, axis=dim, keepdims=keepdim), dtype)
        close(t.nanmean(dim, keepdim), np.nanmean(x, axis=dim, keepdims=keepdim), dtype)
    same(tp.count_nonzero(t, dim), np.count_nonzero(x, axis=dim))
    low, high = tp.aminmax(t, dim=dim, keepdim=keepdim)
    same(low, np.min(x, axis=dim, keepdims=keepdim))
    same(high, np.max(x, axis=dim, keepdims=keepdim))

def test_nan_reductions_and_var_mean(device):
    x = tp.tensor([[1.0, NAN, 2.0], [NAN, NAN, NAN]], device=device)
    same(tp.nansum(x), np.array(3.0, np.float32))
    with np.errstate(all="ignore"):
        same(tp.nanmean(x, 1), np.array([1.5, NAN], np.float32))
    same(tp.nansum(tp.tensor([1, 2], device=device), dtype=tp.float64), np.array(3.0))
    same(tp.count_nonzero(tp.tensor([[0, 1.0], [NAN, 0]], device=device), dim=(0, 1)), np.array(2))
    w = f64([[0.5, NAN, -2.0], [1.1, 0.7, 1.3]], device)
    tp.nansum(w).backward()
    same(w.grad, np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]]))
    assert tp.gradcheck(lambda a: a.nanmean(1), [f64([[0.5, 1.5, -2.0], [1.1, 0.7, 1.3]], device)])
    values = np.array([[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]])
    t = tp.tensor(values, device=device)
    variance, average = tp.var_mean(t, 1, keepdim=True)
    close(variance, values.var(1, ddof=1, keepdims=True))
    close(average, values.mean(1, keepdims=True))
    deviation, average = tp.std_mean(t, correction=0)
    close(deviation, values.std())
    close(average, values.mean())
    variance, _ = tp.var_mean(t, 0, False)
    close(variance, values.var(0))
    assert isinstance(tp.var_mean(t), tuple)
    low, high = tp.aminmax(t)
    assert (low.item(), high.item()) == (-1.0, 4.0)
    assert tp.gradcheck(lambda a: tp.var_mean(a, 1)[0] + tp.std_mean(a, 1)[1], [f64(values, device)])
    assert tp.gradcheck(lambda a: tp.aminmax(a, dim=0).max - tp.aminmax(a, dim=0).min, [f64(values, device)])

# --- products ----------------------------------------------------------------------------------------------------
def matmul_reference(a, b):
    out = np.zeros((a.shape[0], b.shape[1]), np.result_type(a, b))
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            for k in range(a.shape[1]):
                out[i, j] += a[i, k] * b[k, j]
    return out

def kron_reference(a, b):
    ndim = max(a.ndim, b.ndim)
    a = a.reshape((1,) * (ndim - a.ndim) + a.shape)
    b = b.reshape((1,) * (ndim - b.ndim) + b.shape)
    out = np.empty(tuple(x * y for x, y in zip(a.shape, b.shape)), np.result_type(a, b))
    for i in np.ndindex(a.shape):
        for j in np.ndindex(b.shape):
            out[tuple(p * size + q for p, size, q in zip(i, b.shape, j))] = a[i] * b[j]
    return out

def cdist_reference(x1, x2, p):
    out = np.empty(x1.shape[:-1] + (x2.shape[-2],))
    for index in np.ndindex(out.shape):
        *batch, i, j = index
        d = np.abs(x1[tuple(batch) + (i,)] - x2[tuple(batch) + (j,)])
        out[index] = (np.count_nonzero(d) if p == 0 else d.max(initial=0) if p == INF else
                      float(np.sum(d ** p)) ** (1 / p))
    return out

@given(data=st.data())
def test_products_match_loop_references(device, data):
    dtype = data.draw(FLOATS)
    n, m, k, b = (data.draw(st.integers(1, 3)) for _ in range(4))
    arrays = lambda shape: data.draw(hnp.arrays(dtype, shape, elements=st.floats(-2, 2, width=32)))   # noqa: E731
    a, v, w, c = arrays((n, m)), arrays((m,)), arrays((n,)), arrays((m, k))
    batch1, batch2, bias = arrays((b, n, m)), arrays((b, m, k)), arrays((k,))
    beta, alpha = data.draw(st.sampled_from([0, 1, 0.5])), data.draw(st.sampled_from([1, -2.0]))
    T = lambda array: Tensor(array, device=device)   # noqa: E731
    close(tp.dot(T(v), T(v)), matmul_reference(v[None], v[:, None])[0, 0], dtype)
    close(tp.vdot(T(v), T(v)), matmul_reference(v[None], v[:, None])[0, 0], dtype)
    close(tp.outer(T(w), T(v)), matmul_reference(w[:, None], v[None]), dtype)
    close(tp.mv(T(a), T(v)), matmul_reference(a, v[:, None])[:, 0], dtype)
    close(tp.addmm(T(bias), T(a), T(c), beta=beta, alpha=alpha), beta * bias + alpha * matmul_reference(a, c), dtype)
    close(tp.addmv(T(w), T(a), T(v), beta=beta, alpha=alpha), beta * w + alpha * matmul_reference(a, v[:, None])[:, 0],
          dtype)
    per_batch = np.stack([matmul_reference(x, y) for x, y in zip(batch1, batch2)])
    close(tp.baddbmm(T(bias), T(batch1), T(batch2), beta=beta, alpha=alpha), beta * bias + alpha * per_batch, dtype)
    close(tp.addbmm(T(bias), T(batch1), T(batch2), beta=beta, alpha=alpha), beta * bias + alpha * per_batch.sum(0),
          dtype)
    close(tp.kron(T(a), T(batch1)), kron_reference(a, batch1), dtype)
    close(tp.tensordot(T(batch1), T(c), 1), np.tensordot(batch1, c, 1), dtype)
    close(tp.tensordot(T(batch1), T(batch2), ([0, 2], [0, 1])), np.tensordot(batch1, batch2, ([0, 2], [0, 1])), dtype)
    p = data.draw(st.sampled_from([2.0, 1.0, 0.0, INF, 3.0]))
    close(tp.cdist(T(batch1), T(batch2.transpose(0, 2, 1)), p), cdist_reference(batch1, batch2.transpose(0, 2, 1), p),
          dtype, rtol=1e-4 if dtype == np.float32 else None)

def test_products_special_cases(device):
    same(tp.addmm(tp.tensor([NAN], device=device), tp.ones(1, 3, device=device), tp.ones(3, 1, device=device), beta=0),
         np.array([[3.0]], np.float32))
    same(tp.dot(tp.tensor([1, 2], device=device), tp.tensor([3, 4], device=device)), np.array(11))
    same(tp.outer(tp.tensor([1, 2], device=device), tp.tensor([3.0, 4.0], device=device)),
         np.array([[3.0, 4.0], [6.0, 8.0]], np.float32))
    same(tp.ger(tp.tensor([1.0], device=device), tp.tensor([2.0], device=device)), np.array([[2.0]], np.float32))
    same(tp.kron(tp.tensor([[1, 2], [3, 4]], device=device), tp.tensor([1, 10], device=device)),
         np.array([[1, 10, 2, 20], [3, 30, 4, 40]]))
    assert tp.tensordot(tp.ones(2, 3, device=device), tp.ones(4, 5, device=device), dims=0).shape == (2, 3, 4, 5)
    assert tp.tensordot(tp.ones(2, 3, 4, device=device), tp.ones(3, 4, 5, device=device)).shape == (2, 5)
    assert tp.cdist(tp.ones(5, 2, 3, device=device), tp.zeros(4, 3, device=device)).shape == (5, 2, 4)
    x = f64([[1.0, 2.0], [1.0, 2.0]], device)
    tp.cdist(x, x).sum().backward()
    same(x.grad, np.zeros((2, 2)))
    assert tp.ones(2, 3, device=device).mv(tp.ones(3, device=device)).tolist() == [3.0, 3.0]

@pytest.mark.parametrize("fn", [
    lambda a, b: tp.dot(a[0], b[:, 0]), lambda a, b: tp.vdot(a[1], b[:, 1]), lambda a, b: tp.outer(a[0], b[0]),
    lambda a, b: tp.mv(a, b[:, 0]), lambda a, b: tp.addmm(a[0, :2], b.T, a.T, beta=0.5, alpha=-2),
    lambda a, b: tp.addmv(b[:, 0], b, a[0, :2], alpha=3), lambda a, b: tp.baddbmm(a[:, :2], a[None], b[None], beta=2),
    lambda a, b: tp.addbmm(a.T @ a, a.T[None].expand(2, 3, 2), a[None].expand(2, 2, 3)),
    lambda a, b: tp.kron(a, b), lambda a, b: tp.tensordot(a, b, 1), lambda a, b: tp.tensordot(a, b.T, 2),
    lambda a, b: tp.cdist(a, b.T), lambda a, b: tp.cdist(a, b.T, 1), lambda a, b: tp.cdist(a, b.T, float("inf")),
    lambda a, b: tp.cdist(a[None], b.T[None], 3),
])
def test_product_gradients_match_finite_differences(device, fn):
    a = f64([[0.5, 1.5, -2.0], [1.1, 0.7, 1.3]], device)
    b = f64([[0.3, -0.2], [0.9, 1.4], [-1.2, 0.6]], device)
    assert tp.gradcheck(fn, [a, b])

# --- bad input ---------------------------------------------------------------------------------------------------
v = tp.tensor([1.0, 2.0])
m = tp.ones(2, 3)
BAD = {
    "erf of a list": (lambda: tp.erf([1.0]), TypeError, "erf: input must be a Tensor"),
    "frac of integers": (lambda: tp.frac(tp.tensor([1])), TypeError, "frac: input must be float32 or float64"),
    "trunc of bools": (lambda: tp.trunc(tp.tensor([True])), TypeError, "trunc: input must be a number tensor"),
    "hypot of integers": (lambda: tp.hypot(tp.tensor([1]), tp.tensor([2])), TypeError, "must be float tensors"),
    "hypot with a number": (lambda: tp.hypot(v, 2.0), TypeError, "hypot: other must be a Tensor"),
    "logaddexp of integers": (lambda: tp.logaddexp(tp.tensor([1]), tp.tensor([2])), TypeError,
                              "logaddexp: input and other must be float tensors"),
    "fmod by an integer zero": (lambda: tp.fmod(tp.tensor([1, 2]), tp.tensor([1, 0])), ValueError,
                                "integer division by zero"),
    "atan2 shapes": (lambda: tp.atan2(v, tp.ones(3)), ValueError, "do not broadcast"),
    "heaviside with a number": (lambda: tp.heaviside(v, 0.5), TypeError, "heaviside: values must be a Tensor"),
    "heaviside of two dtypes": (lambda: tp.heaviside(v, tp.tensor([1])), TypeError, "must have one dtype"),
    "float_power with a string": (lambda: tp.float_power(v, "2"), TypeError, "exponent must be a number"),
    "float_power_ of float32": (lambda: tp.ones(2).float_power_(2), TypeError, "the result is float64"),
    "lerp of integers": (lambda: tp.lerp(tp.tensor([1]), tp.tensor([2]), 0.5), TypeError, "must be float tensors"),
    "lerp of two dtypes": (lambda: tp.lerp(v, v.double(), 0.5), TypeError, "of one dtype"),
    "lerp weight a string": (lambda: tp.lerp(v, v, "a"), TypeError, "weight must be a number"),
    "addcmul float value for ints": (lambda: tp.addcmul(tp.tensor([1]), tp.tensor([1]), tp.tensor([1]), value=0.5),
                                     TypeError, "value=0.5 must be an int"),
    "addcdiv of integers": (lambda: tp.addcdiv(v, tp.tensor([3]), tp.tensor([2])), TypeError,
                            "integer division is not supported"),
    "nan_to_num with a string": (lambda: tp.nan_to_num(v, nan="0"), TypeError, "nan must be a number"),
    "add with a float alpha for ints": (lambda: tp.add(tp.tensor([1]), 2, alpha=0.5), TypeError,
                                        "alpha=0.5 must be an int"),
    "add with a string alpha": (lambda: tp.add(v, v, alpha="2"), TypeError, "alpha must be a number"),
    "div rounding mode": (lambda: tp.div(v, 2, rounding_mode="round"), ValueError, "rounding_mode='round'"),
    "div trunc by an integer zero": (lambda: tp.div(tp.tensor([1]), 0, rounding_mode="trunc"), ValueError,
                                     "integer division by zero"),
    "eq of a list": (lambda: tp.eq([1.0], v), TypeError, "eq: input must be a Tensor"),
    "logical_and with a number": (lambda: tp.logical_and(v, 1), TypeError, "logical_and: other must be a Tensor"),
    "isclose of two dtypes": (lambda: tp.isclose(v, tp.tensor([1, 2])), TypeError, "cast one"),
    "isclose with a negative rtol": (lambda: tp.isclose(v, v, rtol=-1), ValueError, "rtol=-1 must be at least 0"),
    "logsumexp dim out of range": (lambda: tp.logsumexp(v, 1), IndexError, "dim=1 is out of range"),
    "cumprod dim out of range": (lambda: tp.cumprod(v, 2), IndexError, "dim=2 is out of range"),
    "cummax of a list": (lambda: tp.cummax([1.0], 0), TypeError, "cummax: input must be a Tensor"),
    "nanmean of integers": (lambda: tp.nanmean(tp.tensor([1, 2])), TypeError, "floating-point tensor"),
    "aminmax over a tuple": (lambda: tp.aminmax(m, dim=(0, 1)), TypeError, "aminmax: dim must be an int"),
    "aminmax of an empty tensor": (lambda: tp.aminmax(tp.zeros(0)), ValueError, "empty tensor"),
    "var_mean with unbiased and correction": (lambda: tp.var_mean(v, unbiased=True, correction=0), TypeError,
                                              "not both"),
    "count_nonzero dim twice": (lambda: tp.count_nonzero(m, (0, 0)), ValueError, "more than once"),
    "dot of a matrix": (lambda: tp.dot(m, v), ValueError, "dot: input must be 1-d"),
    "dot sizes": (lambda: tp.dot(tp.ones(3), v), ValueError, "input has 3 elements and tensor 2"),
    "dot of two dtypes": (lambda: tp.dot(v, v.double()), TypeError, "cast one"),
    "outer of a matrix": (lambda: tp.outer(m, v), ValueError, "outer: input must be 1-d"),
    "mv sizes": (lambda: tp.mv(m, v), ValueError, "do not fit"),
    "addmm shapes": (lambda: tp.addmm(tp.ones(2, 2), m, m), ValueError, "matmul shape mismatch"),
    "addmm input that does not broadcast": (lambda: tp.addmm(tp.ones(3), m, tp.ones(3, 2)), ValueError,
                                            "do not broadcast"),
    "addmm beta a string": (lambda: tp.addmm(m, m, tp.ones(3, 3), beta="1"), TypeError, "beta must be a number"),
    "baddbmm of matrices": (lambda: tp.baddbmm(m, m, m), ValueError, "bmm needs two 3-d tensors"),
    "addbmm batch sizes": (lambda: tp.addbmm(m, tp.ones(2, 2, 3), tp.ones(3, 3, 3)), ValueError, "batch sizes"),
    "kron of a list": (lambda: tp.kron(v, [1.0]), TypeError, "kron: other must be a Tensor"),
    "tensordot dims an int pair": (lambda: tp.tensordot(m, m, (1, 0)), TypeError, "two lists of dims"),
    "tensordot sizes": (lambda: tp.tensordot(m, tp.ones(4, 5), 1), ValueError, "contracted dims must match"),
    "tensordot negative dims": (lambda: tp.tensordot(m, m, -1), ValueError, "dims=-1 must be at least 0"),
    "cdist of a vector": (lambda: tp.cdist(v, m), ValueError, "at least 2 dims"),
    "cdist columns": (lambda: tp.cdist(m, tp.ones(2, 2)), ValueError, "same number of columns"),
    "cdist negative p": (lambda: tp.cdist(m, m, -1), ValueError, "p=-1 must be at least 0"),
    "cdist of integers": (lambda: tp.cdist(tp.ones(2, 2, dtype=tp.int64), tp.ones(2, 2, dtype=tp.int64)), TypeError,
                          "float tensors"),
    "cdist compute mode": (lambda: tp.cdist(m, m, compute_mode="fast"), ValueError, "compute_mode='fast'"),
}

@pytest.mark.parametrize("case", BAD)
def test_bad_input_gets_a_clear_error(case):
    assert_bad_input(case, BAD)

# --- PyTorch as an oracle ----------------------------------------------------------------------------------------
ORACLE = [   # (expression over `m`, the module, and `x`, `y`, float tensors of it)
    "m.expm1(x)", "m.log2(x.abs())", "m.log10(x.abs())", "m.trunc(x)", "m.fix(x)", "m.frac(x)", "m.erf(x)",
    "m.erfc(x)", "m.erfinv(x / 4)", "m.sinc(x)", "m.deg2rad(x)", "m.rad2deg(x)", "m.signbit(x)", "m.atan2(x, y)",
    "m.arctan2(x, y)", "m.fmod(x, y)", "m.fmod(x, -0.7)", "m.hypot(x, y)", "m.copysign(x, y)",
    "m.logaddexp(x, y)", "m.logaddexp2(x, y)", "m.xlogy(x, y.abs())", "m.xlogy(2, y.abs())",
    "m.heaviside(x, y)", "m.float_power(x.abs(), y)", "m.lerp(x, y, 0.3)", "m.lerp(x, y, 0.8)",
    "m.xlogy(x, 3)", "m.copysign(x, -0.0)", "m.fmod(m.tensor([7, -7]), m.tensor([3, -3]))",
    "m.lerp(x, y, y.abs() / 4)", "m.addcmul(x, x, y, value=-0.5)", "m.addcdiv(x, x, y, value=2)",
    "m.nan_to_num(x / 0.0)", "m.add(x, y, alpha=2)", "m.sub(1.5, y, alpha=3)", "m.div(x, y, rounding_mode='trunc')",
    "m.div(x, y, rounding_mode='floor')", "m.true_divide(x, 3)", "m.eq(x, y)", "m.logical_xor(x, y)",
    "m.isclose(x, y, rtol=0.5)", "m.logsumexp(x, 1)", "m.logsumexp(x, (0, 1), keepdim=True)", "m.var_mean(x, 0)[0]",
    "m.std_mean(x, 1, keepdim=True)[0]", "m.count_nonzero(x > 0, 0)", "m.cumprod(x, 1)", "m.cummax(x, 0)[0]",
    "m.cummax(x, 0)[1]", "m.cummin(x, 1)[1]", "m.nansum(x)", "m.nanmean(x, 1)", "m.aminmax(x, dim=0)[1]",
    "m.dot(x[0], y[1])", "m.outer(x[0], y[1])", "m.mv(x, y[0])", "m.addmm(x[:, :3], x, y.T, beta=0.5)",
    "m.kron(x, y[:2, :2])", "m.tensordot(x, y, ([0, 1], [0, 1]))", "m.cdist(x, y)", "m.cdist(x, y, p=1)",
    "m.cdist(x, y, p=float('inf'))", "m.cdist(x, y, p=0.5)", "x[:, 0].addmv(x, y[0], alpha=2)",
]

@pytest.mark.parametrize("expression", ORACLE)
def test_against_pytorch(expression):
    torch = pytest.importorskip("torch")
    x = np.array([[0.25, -1.5, 2.0, -0.35], [1.75, 0.5, -2.5, 3.0], [-0.75, 1.25, 0.5, -3.5]], np.float32)
    y = np.array([[1.5, 0.25, -2.0, 0.35], [-0.5, 0.5, 1.5, -1.0], [0.75, -1.25, 0.0, 2.5]], np.float32)
    with np.errstate(all="ignore"):
        ours = eval(expression, {"m": tp, "x": tp.tensor(x), "y": tp.tensor(y)})
    theirs = eval(expression, {"m": torch, "x": torch.tensor(x), "y": torch.tensor(y)})
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)

def test_gradients_against_pytorch():
    torch = pytest.importorskip("torch")
    values = np.array([[0.25, -1.5, 0.0, -0.35], [1.75, 0.0, -2.5, 3.0]])
    for expression in ("(m.erf(x) * m.expm1(x) * w).sum()", "(m.atan2(x, w) + m.hypot(x, w)).sum()",
                       "(m.logaddexp(x, w) * m.sinc(x)).sum()", "m.logsumexp(x, 1).sum()",
                       "(m.cumprod(x, 1) * w).sum()", "(m.cummax(x, 1)[0] * w).sum()", "m.cdist(x, w).sum()",
                       "(m.fmod(x, 0.7) * m.copysign(x, w)).sum()", "(m.lerp(x, w, 0.6) * m.xlogy(x, w.abs())).sum()",
                       "m.nan_to_num(m.log(x)).sum()", "m.nanmean(m.log(x), 1).sum()"):
        grads = []
        for m in (tp, torch):
            x = m.tensor(values, requires_grad=True)
            w = m.tensor(np.linspace(-1, 1, 8).reshape(2, 4) + 0.1)
            with np.errstate(all="ignore"):
                eval(expression, {"m": m, "x": x, "w": w}).backward()
            grads.append(np.asarray(x.grad.numpy(), np.float64))
        np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10, atol=1e-12, err_msg=expression)
