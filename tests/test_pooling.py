"""Pooling against the naive loops of pooling_reference.py, over random shapes and every parameter, plus the
spec's worked examples, its errors, gradients, CPU/CUDA agreement and PyTorch as an extra oracle."""
import math
import re

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F
from tinygrad_pool import Tensor, gradcheck
from tinygrad_pool.autograd import Function
from tinygrad_pool.nn import pooling as modules
from tinygrad_pool.ops.pooling import fixed_windows

import pooling_reference as ref
from conftest import CUDA, SIMULATED

MAX_LEN = 4 if SIMULATED else 6
SPECIAL = [-2.0, -1.0, -0.0, 0.0, 1.0, 2.0, math.nan, math.inf, -math.inf]
MAX_FUNCTIONS = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
AVG_FUNCTIONS = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}
LP_FUNCTIONS = {1: F.lp_pool1d, 2: F.lp_pool2d, 3: F.lp_pool3d}
ADAPTIVE_MAX = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}
ADAPTIVE_AVG = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}
UNPOOLS = {1: F.max_unpool1d, 2: F.max_unpool2d, 3: F.max_unpool3d}

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
    values, indices = pool_numpy(MAX_FUNCTIONS[len(L)], x, k, s, p, d, ceil_mode, True, device=device)
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
    out = pool_numpy(AVG_FUNCTIONS[len(L)], x, k, s, p, device=device, **kwargs)
    np.testing.assert_allclose(out, ref.avg_pool(x, k, s, p, ceil_mode, count_include_pad, override), rtol=1e-12)

@given(data=st.data())
def test_adaptive_pools_for_smaller_equal_and_larger_outputs(device, data):
    dims = data.draw(st.integers(1, 3))
    L = tuple(data.draw(st.integers(1, 5 if dims < 3 else 3)) for _ in range(dims))
    out = tuple(data.draw(st.integers(0, 7 if dims < 3 else 4)) for _ in range(dims))
    x = batch(data.draw, L, elements=st.sampled_from([-1.0, 0.0, 1.0, 2.0, math.nan]))
    avg = pool_numpy(ADAPTIVE_AVG[dims], x, out, device=device)
    np.testing.assert_allclose(avg, ref.adaptive_avg_pool(x, out), rtol=1e-12)
    values, indices = pool_numpy(ADAPTIVE_MAX[dims], x, out, True, device=device)
    expected_values, expected_indices = ref.adaptive_max_pool(x, out)
    np.testing.assert_array_equal(values, expected_values)
    np.testing.assert_array_equal(indices, expected_indices)

@given(config=windows(dilation=False), data=st.data())
def test_lp_pool(device, config, data):
    L, k, s, _, _, ceil_mode = config
    assume(all(ref.out_length(Li, ki, si, 0, 1, ceil_mode) >= 1 for Li, ki, si in zip(L, k, s)))
    norm_type = data.draw(st.sampled_from([1, 2, 3.5, -1.5, math.inf, -math.inf]))
    x = batch(data.draw, L, elements=st.floats(0.25, 4))
    out = pool_numpy(LP_FUNCTIONS[len(L)], x, norm_type, k, s, ceil_mode, device=device)
    np.testing.assert_allclose(out, ref.lp_pool(x, norm_type, k, s, ceil_mode), rtol=1e-10, atol=1e-12)

@given(config=windows(dilation=False), data=st.data())
def test_max_unpool_inverts_max_pool(device, config, data):
    L, k, s, p, _, ceil_mode = config
    x = batch(data.draw, L, elements=st.floats(-4, 4))
    dims = len(L)
    values, indices = MAX_FUNCTIONS[dims](Tensor(x, device=device), k, s, p, 1, ceil_mode, True)
    default = tuple((v - 1) * si - 2 * pi + ki for v, si, pi, ki in zip(values.shape[2:], s, p, k))
    assume(min(default) >= 1)
    assume(int(indices.numpy().max(initial=0)) < math.prod(default))
    out = UNPOOLS[dims](values, indices, k, s, p)
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

@given(data=st.data())
def test_the_cpu_kernel_for_whole_2x2_blocks_matches_the_reference(data):
    """max_pool2d(x, 2) of any even or odd size (and its 3-d form with a depth kernel of 1) takes a kernel of its own
    on the CPU; values and indices are the reference's, for special values and integers too. ceil_mode on an odd
    size clips the last window, which the general kernel serves."""
    from tinygrad_pool.backends.cpu.pooling import _whole_2x2_blocks
    dtype = data.draw(st.sampled_from([np.float32, np.float64, np.int64]))
    dims = data.draw(st.sampled_from([2, 3]))
    L = tuple(data.draw(st.integers(1 if dims == 3 else 2, MAX_LEN)) for _ in range(dims - 2)) + \
        tuple(data.draw(st.integers(2, 2 * MAX_LEN)) for _ in range(2))
    x = batch(data.draw, L, dtype, integers(np.int64) if dtype == np.int64 else None)
    k = (1,) * (dims - 2) + (2, 2)
    ceil_mode = data.draw(st.booleans())
    windows = fixed_windows((1,) * (3 - dims) + L, (1,) * (3 - dims) + k, (1,) * (3 - dims) + k, (0, 0, 0),
                            (1, 1, 1), ceil_mode)
    assert _whole_2x2_blocks(windows) == (not ceil_mode or all(n % 2 == 0 for n in L[-2:]))
    values, indices = pool_numpy(MAX_FUNCTIONS[dims], x, k, k, 0, 1, ceil_mode, True)
    expected_values, expected_indices = ref.max_pool(x, k, k, (0,) * dims, (1,) * dims, ceil_mode)
    np.testing.assert_array_equal(values, expected_values)
    np.testing.assert_array_equal(indices, expected_indices)
    np.testing.assert_array_equal(pool_numpy(MAX_FUNCTIONS[dims], x, k, k, 0, 1, ceil_mode), expected_values)

def test_max_pool_special_values(device):
    nan, inf = math.nan, math.inf
    x = Tensor([[nan, 1.0, nan, 2.0, -inf, -inf, 3.0, 3.0, 0.0, -0.0]], device=device)
    values, indices = F.max_pool1d(x, 2, return_indices=True)
    assert np.isnan(values.numpy()[0, :2]).all() and values.numpy()[0, 2:].tolist() == [-inf, 3.0, 0.0]
    assert indices.tolist() == [[0, 2, 4, 6, 8]]   # NaN's own index; -inf keeps the first tap; first of ties
    values, indices = F.max_pool1d(Tensor([[nan, 0.0, nan]], device=device), 3, return_indices=True)
    assert indices.tolist() == [[2]]                # the last NaN in scan order

# --- integer max pooling --------------------------------------------------------------------------------------
def integers(dtype):
    """The dtype's extremes (its minimum is also what padding counts as), with small values to make ties."""
    info = np.iinfo(dtype)
    return st.sampled_from([int(info.min), int(info.max), 0, 1]) | st.integers(max(int(info.min), -3), 3)

@given(config=windows(), data=st.data())
def test_max_pool_of_int64_values_and_indices(device, config, data):
    L, k, s, p, d, ceil_mode = config
    x = batch(data.draw, L, np.int64, integers(np.int64))
    values, indices = pool_numpy(MAX_FUNCTIONS[len(L)], x, k, s, p, d, ceil_mode, True, device=device)
    expected_values, expected_indices = ref.max_pool(x, k, s, p, d, ceil_mode)
    assert values.dtype == np.int64
    np.testing.assert_array_equal(values, expected_values)
    np.testing.assert_array_equal(indices, expected_indices)
    np.testing.assert_array_equal(pool_numpy(MAX_FUNCTIONS[len(L)], x, k, s, p, d, ceil_mode, device=device),
                                  expected_values)

@given(config=windows(), data=st.data())
def test_max_pool_kernels_serve_every_integer_dtype(device, config, data):
    """The backend's max_pool itself, for the integer dtypes a Tensor holds besides int64 (which has a test of its
    own): the kernels are dtype-generic. Each dtype compiles the kernel anew, so the dtypes no Tensor can hold are
    left out."""
    L, k, s, p, d, ceil_mode = config
    dtype = data.draw(st.sampled_from([np.int32, np.uint8]))
    x = batch(data.draw, L, dtype, integers(dtype))
    xp, dims = Tensor.backend(device), len(L)
    planes = xp.asarray(np.ascontiguousarray(x.reshape((-1,) + (1,) * (3 - dims) + L)))
    values, indices = xp.max_pool(planes, fixed_windows(L, k, s, p, d, ceil_mode), True)
    expected_values, expected_indices = ref.max_pool(x, k, s, p, d, ceil_mode)
    assert xp.to_numpy(values).dtype == dtype
    np.testing.assert_array_equal(xp.to_numpy(values).reshape(expected_values.shape), expected_values)
    np.testing.assert_array_equal(xp.to_numpy(indices).reshape(expected_indices.shape), expected_indices)

@pytest.mark.parametrize("dtype", [np.int32, np.uint8])
def test_max_pool_of_narrow_integer_tensors(device, dtype):
    x = np.random.default_rng(0).integers(0, 100, (2, 3, 5, 6)).astype(dtype)
    try:
        tensor = Tensor(x, dtype=dtype, device=device)
    except TypeError:
        pytest.skip(f"this Tensor does not hold {np.dtype(dtype)}")
    for dims in (1, 2):
        values, indices = MAX_FUNCTIONS[dims](tensor if dims == 2 else tensor[0], 3, 2, 1, return_indices=True)
        expected = ref.max_pool(x if dims == 2 else x[0], (3,) * dims, (2,) * dims, (1,) * dims, (1,) * dims, False)
        assert values.dtype == dtype
        np.testing.assert_array_equal(values.numpy(), expected[0])
        np.testing.assert_array_equal(indices.numpy(), expected[1])

def test_integer_max_pooling_needs_no_gradient(device):
    x = Tensor(np.arange(16).reshape(1, 1, 4, 4), device=device)
    assert not F.max_pool2d(x, 2).requires_grad
    assert F.max_pool2d(x, 2, padding=1).tolist() == [[[[0, 2, 3], [8, 10, 11], [12, 14, 15]]]]
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients"):
        Tensor(np.arange(4), requires_grad=True)

@given(config=windows(), data=st.data())
def test_pytorch_agrees_on_integer_max_pooling(config, data):
    """PyTorch's 1-d max pooling of integers works only with return_indices=True; both pass here."""
    torch = pytest.importorskip("torch")
    L, k, s, p, d, ceil_mode = config
    x = batch(data.draw, L, np.int64, integers(np.int64))
    dims = len(L)
    values, indices = MAX_FUNCTIONS[dims](Tensor(x), k, s, p, d, ceil_mode, True)
    t_values, t_indices = getattr(torch.nn.functional, f"max_pool{dims}d")(
        torch.from_numpy(x), k, s, p, d, ceil_mode, True)
    np.testing.assert_array_equal(values.numpy(), t_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())

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

UNBATCHED = [
    ("max_pool", lambda x, d: MAX_FUNCTIONS[d](x, 2, 1, 1, ceil_mode=True)),
    ("avg_pool", lambda x, d: AVG_FUNCTIONS[d](x, 3, 2, 1, count_include_pad=False)),
    ("lp_pool", lambda x, d: LP_FUNCTIONS[d](x, 3, 2, 1)),
    ("adaptive_max_pool", lambda x, d: ADAPTIVE_MAX[d](x, 3)),
    ("adaptive_avg_pool", lambda x, d: ADAPTIVE_AVG[d](x, 3)),
    ("max_unpool", lambda x, d: UNPOOLS[d](*MAX_FUNCTIONS[d](x, 2, return_indices=True), 2)),
]

@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("name,fn", UNBATCHED, ids=[row[0] for row in UNBATCHED])
def test_unbatched_inputs_pool_like_a_batch_of_one(device, name, fn, dims):
    values = np.random.default_rng(dims).random((2,) + (4,) * dims) + 0.5
    outputs, grads = [], []
    for array in (values, values[None]):
        x = Tensor(array, requires_grad=True, device=device)
        out = fn(x, dims)
        out.backward(Tensor(np.arange(out.numel(), dtype=np.float64).reshape(out.shape), device=device))
        outputs.append(out.numpy())
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(outputs[0], outputs[1][0])
    np.testing.assert_array_equal(grads[0], grads[1][0])

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
    ("lp1d_negative_p", lambda x: F.lp_pool1d(x + 1.0, -1.5, 3, 2, True), (2, 1, 6)),
    ("lp3d", lambda x: F.lp_pool3d(x + 1.0, 3, (1, 2, 2), 1), (1, 1, 2, 3, 3)),
    ("lp_inf", lambda x: F.lp_pool1d(x - 0.33, math.inf, 2), (1, 2, 6)),          # no ties in |x|
    ("lp_minus_inf", lambda x: F.lp_pool2d(x - 0.33, -math.inf, 2), (1, 1, 4, 4)),
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
    out = MAX_FUNCTIONS[len(L)](x, k, s, p, d, ceil_mode)
    grad = np.random.default_rng(0).integers(-3, 4, out.shape).astype(np.float64)
    out.backward(Tensor(grad, dtype=tp.float64, device=device))
    assert x.grad.numpy().sum() == grad.sum()

@given(config=windows(dilation=False), data=st.data())
def test_avg_pool_backward_against_the_reference(device, config, data):
    L, k, s, p, _, ceil_mode = config
    count_include_pad = data.draw(st.booleans())
    x = Tensor(batch(data.draw, L, elements=st.floats(-1, 1)), requires_grad=True, device=device)
    out = AVG_FUNCTIONS[len(L)](x, k, s, p, ceil_mode, count_include_pad)
    grad = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(Tensor(grad, dtype=tp.float64, device=device))
    expected = ref.avg_pool_backward(grad, x.shape, k, s, p, ceil_mode, count_include_pad)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12, atol=1e-15)

# --- bad inputs: every function and module, checked before any kernel runs -------------------------------------
# Each row: an id, a call taking `make(dims, lead=(1, 2), dtype=np.float32, size=4)` (a Tensor of ones of shape
# lead + (size,) * dims on the test's device), the exception and a phrase of its message (a regex) that names the
# argument and the bad value.
VALID_ARGUMENTS = {"max_pool": dict(kernel_size=2), "avg_pool": dict(kernel_size=2),
                   "lp_pool": dict(norm_type=2, kernel_size=2), "adaptive_max_pool": dict(output_size=2),
                   "adaptive_avg_pool": dict(output_size=2), "max_unpool": dict(kernel_size=2), "global_avg_pool": {}}

def _call(name):
    """The dims of the function `name`, and call(x, **overrides): the function called on x with valid arguments,
    `overrides` replacing some (max_unpool gets indices of x's shape unless `indices` is among them)."""
    dims, function = int(name[-2]), FUNCTIONS[name]

    def call(x, **overrides):
        kwargs = {**VALID_ARGUMENTS[name[:-2]], **overrides}
        if name.startswith("max_unpool"):
            shape = getattr(x, "shape", (1, 2) + (4,) * dims)
            default = Tensor(np.zeros(shape, np.int64), device=getattr(x, "device", "cpu"))
            return function(x, kwargs.pop("indices", default), **kwargs)
        return function(x, **kwargs)
    return dims, call

FUNCTIONS = {f"{family}{d}d": fn for family, fns in
             [("max_pool", MAX_FUNCTIONS), ("avg_pool", AVG_FUNCTIONS), ("lp_pool", LP_FUNCTIONS),
              ("adaptive_max_pool", ADAPTIVE_MAX), ("adaptive_avg_pool", ADAPTIVE_AVG), ("max_unpool", UNPOOLS)]
             for d, fn in fns.items()}
FUNCTIONS["global_avg_pool2d"] = F.global_avg_pool2d

def _described(value):
    kind = type(value)
    return re.escape(f"{value!r} (") + rf"(\w+\.)?{kind.__name__}\)"

def _input_rows(name):
    """Max pooling takes integers, as PyTorch's does; every other pooling takes float32 or float64 alone."""
    dims, call = _call(name)
    adaptive = name.startswith("adaptive")
    dtypes = "float32, float64 or an integer dtype" if name.startswith("max_pool") else "float32 or float64"
    rows = [
        ("list", lambda make: call([[1.0] * 4] * 2), TypeError, f"{name}: input must be a Tensor, got list"),
        ("ndarray", lambda make: call(np.ones((1, 2) + (4,) * dims)), TypeError,
         "input must be a Tensor, got ndarray"),
        ("bool", lambda make: call(make(dims, dtype=np.bool_)), TypeError, f"{dtypes}, got bool"),
        ("rank", lambda make: call(make(dims, lead=(1, 1, 2))), ValueError,
         rf"expected a {dims + 1}-d .* or {dims + 2}-d"),
        ("empty spatial dim", lambda make: call(make(dims, size=0)), ValueError, "dims must be non-empty"),
    ]
    if not name.startswith("max_pool"):
        rows.append(("int64", lambda make: call(make(dims, dtype=np.int64)), TypeError, f"{dtypes}, got int64"))
    if not adaptive:
        rows.append(("no channels", lambda make: call(make(dims, lead=(2, 0))), ValueError,
                     r"channel and spatial dims must be non-empty, got shape \(2, 0"))
    return [(f"{name}-{what}", *rest) for what, *rest in rows]

def _calling(name, **overrides):
    """make -> the function `name` called on make(its dims) with valid arguments, `overrides` replacing some."""
    dims, call = _call(name)
    return lambda make: call(make(dims), **overrides)

def _window_rows(name):
    """kernel_size, stride, padding and dilation: floats, bools, strings, None, 0, negatives, wrong lengths."""
    dims = int(name[-2])
    arguments = ["kernel_size", "stride"] + (["padding"] if not name.startswith("lp") else []) + (
        ["dilation"] if name.startswith("max_pool") else [])
    rows = []
    for argument in arguments:
        for value in (2.5, True, "2", None, (2, 2.0)):
            if value is None and argument == "stride":
                continue    # stride=None means the kernel size
            rows.append((argument, value, TypeError,
                         rf"{argument} must be an int or a tuple of ints, got {_described(value)}"))
        for value in ((2,) * (dims + 1), ()):
            if value == () and argument == "stride":
                continue    # so does stride=()
            rows.append((argument, value, ValueError, rf"{argument}={re.escape(repr(value))} needs 1 .*entr"))
        for value in ((-1, -3) if argument == "padding" else (0, -2)):
            expected = "non-negative" if argument == "padding" else "positive"
            rows.append((argument, value, ValueError,
                         rf"{argument} must be {expected}, got {re.escape(repr((value,) * dims))}"))
        rows.append((argument, 2 ** 64, ValueError, rf"{argument}={2 ** 64} is beyond the int64 range"))
    if "padding" in arguments and not name.startswith("max_unpool"):
        rows.append(("padding", 2, ValueError, "at most half of kernel_size"))
    return [(f"{name}-{argument}={value!r}", _calling(name, **{argument: value}), error, phrase)
            for argument, value, error, phrase in rows]

BAD_FLAGS = ("yes", None, 1, 0, 1.0, np.bool_(True))

def _flag_rows(name):
    """PyTorch's flags are exactly True or False."""
    flags = {"max_pool": ("ceil_mode", "return_indices"), "avg_pool": ("ceil_mode", "count_include_pad"),
             "lp_pool": ("ceil_mode",), "adaptive_max_pool": ("return_indices",)}.get(name[:-2], ())
    return [(f"{name}-{flag}={value!r}", _calling(name, **{flag: value}), TypeError,
             rf"{name}: {flag} must be True or False, got {_described(value)}")
            for flag in flags for value in BAD_FLAGS]

def _indices(make, dims, dtype=np.int64, size=4, value=1):
    return Tensor(np.full((1, 2) + (size,) * dims, value, dtype), device=make(1).device)

def _unpool_with_indices(name, **indices):
    """make -> max_unpool `name` of make(dims) with the indices _indices(make, dims, **indices)."""
    dims, call = _call(name)
    return lambda make: call(make(dims), indices=_indices(make, dims, **indices))

def _specific_rows():
    rows = []
    for name in ("avg_pool2d", "avg_pool3d"):
        rows.append((f"{name}-divisor_override=0", _calling(name, divisor_override=0), ValueError,
                     f"{name}: divisor_override must not be 0"))
        rows += [(f"{name}-divisor_override={v!r}", _calling(name, divisor_override=v), TypeError,
                  rf"divisor_override must be an int or None, got {_described(v)}")
                 for v in (1.5, 2.0, True, "2", (2,))]
        rows.append((f"{name}-divisor_override=2**64", _calling(name, divisor_override=2 ** 64), ValueError,
                     "divisor_override=.* is beyond the int64 range"))
    rows.append(("avg_pool1d-divisor_override", _calling("avg_pool1d", divisor_override=2), TypeError,
                 "divisor_override"))
    for name in ("lp_pool1d", "lp_pool2d", "lp_pool3d"):
        rows += [(f"{name}-norm_type={v!r}", _calling(name, norm_type=v), ValueError,
                  rf"{name}: norm_type must be a non-zero number .*got {v}") for v in (0, 0.0, math.nan)]
        rows += [(f"{name}-norm_type={v!r}", _calling(name, norm_type=v), TypeError,
                  rf"{name}: norm_type must be a number, got {_described(v)}") for v in ("2", True, None, 2j)]
        rows.append((f"{name}-norm_type=10**400", _calling(name, norm_type=10 ** 400), ValueError,
                     "norm_type=.* is beyond the float64 range"))
    for name in ("adaptive_max_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_avg_pool3d"):
        dims = int(name[-2])
        rows += [(f"{name}-output_size={v!r}", _calling(name, output_size=v), ValueError,
                  rf"output_size must be non-negative, got {re.escape(repr(v))}") for v in (-1, (-1,) * dims)]
        rows += [(f"{name}-output_size={v!r}", _calling(name, output_size=v), TypeError,
                  rf"output_size must be an int or a tuple of ints \(or None entries\), got {_described(v)}")
                 for v in (None, 2.0, "2", (2.0,) * dims, (True,) * dims)]
        rows += [(f"{name}-output_size={v!r}", _calling(name, output_size=v), ValueError,
                  rf"output_size={re.escape(repr(v))} needs {dims} entr") for v in ((1,) * (dims + 1), ())]
    for name in ("max_unpool1d", "max_unpool2d", "max_unpool3d"):
        dims = int(name[-2])
        rows += [
            (f"{name}-indices=list", _calling(name, indices=[[1]]), TypeError, "indices must be a Tensor, got list"),
            (f"{name}-indices float", _unpool_with_indices(name, dtype=np.float32), TypeError,
             "indices must be int64, as max pooling returns them, got float32"),
            (f"{name}-indices shape", _unpool_with_indices(name, size=3), ValueError,
             r"indices must have the input's shape \(1, 2, 4.* got \(1, 2, 3"),
            (f"{name}-index outside", _unpool_with_indices(name, value=10 ** dims), ValueError,
             rf"index {10 ** dims} lies outside the output plane"),
            (f"{name}-output_size=8", _calling(name, output_size=8), TypeError,
             rf"output_size must be None or a tuple of ints, got {_described(8)}"),
            (f"{name}-output_size float", _calling(name, output_size=(8.0,) * dims), TypeError,
             "output_size must be None or a tuple of ints, got"),
            (f"{name}-output_size length", _calling(name, output_size=(8,) * (dims + 1)), ValueError,
             rf"needs {dims} or {dims + 2} entries"),
            (f"{name}-output_size far", _calling(name, output_size=(20,) * dims), ValueError,
             "must lie strictly within stride"),
            (f"{name}-no output", _calling(name, padding=5), ValueError, "output size .* is too small"),
        ]
    rows += [
        ("max_pool2d-output too small", _calling("max_pool2d", kernel_size=9), ValueError, "output size is too small"),
        ("avg_pool1d-output too small", _calling("avg_pool1d", kernel_size=5), ValueError, "output size is too small"),
        ("lp_pool2d-output too small", _calling("lp_pool2d", kernel_size=5), ValueError, "output size is too small"),
        ("max_pool1d-window on no input", lambda make: F.max_pool1d(make(1, size=2), 2, 1, 1, 3), ValueError,
         "touches no input"),
    ]
    return rows

def _module_rows():
    rows = [
        (modules.MaxPool1d, (2.5,), {}, TypeError, "MaxPool1d: kernel_size must be an int"),
        (modules.MaxPool2d, (2,), dict(ceil_mode="yes"), TypeError, "MaxPool2d: ceil_mode must be True or False"),
        (modules.MaxPool3d, (2,), dict(return_indices=None), TypeError, "MaxPool3d: return_indices must be True"),
        (modules.MaxPool2d, (2,), dict(padding=2), ValueError, "MaxPool2d: padding .* at most half"),
        (modules.MaxPool1d, (2,), dict(dilation=0), ValueError, "MaxPool1d: dilation must be positive"),
        (modules.MaxPool2d, ((2, 2, 2),), {}, ValueError,
         r"MaxPool2d: kernel_size=\(2, 2, 2\) needs 1 entry \(for every dim\) or 2"),
        (modules.AvgPool1d, (2,), dict(count_include_pad="x"), TypeError, "AvgPool1d: count_include_pad must be True"),
        (modules.AvgPool2d, (2,), dict(divisor_override=0), ValueError, "AvgPool2d: divisor_override must not be 0"),
        (modules.AvgPool3d, (0,), {}, ValueError, "AvgPool3d: kernel_size must be positive"),
        (modules.AvgPool2d, (2,), dict(ceil_mode=1), TypeError, "AvgPool2d: ceil_mode must be True or False, got 1"),
        (modules.AvgPool2d, (2,), dict(stride=-1), ValueError, "AvgPool2d: stride must be positive"),
        (modules.AdaptiveAvgPool1d, (None,), {}, TypeError, "AdaptiveAvgPool1d: output_size must be an int"),
        (modules.AdaptiveAvgPool2d, ((1, 2, 3),), {}, ValueError, "AdaptiveAvgPool2d: output_size=.* needs 2 entries"),
        (modules.AdaptiveAvgPool3d, (-1,), {}, ValueError, "AdaptiveAvgPool3d: output_size must be non-negative"),
        (modules.AdaptiveMaxPool1d, (2.0,), {}, TypeError, "AdaptiveMaxPool1d: output_size must be an int"),
        (modules.AdaptiveMaxPool2d, (2,), dict(return_indices="yes"), TypeError, "AdaptiveMaxPool2d: return_ind"),
        (modules.AdaptiveMaxPool3d, ((1, None, "a"),), {}, TypeError, "AdaptiveMaxPool3d: output_size must be an int"),
        (modules.LPPool1d, (0, 2), {}, ValueError, "LPPool1d: norm_type must be a non-zero number"),
        (modules.LPPool2d, ("2", 2), {}, TypeError, "LPPool2d: norm_type must be a number, got '2' \\(str\\)"),
        (modules.LPPool3d, (2, 2), dict(ceil_mode=None), TypeError, "LPPool3d: ceil_mode must be True or False"),
        (modules.LPPool2d, (math.nan, 2), {}, ValueError, "LPPool2d: norm_type must be a non-zero number"),
        (modules.LPPool1d, (2, 2), dict(stride=0), ValueError, "LPPool1d: stride must be positive"),
        (modules.MaxUnpool1d, (0,), {}, ValueError, "MaxUnpool1d: kernel_size must be positive"),
        (modules.MaxUnpool2d, (2,), dict(padding=-1), ValueError, "MaxUnpool2d: padding must be non-negative"),
        (modules.MaxUnpool3d, (2,), dict(stride=1.5), TypeError, "MaxUnpool3d: stride must be an int"),
    ]
    return [(f"{module.__name__}({', '.join(map(repr, args))}, {kwargs})",
             lambda make, m=module, a=args, k=kwargs: m(*a, **k), error, phrase)
            for module, args, kwargs, error, phrase in rows]

def _changed_module(make):
    """An attribute set after construction is checked at the call."""
    pool = modules.MaxPool2d(2)
    pool.ceil_mode = "yes"
    return pool(make(2))

BAD_INPUTS = ([row for name in FUNCTIONS for row in _input_rows(name) + _flag_rows(name)]
              + [row for name in FUNCTIONS if not name.startswith(("adaptive", "global")) for row in _window_rows(name)]
              + _specific_rows() + _module_rows()
              + [("MaxPool2d-ceil_mode set later", _changed_module, TypeError, "max_pool2d: ceil_mode must be True"),
                 ("MaxPool2d-list input", lambda make: modules.MaxPool2d(2)([[1.0]]), TypeError,
                  "max_pool2d: input must be a Tensor, got list")])

@pytest.mark.parametrize("call,error,phrase", [row[1:] for row in BAD_INPUTS], ids=[row[0] for row in BAD_INPUTS])
def test_bad_inputs_raise_clear_errors_before_any_kernel(device, monkeypatch, call, error, phrase):
    def make(dims, lead=(1, 2), dtype=np.float32, size=4):
        return Tensor(np.ones(lead + (size,) * dims, dtype), device=device)

    def no_kernel(cls, *args, **kwargs):
        raise AssertionError(f"{cls.__name__} ran before the bad argument was found")
    monkeypatch.setattr(Function, "apply", classmethod(no_kernel))
    with pytest.raises(error, match=phrase):
        call(make)

def test_dilated_window_that_touches_no_input_is_rejected(device):
    # L=2, k=2, d=3, p=1: taps -1 and 2 are both outside; PyTorch returns index 2 and leaks the gradient.
    with pytest.raises(ValueError, match="touches no input"):
        F.max_pool1d(tp.ones(1, 1, 2, device=device), 2, 1, 1, 3)

# --- zero sizes: an empty batch, no channels (adaptive pooling) and empty outputs ------------------------------
EMPTY_BATCH = [
    ("max_pool", lambda x, d: MAX_FUNCTIONS[d](x, 2)),
    ("max_pool with indices", lambda x, d: MAX_FUNCTIONS[d](x, 2, return_indices=True)[0]),
    ("avg_pool", lambda x, d: AVG_FUNCTIONS[d](x, 2)),
    ("lp_pool", lambda x, d: LP_FUNCTIONS[d](x, 2, 2)),
    ("lp_pool p=inf", lambda x, d: LP_FUNCTIONS[d](x, math.inf, 2)),
    ("adaptive_max_pool", lambda x, d: ADAPTIVE_MAX[d](x, 2)),
    ("adaptive_avg_pool", lambda x, d: ADAPTIVE_AVG[d](x, 2)),
    ("max_unpool", lambda x, d: UNPOOLS[d](*MAX_FUNCTIONS[d](x, 2, return_indices=True), 2)),
]

def forward_backward(fn, shape, device):
    x = Tensor(np.ones(shape), dtype=tp.float64, requires_grad=True, device=device)
    out = fn(x)
    out.backward(Tensor(np.ones(out.shape), dtype=tp.float64, device=device))
    return out, x.grad

@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("name,fn", EMPTY_BATCH, ids=[row[0] for row in EMPTY_BATCH])
def test_empty_batch_forward_and_backward(device, name, fn, dims):
    out, grad = forward_backward(lambda x: fn(x, dims), (0, 3) + (4,) * dims, device)
    expected = (4,) * dims if name == "max_unpool" else (2,) * dims
    assert out.shape == (0, 3) + expected
    assert grad.shape == (0, 3) + (4,) * dims

@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("family", ["max", "avg"])
def test_adaptive_pools_of_no_channels_and_to_empty_outputs(device, family, dims):
    """Adaptive pooling takes 0 channels, batched or not, and output sizes of 0 (whose gradient is all zero)."""
    fn = (ADAPTIVE_MAX if family == "max" else ADAPTIVE_AVG)[dims]
    for shape in [(2, 0) + (4,) * dims, (0,) + (4,) * dims]:
        out, grad = forward_backward(lambda x: fn(x, 2), shape, device)
        assert out.shape == shape[:-dims] + (2,) * dims and grad.shape == shape
    size = (0,) + (3,) * (dims - 1)
    for shape in [(2, 3) + (4,) * dims, (3,) + (4,) * dims]:
        out, grad = forward_backward(lambda x: fn(x, size), shape, device)
        assert out.shape == shape[:-dims] + size
        assert grad.shape == shape and not grad.numpy().any()
    if family == "max":
        values, indices = fn(tp.zeros(0, 3, *(4,) * dims, device=device), 2, return_indices=True)
        assert values.shape == indices.shape == (0, 3) + (2,) * dims and indices.dtype == tp.int64

def test_global_avg_pool_of_an_empty_batch(device):
    out, grad = forward_backward(F.global_avg_pool2d, (0, 3, 4, 5), device)
    assert out.shape == (0, 3, 1, 1) and grad.shape == (0, 3, 4, 5)

@pytest.mark.parametrize("dims", [1, 2, 3])
def test_empty_shapes_match_pytorch(dims):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    for ours, theirs, shape in [
            (MAX_FUNCTIONS[dims], getattr(tf, f"max_pool{dims}d"), (0, 3) + (5,) * dims),
            (AVG_FUNCTIONS[dims], getattr(tf, f"avg_pool{dims}d"), (0, 3) + (5,) * dims),
            (lambda x, k: LP_FUNCTIONS[dims](x, 2, k), lambda x, k: getattr(tf, f"lp_pool{dims}d")(x, 2, k),
             (0, 3) + (5,) * dims),
            (ADAPTIVE_AVG[dims], getattr(tf, f"adaptive_avg_pool{dims}d"), (0,) + (5,) * dims),
            (ADAPTIVE_MAX[dims], getattr(tf, f"adaptive_max_pool{dims}d"), (0,) + (5,) * dims)]:
        x = np.ones(shape, np.float32)
        assert ours(Tensor(x), 2).shape == tuple(theirs(torch.from_numpy(x), 2).shape)

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
        values, indices = MAX_FUNCTIONS[len(L)](leaf, k, s, p, d, ceil_mode, True)
        avg = AVG_FUNCTIONS[len(L)](leaf, k, s, p, ceil_mode) if d == (1,) * len(L) else values
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
                             (nn.LPPool1d(2, 2), lambda t: F.lp_pool1d(t[0], 2, 2)),
                             (modules.LPPool3d(2, (1, 2, 2)), lambda t: F.lp_pool3d(t, 2, (1, 2, 2)))]:
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
    values, indices = MAX_FUNCTIONS[dims](Tensor(x), k, s, p, d, ceil_mode, True)
    t_values, t_indices = getattr(torch.nn.functional, f"max_pool{dims}d")(
        torch.from_numpy(x), k, s, p, d, ceil_mode, True)
    np.testing.assert_array_equal(values.numpy(), t_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())
    # PyTorch's avg_pool3d also rejects inputs smaller than the kernel; the spec (and we) follow the formula.
    if d == (1,) * dims and not (dims == 3 and any(Li < ki for Li, ki in zip(L, k))):
        for include in (True, False):
            ours = AVG_FUNCTIONS[dims](Tensor(x), k, s, p, ceil_mode, include).numpy()
            theirs = getattr(torch.nn.functional, f"avg_pool{dims}d")(torch.from_numpy(x), k, s, p, ceil_mode, include)
            np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-6, atol=1e-7)
