"""interpolate and the Upsample modules against plain loops that follow each mode's definition, over random
shapes, sizes, scale factors and special values; gradients (finite differences and the loops' adjoint), errors,
PyTorch's worked examples, layouts, CPU/CUDA agreement and PyTorch as an extra oracle."""
import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F
from tinygrad_pool import Tensor, gradcheck, nn
from conftest import CUDA, SIMULATED, assert_bad_input, examples

MAX_LEN = 3 if SIMULATED else 5
SPECIAL = [-2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 2.0, math.nan, math.inf, -math.inf]
# Whether a weight is exactly 0 or within rounding of it decides whether an inf input gives NaN; PyTorch rounds
# the source coordinates in the input's precision, we in float64, so its oracle test draws no infs.
FINITE_OR_NAN = SPECIAL[:-2]
NEAREST = ("nearest", "nearest-exact")
RANK = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}
MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
SCALES = [0.3, 0.5, 0.75, 1.0, 1.1, 4 / 3, 1.5, 1.7, 2.0, 2.05, 2.5, 3.0]
if SIMULATED:   # the simulator computes in numpy scalars, which warn at inf * 0 where a GPU just gives NaN
    pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")

# --- the reference: each output's taps straight from the definition, then a plain loop over them ---------------
def nearest_source(o, length, out, scale, exact):
    """PyTorch works out the nearest source in float32: floor(o * scale) or floor((o + 0.5) * scale), at most the
    last element."""
    step = np.float32(1.0 / scale) if scale is not None else np.float32(length) / np.float32(out)
    position = np.float32((o + 0.5) * float(step)) if exact else np.float32(o) * step
    return min(int(math.floor(position)), length - 1)

def cubic(distance, a=-0.75):
    d = abs(distance)
    if d <= 1:
        return ((a + 2) * d - (a + 3)) * d * d + 1
    return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a if d < 2 else 0.0

def taps(o, length, out, mode, align_corners, scale):
    """[(input index, weight)] that output o reads along one dim."""
    if mode in NEAREST:
        return [(nearest_source(o, length, out, scale, mode == "nearest-exact"), 1.0)]
    if mode == "area":
        start, end = (o * length) // out, -(-(o + 1) * length // out)
        return [(i, 1.0 / (end - start)) for i in range(start, end)]
    if mode != "bicubic" and out == length:   # PyTorch's linear family, along a dim that keeps its length
        return [(o, 1.0), (o, 0.0)]
    if align_corners:
        source = o * ((length - 1) / (out - 1) if out > 1 else 0.0)
    else:
        step = 1.0 / scale if scale is not None else length / out
        source = (o + 0.5) * step - 0.5
    if mode == "bicubic":
        low = math.floor(source)
        return [(min(max(low + j, 0), length - 1), cubic(source - (low + j))) for j in (-1, 0, 1, 2)]
    source = max(source, 0.0)
    low = min(math.floor(source), length - 1)
    t = min(max(source - low, 0.0), 1.0)
    return [(low, 1 - t), (min(low + 1, length - 1), t)]

def pytorch_takes_a_shortcut(spatial, kwargs):
    """PyTorch's 'nearest' gradients, and some of its 2-d forwards, copy a dim that keeps its length and halve the
    index along one that doubles, even where the scale_factor given picks other sources (which its other forwards
    and ours follow)."""
    if kwargs["mode"] != "nearest" or "scale_factor" not in kwargs or kwargs["recompute_scale_factor"]:
        return False
    out = out_size(spatial, None, kwargs["scale_factor"])
    return any(o in (L, 2 * L) for o, L in zip(out, spatial))

def out_size(spatial, size, scale_factor):
    if size is not None:
        return (size,) * len(spatial) if isinstance(size, int) else tuple(size)
    scales = scale_factor if isinstance(scale_factor, tuple) else (scale_factor,) * len(spatial)
    return tuple(math.floor(L * s) for L, s in zip(spatial, scales))

def naive(x, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None):
    """interpolate by plain loops: each output the float64 sum of (product of its weights) * input over the
    product of its per-dim taps, from the first term on."""
    spatial = x.shape[2:]
    dims, out = len(spatial), out_size(spatial, size, scale_factor)
    scales = (None,) * dims
    if scale_factor is not None and not recompute_scale_factor:
        scales = scale_factor if isinstance(scale_factor, tuple) else (scale_factor,) * dims
    result = np.zeros(x.shape[:2] + out, x.dtype)
    for n, c in itertools.product(*map(range, x.shape[:2])):
        for o in itertools.product(*map(range, out)):
            per_dim = [taps(oi, L, O, mode, bool(align_corners), s)
                       for oi, L, O, s in zip(o, spatial, out, scales)]
            total = None
            for combination in itertools.product(*per_dim):
                weight = math.prod(w for _, w in combination)
                term = weight * float(x[(n, c) + tuple(i for i, _ in combination)])
                total = term if total is None else total + term
            result[(n, c) + o] = total
    return result

def naive_gradient(x_shape, g, **kwargs):
    """The adjoint of the loops: the gradient of sum(naive(x) * g) is g times the loops' Jacobian, built from
    the loops' response to each unit input (every plane resamples alike)."""
    spatial = x_shape[2:]
    columns = []
    for i in range(math.prod(spatial)):
        unit = np.zeros((1, 1) + spatial)
        unit.reshape(-1)[i] = 1.0
        columns.append(naive(unit, **kwargs).reshape(-1))
    jacobian = np.stack(columns, 1)
    planes = g.reshape(math.prod(x_shape[:2]), -1).astype(np.float64)
    return (planes @ jacobian).reshape(x_shape)

# --- strategies ------------------------------------------------------------------------------------------------
@st.composite
def resamplings(draw):
    """(spatial size, interpolate's keyword arguments) for any valid call."""
    mode = draw(st.sampled_from(MODES))
    dims = RANK[mode] - 2 if mode in RANK else draw(st.integers(1, 3))
    spatial = tuple(draw(st.integers(1, MAX_LEN if dims < 3 else 3)) for _ in range(dims))
    kwargs = dict(mode=mode)
    if mode in RANK:
        kwargs["align_corners"] = draw(st.sampled_from([None, False, True]))
    if draw(st.booleans()):
        sizes = tuple(draw(st.integers(1, 2 * MAX_LEN if dims < 3 else 4)) for _ in range(dims))
        kwargs["size"] = sizes[0] if len(set(sizes)) == 1 and draw(st.booleans()) else sizes
    else:
        factor = st.sampled_from(SCALES) | st.floats(0.25, 3.5)
        scales = tuple(draw(factor) for _ in range(dims))
        assume(all(math.floor(L * s) >= 1 for L, s in zip(spatial, scales)))
        assume(all(math.floor(L * s) <= (8 if dims < 3 else 4) for L, s in zip(spatial, scales)))
        kwargs["scale_factor"] = scales[0] if len(set(scales)) == 1 and draw(st.booleans()) else scales
        kwargs["recompute_scale_factor"] = draw(st.sampled_from([None, False, True]))
    return spatial, kwargs

def inputs(draw, spatial, dtype, elements=None):
    lead = draw(st.sampled_from([(1, 1), (2, 1), (1, 2)] if SIMULATED else [(1, 1), (2, 3), (1, 2)]))
    return draw(hnp.arrays(dtype, lead + spatial, elements=st.floats(-4, 4, width=32) if elements is None
                           else elements))

def tolerance(dtype):
    return dict(rtol=1e-5, atol=2e-5) if np.dtype(dtype) == np.float32 else dict(rtol=1e-10, atol=1e-12)

# --- forward and backward against the reference ----------------------------------------------------------------
@given(case=resamplings(), data=st.data())
def test_forward_matches_the_loops(device, case, data):
    spatial, kwargs = case
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    x = inputs(data.draw, spatial, dtype)
    out = F.interpolate(Tensor(x, device=device), **kwargs)
    assert out.dtype == dtype
    np.testing.assert_allclose(out.numpy(), naive(x, **kwargs), **tolerance(dtype))

@given(case=resamplings(), data=st.data())
def test_special_values_propagate_as_the_weighted_sum_does(device, case, data):
    """NaN and inf spread as in the loops' sum: a tap with weight 0 still turns inf into NaN, as in PyTorch."""
    spatial, kwargs = case
    x = inputs(data.draw, spatial, np.float64, st.sampled_from(SPECIAL))
    out = F.interpolate(Tensor(x, device=device), **kwargs).numpy()
    np.testing.assert_allclose(out, naive(x, **kwargs), rtol=1e-10, atol=1e-12)

@given(case=resamplings(), data=st.data())
def test_backward_is_the_adjoint_of_the_loops(device, case, data):
    spatial, kwargs = case
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    x = Tensor(inputs(data.draw, spatial, dtype), device=device, requires_grad=True)
    out = F.interpolate(x, **kwargs)
    g = np.random.default_rng(data.draw(st.integers(0, 100))).standard_normal(out.shape).astype(dtype)
    out.backward(Tensor(g, device=device))
    assert x.grad.dtype == dtype
    np.testing.assert_allclose(x.grad.numpy(), naive_gradient(x.shape, g, **kwargs), **tolerance(dtype))

@pytest.mark.parametrize("mode, shape, kwargs", [
    ("nearest", (1, 2, 3), dict(scale_factor=2.5)),
    ("nearest", (1, 1, 3, 2), dict(size=(5, 2))),
    ("nearest-exact", (2, 1, 2, 2, 3), dict(scale_factor=(1.5, 1.0, 0.7))),
    ("linear", (1, 2, 4), dict(size=7, align_corners=True)),
    ("linear", (1, 1, 5), dict(scale_factor=0.6)),
    ("bilinear", (1, 2, 3, 4), dict(scale_factor=(1.7, 0.8))),
    ("bilinear", (1, 1, 3, 3), dict(size=(2, 5), align_corners=True)),
    ("bicubic", (1, 1, 3, 4), dict(scale_factor=1.5)),
    ("bicubic", (1, 2, 4, 3), dict(size=(2, 5), align_corners=True)),
    ("trilinear", (1, 1, 2, 3, 2), dict(scale_factor=(1.5, 1.0, 2.0), recompute_scale_factor=True)),
    ("area", (1, 2, 5, 3), dict(size=(3, 4))),
])
def test_gradients_match_finite_differences(device, mode, shape, kwargs):
    x = Tensor(np.random.default_rng(1).standard_normal(shape), dtype=tp.float64, device=device, requires_grad=True)
    assert gradcheck(lambda t: F.interpolate(t, mode=mode, **kwargs), [x])

# --- PyTorch's worked examples and its choices -----------------------------------------------------------------
def line(values, dims=1, device="cpu"):
    """`values` along the first spatial dim of a (1, 1, L, 1, ...) input."""
    return Tensor(np.asarray(values, np.float32).reshape((1, 1, -1) + (1,) * (dims - 1)), device=device)

def along(out):
    return out.numpy().reshape(out.shape[2], -1)[:, 0].tolist()

def test_nearest_picks_the_source_pytorch_picks(device):
    ten = list(range(10))
    assert along(F.interpolate(line(ten, 1, device), scale_factor=2.05)) == \
        [0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9]
    assert along(F.interpolate(line(ten, 2, device), scale_factor=(2.05, 1))) == \
        [0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9]
    assert along(F.interpolate(line(ten, 1, device), scale_factor=2.05, mode="nearest-exact")) == \
        [i // 2 for i in range(20)]
    assert along(F.interpolate(line(ten, 1, device), scale_factor=1.1)) == [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert along(F.interpolate(line(ten, 1, device), scale_factor=1.1, mode="nearest-exact")) == \
        [0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9]
    assert along(F.interpolate(line(ten[:4], 3, device), scale_factor=(1.1, 1, 1))) == [0, 0, 1, 2]
    x = Tensor(np.arange(4.0).reshape(1, 1, 4), device=device, requires_grad=True)
    F.interpolate(x, scale_factor=1.1).backward(Tensor([[[1.0, 10.0, 100.0, 1000.0]]], device=device))
    assert x.grad.tolist() == [[[11.0, 100.0, 1000.0, 0.0]]]   # the gradient of the forward, unlike PyTorch's

def test_scale_factor_sets_the_source_coordinates_unless_recomputed(device):
    ten = list(range(10))
    given = along(F.interpolate(line(ten, 1, device), scale_factor=2.05, mode="linear"))
    np.testing.assert_allclose(given[:4], [0.0, 0.2317073, 0.7195122, 1.2073171], rtol=1e-6)
    recomputed = F.interpolate(line(ten, 1, device), scale_factor=2.05, mode="linear", recompute_scale_factor=True)
    np.testing.assert_allclose(along(recomputed)[:4], [0.0, 0.25, 0.75, 1.25])
    assert along(F.interpolate(line(ten[:4], 1, device), scale_factor=1.1, mode="linear")) == [0, 1, 2, 3]
    cubic = along(F.interpolate(line(ten[:4], 2, device), scale_factor=(1.1, 1.0), mode="bicubic"))
    np.testing.assert_allclose(cubic, [-0.0310621, 0.8087672, 1.7248309, 2.7533107], rtol=1e-5, atol=1e-6)

def test_linear_family_examples(device):
    x = Tensor([[[0.0, 1.0, 4.0]]], device=device)
    assert F.interpolate(x, scale_factor=2, mode="linear").tolist() == [[[0, 0.25, 0.75, 1.75, 3.25, 4]]]
    assert F.interpolate(x, size=5, mode="linear", align_corners=True).tolist() == [[[0, 0.5, 1, 2.5, 4]]]
    square = Tensor([[[[0.0, 1.0], [2.0, 3.0]]]], device=device)
    assert F.interpolate(square, size=3, mode="bilinear", align_corners=True).tolist() == \
        [[[[0, 0.5, 1], [1, 1.5, 2], [2, 2.5, 3]]]]
    assert F.interpolate(square, size=(1, 1), mode="bilinear").tolist() == [[[[1.5]]]]
    assert F.interpolate(square, size=(1, 1), mode="bilinear", align_corners=True).tolist() == [[[[0.0]]]]
    assert F.interpolate(square, scale_factor=0.5, mode="area").tolist() == [[[[1.5]]]]

def test_inf_meets_zero_weights_as_in_pytorch(device):
    """A tap of weight 0 turns an inf into NaN; along a dim that keeps its length, the linear family reads each
    input twice, by weights 1 and 0."""
    nan, inf = math.nan, math.inf
    x = Tensor([[[1.0, inf, 2.0, 3.0]]], device=device)
    np.testing.assert_array_equal(F.interpolate(x, size=3, mode="linear", align_corners=True).numpy(),
                                  [[[nan, inf, 3.0]]])
    np.testing.assert_array_equal(F.interpolate(x, size=4, mode="linear").numpy(), [[[1.0, nan, 2.0, 3.0]]])
    np.testing.assert_array_equal(F.interpolate(x.reshape(1, 1, 1, 4), size=(1, 3), mode="bicubic",
                                                align_corners=True).numpy(), [[[[nan, nan, 3.0]]]])
    np.testing.assert_array_equal(F.interpolate(x, scale_factor=0.5, mode="area").numpy(), [[[inf, 2.5]]])
    np.testing.assert_array_equal(F.interpolate(x, scale_factor=0.5).numpy(), [[[1.0, 2.0]]])

def test_a_nearest_copy_keeps_every_value(device):
    x = np.array([[[[math.nan, -0.0], [math.inf, -math.inf]]]], np.float32)
    out = F.interpolate(Tensor(x, device=device), size=(2, 2)).numpy()
    np.testing.assert_array_equal(out, x)
    assert np.signbit(out).tolist() == np.signbit(x).tolist()

def test_negative_zero_stays_where_every_weight_is_positive(device):
    zeros = Tensor(-np.zeros((1, 1, 4, 4), np.float32), device=device)
    for mode in ("nearest", "nearest-exact", "bilinear"):
        assert np.signbit(F.interpolate(zeros, scale_factor=1.5, mode=mode).numpy()).all(), mode
    assert not np.signbit(F.interpolate(zeros, scale_factor=1.5, mode="bicubic").numpy()).any()
    assert not np.signbit(F.interpolate(zeros, scale_factor=0.5, mode="area").numpy()).any()

# --- layouts ---------------------------------------------------------------------------------------------------
def test_empty_batch_non_contiguous_input_and_repeated_use(device):
    empty = F.interpolate(Tensor(np.zeros((0, 3, 4, 4), np.float32), device=device), scale_factor=2,
                          mode="bilinear")
    assert empty.shape == (0, 3, 8, 8)
    base = np.random.default_rng(0).standard_normal((2, 5, 3, 4))
    permuted = Tensor(base, device=device).permute(0, 3, 2, 1)   # (2, 4, 3, 5), not contiguous
    np.testing.assert_allclose(F.interpolate(permuted, size=(4, 2), mode="bicubic").numpy(),
                               naive(base.transpose(0, 3, 2, 1), size=(4, 2), mode="bicubic"), rtol=1e-10)
    x = Tensor(base, device=device, requires_grad=True)
    (F.interpolate(x, scale_factor=2) + F.interpolate(x, scale_factor=2)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full(base.shape, 8.0))

def test_the_same_tables_serve_every_batch_and_dtype(device):
    for shape, dtype in [((1, 1, 3, 3), np.float32), ((2, 4, 3, 3), np.float64), ((3, 2, 3, 3), np.float32)]:
        x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
        out = F.interpolate(Tensor(x, device=device), size=(5, 2), mode="bilinear")
        np.testing.assert_allclose(out.numpy(), naive(x, size=(5, 2), mode="bilinear"), **tolerance(dtype))

# --- errors ----------------------------------------------------------------------------------------------------
def _call(shape=(1, 2, 4), dtype=tp.float32, **kwargs):
    return lambda: F.interpolate(tp.zeros(*shape, dtype=dtype), **kwargs)

BAD_INPUTS = {
    "not a tensor": (lambda: F.interpolate(np.zeros((1, 1, 4)), size=2), TypeError, "input must be a Tensor"),
    "2-d input": (_call((2, 4), size=2), ValueError, "3-d, 4-d or 5-d"),
    "6-d input": (_call((1, 1, 2, 2, 2, 2), size=2), ValueError, "got shape (1, 1, 2, 2, 2, 2)"),
    "int input": (_call(dtype=tp.int64, size=2), TypeError, "float32 or float64, got int64"),
    "no channels": (_call((1, 0, 4), size=2), ValueError, "non-empty, got shape (1, 0, 4)"),
    "empty spatial dim": (_call((1, 1, 0), size=2), ValueError, "non-empty"),
    "size and scale_factor": (_call(size=2, scale_factor=2), ValueError, "not both"),
    "neither": (_call(), ValueError, "give size or scale_factor"),
    "size of two for 1-d": (_call(size=(2, 3)), ValueError, "size=(2, 3) needs 1 entries"),
    "scale_factor of one for 2-d": (_call((1, 1, 2, 2), scale_factor=[2.0]), ValueError, "needs 2 entries"),
    "empty size": (_call(size=()), ValueError, "size=() needs 1 entries"),
    "zero size": (_call(size=0), ValueError, "size must be positive, got 0"),
    "negative size": (_call((1, 1, 2, 2), size=(2, -1)), ValueError, "size must be positive, got (2, -1)"),
    "float size": (_call(size=2.0), TypeError, "size must be an int or a tuple of ints, got 2.0 (float)"),
    "bool size": (_call(size=True), TypeError, "got True (bool)"),
    "None in size": (_call((1, 1, 2, 2), size=(2, None)), TypeError, "size must be an int"),
    "huge size": (_call(size=2 ** 63), ValueError, "beyond the int64 range"),
    "zero scale": (_call(scale_factor=0), ValueError, "positive and finite, got 0"),
    "negative scale": (_call(scale_factor=-2.0), ValueError, "positive and finite, got -2.0"),
    "nan scale": (_call(scale_factor=math.nan), ValueError, "positive and finite, got nan"),
    "inf scale": (_call(scale_factor=math.inf), ValueError, "positive and finite, got inf"),
    "string scale": (_call(scale_factor="2"), TypeError, "scale_factor must be a number"),
    "bool scale": (_call(scale_factor=True), TypeError, "got True (bool)"),
    "scale leaves no output": (_call(scale_factor=0.2), ValueError, "into (0,)"),
    "scale beyond int64": (_call(scale_factor=1e300), ValueError, "within the int64 range"),
    "unknown mode": (_call(size=2, mode="cubic"), ValueError, "mode='cubic': use 'nearest'"),
    "mode None": (_call(size=2, mode=None), ValueError, "mode=None"),
    "bilinear on 3-d": (_call(size=2, mode="bilinear"), ValueError, "mode='bilinear' needs a 4-d"),
    "linear on 4-d": (_call((1, 1, 2, 2), size=2, mode="linear"), ValueError, "mode='linear' needs a 3-d"),
    "bicubic on 5-d": (_call((1, 1, 2, 2, 2), size=2, mode="bicubic"), ValueError, "needs a 4-d"),
    "trilinear on 4-d": (_call((1, 1, 2, 2), size=2, mode="trilinear"), ValueError, "needs a 5-d"),
    "align_corners with nearest": (_call(size=2, align_corners=False), ValueError,
                                   "align_corners=False applies only to the modes linear"),
    "align_corners with area": (_call(size=2, mode="area", align_corners=True), ValueError, "not to mode='area'"),
    "align_corners not a bool": (_call(size=2, mode="linear", align_corners=1), TypeError,
                                 "align_corners must be True or False, got 1 (int)"),
    "recompute with size": (_call(size=2, recompute_scale_factor=True), ValueError,
                            "recompute_scale_factor=True applies only to a scale_factor"),
    "recompute not a bool": (_call(scale_factor=2, recompute_scale_factor=1), TypeError,
                             "recompute_scale_factor must be True or False"),
    "antialias not a bool": (_call(size=2, antialias=None), TypeError, "antialias must be True or False"),
    "antialias with nearest": (_call((1, 1, 2, 2), size=2, antialias=True), ValueError,
                               "antialias=True applies only to the modes 'bilinear' and 'bicubic'"),
    "antialias with bilinear": (_call((1, 1, 2, 2), size=2, mode="bilinear", antialias=True),
                                NotImplementedError, "antialias=True is not supported"),
    "Upsample with both": (lambda: nn.Upsample(size=2, scale_factor=2), ValueError, "Upsample: give size"),
    "Upsample with neither": (lambda: nn.Upsample(), ValueError, "Upsample: give size or scale_factor"),
    "Upsample bad mode": (lambda: nn.Upsample(scale_factor=2, mode="linearly"), ValueError, "mode='linearly'"),
    "Upsample align_corners": (lambda: nn.Upsample(scale_factor=2, align_corners=True), ValueError,
                               "align_corners=True applies only"),
    "Upsample bad scale": (lambda: nn.Upsample(scale_factor=-1), ValueError, "positive and finite"),
    "UpsamplingBilinear2d on 3-d": (lambda: nn.UpsamplingBilinear2d(scale_factor=2)(tp.zeros(1, 1, 3)), ValueError,
                                    "needs a 4-d"),
}

@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input(case):
    assert_bad_input(case, BAD_INPUTS)

# --- modules ---------------------------------------------------------------------------------------------------
def test_upsample_modules_call_interpolate_and_print_as_pytorch(device):
    assert repr(nn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2.0, mode='nearest')"
    assert repr(nn.Upsample(size=(3, 4), mode="bilinear", align_corners=True)) == \
        "Upsample(size=(3, 4), mode='bilinear')"
    assert repr(nn.Upsample(scale_factor=(2, 3))) == "Upsample(scale_factor=(2.0, 3.0), mode='nearest')"
    assert repr(nn.UpsamplingNearest2d(scale_factor=2)) == "UpsamplingNearest2d(scale_factor=2.0, mode='nearest')"
    assert repr(nn.UpsamplingBilinear2d(size=4)) == "UpsamplingBilinear2d(size=4, mode='bilinear')"
    bilinear = nn.UpsamplingBilinear2d(scale_factor=2)
    assert (bilinear.mode, bilinear.align_corners, bilinear.recompute_scale_factor) == ("bilinear", True, None)
    x = Tensor(np.random.default_rng(0).standard_normal((1, 2, 3, 3)), device=device)
    np.testing.assert_array_equal(bilinear(x).numpy(),
                                  F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True).numpy())
    np.testing.assert_array_equal(nn.UpsamplingNearest2d(size=(2, 5))(x).numpy(), F.interpolate(x, (2, 5)).numpy())
    module = nn.Upsample(scale_factor=1.5, mode="nearest-exact", recompute_scale_factor=True)
    np.testing.assert_array_equal(module(x).numpy(), naive(x.numpy(), scale_factor=1.5, mode="nearest-exact"))
    assert list(module.parameters()) == []

# --- devices ---------------------------------------------------------------------------------------------------
@pytest.mark.cuda
@pytest.mark.skipif(not CUDA, reason="no CUDA (set NUMBA_ENABLE_CUDASIM=1)")
@examples(10)
@given(case=resamplings(), data=st.data())
def test_cpu_and_cuda_agree(case, data):
    spatial, kwargs = case
    x = inputs(data.draw, spatial, np.float32, st.sampled_from(SPECIAL) | st.floats(-4, 4, width=32))
    results = []
    for device in ("cpu", "cuda"):
        t = Tensor(x, device=device, requires_grad=True)
        out = F.interpolate(t, **kwargs)
        out.backward(tp.ones(*out.shape, device=device))
        results.append((out.numpy(), t.grad.numpy()))
    (cpu_out, cpu_grad), (cuda_out, cuda_grad) = results
    np.testing.assert_allclose(cuda_out, cpu_out, rtol=1e-5, atol=2e-5)
    np.testing.assert_allclose(cuda_grad, cpu_grad, rtol=1e-5, atol=2e-5)

# --- PyTorch as an extra oracle --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")

@given(case=resamplings(), data=st.data())
def test_pytorch_agrees(torch, case, data):
    spatial, kwargs = case
    assume(not pytorch_takes_a_shortcut(spatial, kwargs))
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    x = inputs(data.draw, spatial, dtype, st.sampled_from(FINITE_OR_NAN) | st.floats(-4, 4, width=32))
    g = np.random.default_rng(0).standard_normal((x.shape[:2]) + out_size(spatial, kwargs.get("size"),
                                                                          kwargs.get("scale_factor"))).astype(dtype)
    ours = Tensor(x, requires_grad=True)
    out = F.interpolate(ours, **kwargs)
    out.backward(Tensor(g))
    theirs = torch.from_numpy(x).requires_grad_()
    expected = torch.nn.functional.interpolate(theirs, **kwargs)
    expected.backward(torch.from_numpy(g))
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), **tolerance(dtype))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), **tolerance(dtype))

def test_pytorch_agrees_on_a_benchmark_sized_plane(torch):
    x = np.random.default_rng(0).standard_normal((2, 3, 56, 56)).astype(np.float32)
    for mode, kwargs in [("bilinear", {}), ("bicubic", dict(align_corners=True)), ("nearest", {}),
                         ("nearest-exact", {}), ("area", {})]:
        for scale in (2, 0.5, 1.3):
            out = F.interpolate(Tensor(x), scale_factor=scale, mode=mode, **kwargs).numpy()
            expected = torch.nn.functional.interpolate(torch.from_numpy(x), scale_factor=scale, mode=mode, **kwargs)
            np.testing.assert_allclose(out, expected.numpy(), rtol=1e-5, atol=2e-5, err_msg=f"{mode} x{scale}")
