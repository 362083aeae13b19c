"""Pooling against the naive loops of pooling_reference.py, over random shapes and every parameter, plus the
spec's worked examples, its errors, gradients, CPU/CUDA agreement and PyTorch as an extra oracle."""
import math

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F
from tinygrad_pool import Tensor, gradcheck
import pooling_reference as ref
from conftest import CUDA, SIMULATED

MAX_LEN = 4 if SIMULATED else 6
SPECIAL = [-2.0, -1.0, -0.0, 0.0, 1.0, 2.0, math.nan, math.inf, -math.inf]
FUNCS = {("max", 1): F.max_pool1d, ("max", 2): F.max_pool2d, ("max", 3): F.max_pool3d,
         ("avg", 1): F.avg_pool1d, ("avg", 2): F.avg_pool2d, ("avg", 3): F.avg_pool3d}

@st.composite
def windows(draw, dilation=True):
    """A valid pooling configuration: per-dim tuples of length, kernel, stride, padding, dilation; ceil_mode."""
    dims = draw(st.integers(1, 3))
    k = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    s = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    d = tuple(draw(st.integers(1, 2 if dilation else 1)) for _ in range(dims))
    p = tuple(draw(st.integers(0, ki // 2)) for ki in k)
    L = tuple(draw(st.integers(1, MAX_LEN if dims < 3 else 4)) for _ in range(dims))
    ceil_mode = draw(st.booleans())
    assume(all(ref.out_length(*a, ceil_mode) >= 1 for a in zip(L, k, s, p, d)))
    # A dilated window that touches no input is an error (tested below), not a configuration to pool.
    for Li, ki, si, pi, di in zip(L, k, s, p, d):
        for o in range(ref.out_length(Li, ki, si, pi, di, ceil_mode)):
            assume(any(0 <= o * si - pi + j * di < Li for j in range(ki)))
    return L, k, s, p, d, ceil_mode

def batch(draw, L, dtype=np.float64, elements=None):
    lead = draw(st.sampled_from([(1, 1), (2, 1), (1, 2)] if SIMULATED else [(1, 1), (2, 3), (1, 2)]))
    elements = st.sampled_from(SPECIAL) if elements is None else elements
    return draw(hnp.arrays(dtype, lead + L, elements=elements))

def pool_numpy(fn, x, *args, device="cpu", **kwargs):
    out = fn(Tensor(x, device=device), *args, **kwargs)
    return tuple(o.numpy() for o in out) if isinstance(out, tuple) else out.numpy()

# --- forward against the reference -----------------------------------------------------------------------------
@given(config=windows(), data=st.data())
def test_max_pool_values_and_indices(device, config, data):
    L, k, s, p, d, ceil_mode = config
    x = batch(data.draw, L, data.draw(st.sampled_from([np.float32, np.float64])))
    values, indices = pool_numpy(FUNCS["max", len(L)], x, k, s, p, d, ceil_mode, True, device=device)
    expected_values, expected_indices = ref.max_pool(x, k, s, p, d, ceil_mode)
    np.testing.assert_array_equal(values, expected_values)
    np.testing.assert_array_equal(indices, expected_indices)

@given(data=st.data())
def test_pooling_on_wide_rows(device, data):
    """Rows long enough for the CPU kernels' vector loops: each common (kernel, stride) pair, dilated and
    padded windows, and rows that the windows tile exactly (swept as one long row per plane); max and avg."""
    kernel, stride = data.draw(st.sampled_from([(2, 2), (3, 2), (3, 1), (2, 1), (3, 3), (4, 3)]))
    dilation = data.draw(st.sampled_from([1, 1, 2]))
    padding = data.draw(st.integers(0, kernel // 2))
    tiled = padding == 0 and dilation == 1 and data.draw(st.booleans())
    width = stride * data.draw(st.integers(20, 45)) if tiled else data.draw(st.integers(40, 90))
    height = data.draw(st.integers(dilation * (kernel - 1) + 1, 7))
    ceil_mode = data.draw(st.booleans())
    elements = st.sampled_from(SPECIAL) | st.floats(-3, 3, width=32)
    x = batch(data.draw, (height, width), data.draw(st.sampled_from([np.float32, np.float64])), elements)
    args = ((kernel, kernel), (stride, stride), (padding, padding), (dilation, dilation), ceil_mode)
    values, indices = pool_numpy(F.max_pool2d, x, *args, return_indices=True, device=device)
    expected_values, expected_indices = ref.max_pool(x, *args)
    np.testing.assert_array_equal(values, expected_values)
    np.testing.assert_array_equal(indices, expected_indices)
    np.testing.assert_array_equal(pool_numpy(F.max_pool2d, x, *args, device=device), expected_values)
    if dilation == 1:
        x = batch(data.draw, (height, width), elements=st.floats(-4, 4))
        k, s, p = args[:3]
        out = pool_numpy(F.avg_pool2d, x, k, s, p, ceil_mode, device=device)
        np.testing.assert_allclose(out, ref.avg_pool(x, k, s, p, ceil_mode, True, None), rtol=1e-12)

@given(config=windows(dilation=False), data=st.data())
def test_avg_pool_every_divisor_rule(device, config, data):
    L, k, s, p, _, ceil_mode = config
    count_include_pad = data.draw(st.booleans())
    override = data.draw(st.none() | st.integers(-3, 3).filter(bool)) if len(L) > 1 else None
    x = batch(data.draw, L, elements=st.floats(-4, 4))
    kwargs = dict(ceil_mode=ceil_mode, count_include_pad=count_include_pad)
    if override is not None:
        kwargs["divisor_override"] = override
    out = pool_numpy(FUNCS["avg", len(L)], x, k, s, p, device=device, **kwargs)
    np.testing.assert_allclose(out, ref.avg_pool(x, k, s, p, ceil_mode, count_include_pad, override), rtol=1e-12)

@given(data=st.data())
def test_adaptive_pools_for_smaller_equal_and_larger_outputs(device, data):
    dims = data.draw(st.integers(1, 3))
    L = tuple(data.draw(st.integers(1, 5 if dims < 3 else 3)) for _ in range(dims))
    out = tuple(data.draw(st.integers(0, 7 if dims < 3 else 4)) for _ in range(dims))
    x = batch(data.draw, L, elements=st.sampled_from([-1.0, 0.0, 1.0, 2.0, math.nan]))
    avg = pool_numpy(getattr(F, f"adaptive_avg_pool{dims}d"), x, out, device=device)
    np.testing.assert_allclose(avg, ref.adaptive_avg_pool(x, out), rtol=1e-12)
    values, indices = pool_numpy(getattr(F, f"adaptive_max_pool{dims}d"), x, out, True, device=device)
    expected_values, expected_indices = ref.adaptive_max_pool(x, out)
    np.testing.assert_array_equal(values, expected_values)
    np.testing.assert_array_equal(indices, expected_indices)

@given(config=windows(dilation=False), data=st.data())
def test_lp_pool(device, config, data):
    L, k, s, _, _, ceil_mode = config
    assume(len(L) < 3 and all(ref.out_length(Li, ki, si, 0, 1, ceil_mode) >= 1 for Li, ki, si in zip(L, k, s)))
    norm_type = data.draw(st.sampled_from([1, 2, 3.5]))
    x = batch(data.draw, L, elements=st.floats(0, 4))
    out = pool_numpy(getattr(F, f"lp_pool{len(L)}d"), x, norm_type, k, s, ceil_mode, device=device)
    np.testing.assert_allclose(out, ref.lp_pool(x, norm_type, k, s, ceil_mode), rtol=1e-10, atol=1e-12)

@given(config=windows(dilation=False), data=st.data())
def test_max_unpool_inverts_max_pool(device, config, data):
    L, k, s, p, _, ceil_mode = config
    x = batch(data.draw, L, elements=st.floats(-4, 4))
    dims = len(L)
    values, indices = FUNCS["max", dims](Tensor(x, device=device), k, s, p, 1, ceil_mode, True)
    default = tuple((v - 1) * si - 2 * pi + ki for v, si, pi, ki in zip(values.shape[2:], s, p, k))
    assume(min(default) >= 1)
    assume(int(indices.numpy().max(initial=0)) < math.prod(default))
    out = F.__dict__[f"max_unpool{dims}d"](values, indices, k, s, p)
    expected = ref.max_unpool(values.numpy(), indices.numpy(), default)
    np.testing.assert_array_equal(out.numpy(), expected)

# --- the spec's worked examples --------------------------------------------------------------------------------
def seed_image(device="cpu"):
    rows = np.arange(8, dtype=np.float32).reshape(2, 4, 1)
    return Tensor(np.broadcast_to(rows, (2, 4, 4))[None], device=device)

def test_seed_example_value_for_value(device):
    img = seed_image(device)
    assert F.max_pool2d(img, 2).tolist() == [[[[1, 1], [3, 3]], [[5, 5], [7, 7]]]]
    three = F.max_pool2d(img, 2, stride=1).numpy()
    assert three.shape == (1, 2, 3, 3) and three[0, 0, :, 0].tolist() == [1, 2, 3] and three[0, 1, :, 2].tolist() == [5, 6, 7]
    avg = F.avg_pool2d(img, 2, stride=1, padding=1).numpy()
    assert avg[0, 0].tolist() == [[0, 0, 0, 0, 0], [.25, .5, .5, .5, .25], [.75, 1.5, 1.5, 1.5, .75],
                                  [1.25, 2.5, 2.5, 2.5, 1.25], [.75, 1.5, 1.5, 1.5, .75]]
    assert avg[0, 1, :2].tolist() == [[1, 2, 2, 2, 1], [2.25, 4.5, 4.5, 4.5, 2.25]]
    assert F.avg_pool2d(img, 4).tolist() == [[[[1.5]], [[5.5]]]] == img.mean(3).mean(2).reshape(1, 2, 1, 1).tolist()
    assert F.global_avg_pool2d(img).tolist() == [[[[1.5]], [[5.5]]]]

def test_spec_avg_examples(device):
    x = Tensor([[1.0, 2, 3, 4, 5]], dtype=tp.float64, device=device)
    assert F.avg_pool1d(x, 2, 2, 0, ceil_mode=True).tolist() == [[1.5, 3.5, 5.0]]
    assert F.avg_pool1d(x, 3, 2, 1, ceil_mode=True, count_include_pad=True).tolist() == [[1.0, 3.0, 3.0]]
    assert F.avg_pool1d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False).tolist() == [[1.5, 3.0, 4.5]]
    leaf = Tensor([1.0, 2, 3, 4, 5], dtype=tp.float64, requires_grad=True, device=device)
    out = F.avg_pool1d(leaf[None], 4, 3, 2, ceil_mode=True, count_include_pad=True)
    np.testing.assert_allclose(out.numpy(), [[0.75, 3.5, 5 / 3]])
    out.sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), [0.25, 0.5, 0.25, 0.25, 0.25 + 1 / 3])
    assert F.avg_pool2d(tp.ones(1, 2, 2, device=device), 2, 1, 1, divisor_override=1).tolist() == \
        [[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]

def test_spec_max_examples(device):
    x = Tensor(np.arange(20.0).reshape(1, 4, 5), device=device)
    assert F.max_pool2d(x, 2, return_indices=True)[1].tolist() == [[[6, 8], [16, 18]]]
    x = Tensor([[[1.0, 5, 5], [5, 2, 5], [0, 5, 1]]], requires_grad=True, device=device)
    values, indices = F.max_pool2d(x, 2, 1, return_indices=True)
    assert indices.tolist() == [[[1, 1], [3, 5]]]
    values.backward(Tensor([[[1.0, 10], [100, 1000]]], device=device))
    assert x.grad.tolist() == [[[0, 11, 0], [100, 0, 1000], [0, 0, 0]]]

def test_spec_output_lengths():
    assert ref.out_length(32, 8, 4, 0, 1, False) == ref.out_length(32, 8, 4, 0, 1, True) == 7
    assert F.max_pool1d(tp.zeros(1, 32), 8, 4, ceil_mode=True).shape == (1, 7)
    assert F.max_pool1d(tp.zeros(1, 5), 2, 2, 1, ceil_mode=True).shape == (1, 3)
    assert F.max_pool2d(tp.zeros(1, 8, 8), 9, padding=1).shape == (1, 1, 1)
    assert F.lp_pool1d(Tensor([[1.0, 2, 3, 4, 5]]), 2, 2, ceil_mode=True).numpy()[0, -1] == np.float32(math.sqrt(50))
    windows_5_to_3 = ref.adaptive_windows(5, 3)
    assert windows_5_to_3 == [(0, 2), (1, 4), (3, 5)]

def test_max_pool_special_values(device):
    nan, inf = math.nan, math.inf
    x = Tensor([[nan, 1.0, nan, 2.0, -inf, -inf, 3.0, 3.0, 0.0, -0.0]], device=device)
    values, indices = F.max_pool1d(x, 2, return_indices=True)
    assert np.isnan(values.numpy()[0, :2]).all() and values.numpy()[0, 2:].tolist() == [-inf, 3.0, 0.0]
    assert indices.tolist() == [[0, 2, 4, 6, 8]]   # NaN's own index; -inf keeps the first tap; first of ties
    values, indices = F.max_pool1d(Tensor([[nan, 0.0, nan]], device=device), 3, return_indices=True)
    assert indices.tolist() == [[2]]                # the last NaN in scan order

# --- layouts ---------------------------------------------------------------------------------------------------
def test_unbatched_empty_batch_and_non_contiguous_inputs(device):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 5, 4)).astype(np.float32)
    batched = F.max_pool2d(Tensor(x, device=device), 2, 1).numpy()
    assert np.array_equal(F.max_pool2d(Tensor(x[0], device=device), 2, 1).numpy(), batched[0])
    assert F.avg_pool2d(Tensor(np.zeros((0, 3, 5, 4), np.float32), device=device), 2).shape == (0, 3, 2, 2)
    permuted = Tensor(x.transpose(0, 1, 3, 2).copy(), device=device).permute(0, 1, 3, 2)
    assert np.array_equal(F.max_pool2d(permuted, 2, 1).numpy(), batched)
    np.testing.assert_array_equal(F.avg_pool2d(permuted, 3, 2, 1).numpy(), F.avg_pool2d(Tensor(x, device=device), 3, 2, 1).numpy())

# --- gradients -------------------------------------------------------------------------------------------------
def distinct(shape, device, seed=0):
    """float64 values without ties, so that max pooling is differentiable everywhere."""
    values = np.random.default_rng(seed).permutation(math.prod(shape)).reshape(shape) * 0.1
    return Tensor(values, dtype=tp.float64, requires_grad=True, device=device)

GRAD_CASES = [
    ("max1d", lambda x: F.max_pool1d(x, 3, 2, 1, 2, True), (2, 2, 7)),
    ("max2d", lambda x: F.max_pool2d(x, (2, 3), (1, 2), (1, 1), ceil_mode=True), (1, 2, 4, 5)),
    ("max3d", lambda x: F.max_pool3d(x, 2, 1, 1), (1, 1, 3, 3, 3)),
    ("avg1d", lambda x: F.avg_pool1d(x, 3, 2, 1, True, False), (2, 1, 6)),
    ("avg2d", lambda x: F.avg_pool2d(x, 3, 2, 1, True, True, -2), (1, 2, 5, 4)),
    ("avg3d", lambda x: F.avg_pool3d(x, (1, 2, 2), 1), (1, 1, 2, 3, 3)),
    ("adaptive_avg", lambda x: F.adaptive_avg_pool2d(x, (3, None)), (1, 2, 5, 3)),
    ("adaptive_max", lambda x: F.adaptive_max_pool1d(x, 4), (2, 1, 6)),
    ("lp", lambda x: F.lp_pool2d(x + 1.0, 2, 2, 1, True), (1, 1, 3, 4)),
    ("global", lambda x: F.global_avg_pool2d(x), (2, 2, 3, 3)),
    ("unpool", lambda x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2), (1, 2, 4, 4)),
]

@pytest.mark.parametrize("name,fn,shape", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_pooling_gradients_match_finite_differences(device, name, fn, shape):
    assert gradcheck(fn, [distinct(shape, device)])

@given(config=windows(dilation=True), data=st.data())
def test_max_pool_backward_conserves_the_total_gradient(device, config, data):
    L, k, s, p, d, ceil_mode = config
    x = Tensor(batch(data.draw, L, elements=st.sampled_from([0.0, 1.0, 2.0])), requires_grad=True, device=device)
    out = FUNCS["max", len(L)](x, k, s, p, d, ceil_mode)
    grad = np.random.default_rng(0).integers(-3, 4, out.shape).astype(np.float64)
    out.backward(Tensor(grad, dtype=tp.float64, device=device))
    assert x.grad.numpy().sum() == grad.sum()

@given(config=windows(dilation=False), data=st.data())
def test_avg_pool_backward_against_the_reference(device, config, data):
    L, k, s, p, _, ceil_mode = config
    count_include_pad = data.draw(st.booleans())
    x = Tensor(batch(data.draw, L, elements=st.floats(-1, 1)), requires_grad=True, device=device)
    out = FUNCS["avg", len(L)](x, k, s, p, ceil_mode, count_include_pad)
    grad = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(Tensor(grad, dtype=tp.float64, device=device))
    expected = ref.avg_pool_backward(grad, x.shape, k, s, p, ceil_mode, count_include_pad)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12, atol=1e-15)

# --- errors (spec section 2) -----------------------------------------------------------------------------------
ERRORS = [
    (lambda x: F.max_pool2d(x, 2, padding=-1), ValueError, "padding"),
    (lambda x: F.max_pool2d(x, 2, stride=0), ValueError, "stride"),
    (lambda x: F.max_pool2d(x, 0), ValueError, "kernel_size"),
    (lambda x: F.max_pool2d(x, 2, dilation=0), ValueError, "dilation"),
    (lambda x: F.max_pool2d(x, 2, padding=2), ValueError, "at most half of kernel_size"),
    (lambda x: F.max_pool2d(x, 3, padding=2, dilation=2), ValueError, "at most half"),
    (lambda x: F.avg_pool2d(x, 3, padding=2), ValueError, "at most half"),
    (lambda x: F.max_pool2d(x, 9), ValueError, "output size is too small"),
    (lambda x: F.max_pool2d(x, (2, 2, 2)), ValueError, "kernel_size=.*2 entries"),
    (lambda x: F.max_pool2d(x, 2.0), TypeError, "kernel_size"),
    (lambda x: F.max_pool2d(x, (2, "a")), TypeError, "kernel_size"),
    (lambda x: F.avg_pool2d(x, 2, divisor_override=0), ValueError, "divisor_override"),
    (lambda x: F.avg_pool2d(x, 2, divisor_override=1.5), TypeError, "divisor_override"),
    (lambda x: F.max_pool2d(x[0, 0], 2), ValueError, r"3-d \(C, \*spatial\) or 4-d"),
    (lambda x: F.max_pool1d(x, 2), ValueError, "2-d .* or 3-d"),
    (lambda x: F.max_pool2d(x.long(), 2), TypeError, "int64"),
    (lambda x: F.max_pool2d(x.numpy(), 2), TypeError, "Tensor"),
    (lambda x: F.max_pool2d(x[:, :0], 2), ValueError, "non-empty"),
    (lambda x: F.adaptive_avg_pool2d(x, (-1, 2)), ValueError, "non-negative"),
    (lambda x: F.adaptive_max_pool2d(x, (1, 2, 3)), ValueError, "2 entries"),
    (lambda x: F.lp_pool2d(x, 0, 2), ValueError, "norm_type"),
    (lambda x: F.max_unpool2d(x, x.long(), 2, output_size=(10, 10)), ValueError, "strictly within"),
    (lambda x: F.max_unpool2d(x, x.long() * 100, 2), ValueError, "index 100 lies outside"),
    (lambda x: F.max_unpool2d(x, x, 2), ValueError, "int64"),
]

@pytest.mark.parametrize("call,error,message", ERRORS, ids=range(len(ERRORS)))
def test_invalid_arguments_raise_clear_errors(device, call, error, message):
    x = Tensor(np.ones((1, 2, 4, 4), np.float32), device=device)
    with pytest.raises(error, match=message):
        call(x)

def test_dilated_window_that_touches_no_input_is_rejected(device):
    # L=2, k=2, d=3, p=1: taps -1 and 2 are both outside; PyTorch returns index 2 and leaks the gradient.
    with pytest.raises(ValueError, match="touches no input"):
        F.max_pool1d(tp.ones(1, 1, 2, device=device), 2, 1, 1, 3)

# --- devices and modules ---------------------------------------------------------------------------------------
@pytest.mark.cuda
@pytest.mark.skipif(not CUDA, reason="no CUDA")
@given(config=windows(), data=st.data())
def test_cuda_agrees_with_cpu(config, data):
    L, k, s, p, d, ceil_mode = config
    x = batch(data.draw, L, np.float32, st.floats(-3, 3, width=32))
    results = {}
    for device in ("cpu", "cuda"):
        leaf = Tensor(x, requires_grad=True, device=device)
        values, indices = FUNCS["max", len(L)](leaf, k, s, p, d, ceil_mode, True)
        avg = FUNCS["avg", len(L)](leaf, k, s, p, ceil_mode) if d == (1,) * len(L) else values
        (values.sum() + (avg * Tensor(np.ones(avg.shape, np.float32), device=device)).sum()).backward()
        results[device] = values.numpy(), indices.numpy(), avg.numpy(), leaf.grad.numpy()
    for ours, theirs, exact in zip(results["cuda"], results["cpu"], (True, True, False, False)):
        if exact:
            np.testing.assert_array_equal(ours, theirs)
        else:
            np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)

def test_modules_match_functions_and_print_like_pytorch():
    nn = tp.nn
    x = Tensor(np.random.default_rng(0).standard_normal((1, 2, 6, 6)).astype(np.float32))
    pool = nn.MaxPool2d(2, return_indices=True)
    values, indices = pool(x)
    assert np.array_equal(nn.MaxUnpool2d(2)(values, indices).numpy(), F.max_unpool2d(values, indices, 2).numpy())
    assert repr(nn.MaxPool2d(3, stride=2, padding=1)) == \
        "MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)"
    assert repr(nn.AvgPool2d(2)) == "AvgPool2d(kernel_size=2, stride=2, padding=0)"
    assert repr(nn.AdaptiveAvgPool2d((1, 1))) == "AdaptiveAvgPool2d(output_size=(1, 1))"
    assert repr(nn.LPPool2d(2, 3)) == "LPPool2d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)"
    for module, function in [(nn.AvgPool2d(3, 1, 1), lambda t: F.avg_pool2d(t, 3, 1, 1)),
                             (nn.AdaptiveMaxPool2d(2), lambda t: F.adaptive_max_pool2d(t, 2)),
                             (nn.AdaptiveAvgPool1d(3), lambda t: F.adaptive_avg_pool1d(t[0], 3)),
                             (nn.MaxPool1d(2), lambda t: F.max_pool1d(t[0], 2)),
                             (nn.AvgPool1d(2), lambda t: F.avg_pool1d(t[0], 2)),
                             (nn.MaxPool3d(2), lambda t: F.max_pool3d(t, 2)),
                             (nn.AvgPool3d(2), lambda t: F.avg_pool3d(t, 2)),
                             (nn.AdaptiveAvgPool3d(1), lambda t: F.adaptive_avg_pool3d(t, 1)),
                             (nn.AdaptiveMaxPool3d(1), lambda t: F.adaptive_max_pool3d(t, 1)),
                             (nn.AdaptiveMaxPool1d(2), lambda t: F.adaptive_max_pool1d(t[0], 2)),
                             (nn.LPPool1d(2, 2), lambda t: F.lp_pool1d(t[0], 2, 2))]:
        arg = x[0] if type(module).__name__.endswith("1d") else x
        np.testing.assert_array_equal(module(arg).numpy(), function(x).numpy())
    assert nn.MaxUnpool1d(2) and nn.MaxUnpool3d(2)

# --- PyTorch as an extra oracle --------------------------------------------------------------------------------
@given(config=windows(), data=st.data())
def test_pytorch_agrees(config, data):
    torch = pytest.importorskip("torch")
    L, k, s, p, d, ceil_mode = config
    x = batch(data.draw, L, np.float32, st.sampled_from([-1.0, 0.0, 1.0, 2.0]))
    dims = len(L)
    values, indices = FUNCS["max", dims](Tensor(x), k, s, p, d, ceil_mode, True)
    t_values, t_indices = getattr(torch.nn.functional, f"max_pool{dims}d")(
        torch.from_numpy(x), k, s, p, d, ceil_mode, True)
    np.testing.assert_array_equal(values.numpy(), t_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())
    # PyTorch's avg_pool3d also rejects inputs smaller than the kernel; the spec (and we) follow the formula.
    if d == (1,) * dims and not (dims == 3 and any(Li < ki for Li, ki in zip(L, k))):
        for include in (True, False):
            ours = FUNCS["avg", dims](Tensor(x), k, s, p, ceil_mode, include).numpy()
            theirs = getattr(torch.nn.functional, f"avg_pool{dims}d")(torch.from_numpy(x), k, s, p, ceil_mode, include)
            np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-6, atol=1e-7)
