"""Pooling of special values: inf, -inf, NaN, -0.0, and the largest and smallest float32 magnitudes (3e38, and
1.4e-45, the smallest subnormal) sprinkled into random inputs, for every family: values, indices and gradients
against the naive loops of pooling_reference.py, and against PyTorch where it is installed.

NaN positions and the signs of infinities must be equal; a maximum is an input element, so its sign of zero must
be equal too; other values must be close. A window sum that cancels almost wholly (3e38 - 3e38 + 1) is left to
rounding: its value, and for lp pooling its sign, depends on the order of the additions. So a sum is compared
within a bound that grows with the sum of |terms|, and an lp window whose total cancels is left out, with the
inputs it reaches in the gradient.
"""
import math

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_pool.nn.functional as F
from tinygrad_pool import Tensor, gradcheck

import pooling_reference as ref

# Special values make numpy warn (0 ** -1, inf - inf, float32 overflow): that is what is being tested.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

HUGE, TINY = float(np.float32(3e38)), float(np.float32(1e-45))
SPECIAL = [math.inf, -math.inf, math.nan, -0.0, 0.0, HUGE, -HUGE, TINY, -TINY]
ROUNDING = 2.0 ** -40     # a float64 sum of at most 27 terms is off by at most 2**-47 of the sum of |terms|
CANCELLED = 2.0 ** -20    # an lp total this small next to the sum of |terms| is left out
MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}
LP = {1: F.lp_pool1d, 2: F.lp_pool2d, 3: F.lp_pool3d}
UNPOOL = {1: F.max_unpool1d, 2: F.max_unpool2d, 3: F.max_unpool3d}
NORM_TYPES = [1, 2, 3, 1.5, 0.5, -1, -2.5, math.inf, -math.inf]

def sprinkled(special=SPECIAL):
    """About half special values, half ordinary ones."""
    return st.sampled_from(special) | st.floats(-3, 3, width=32)

@st.composite
def configs(draw, dilation=True, padding=True):
    """A valid window configuration: per-dim length, kernel, stride, padding, dilation tuples and ceil_mode."""
    dims = draw(st.integers(1, 3))
    L = tuple(draw(st.integers(1, 4)) for _ in range(dims))
    k = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    s = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    p = tuple(draw(st.integers(0, ki // 2 if padding else 0)) for ki in k)
    d = tuple(draw(st.integers(1, 2 if dilation else 1)) for _ in range(dims))
    ceil_mode = draw(st.booleans())
    for args in zip(L, k, s, p, d):
        out = ref.out_length(*args, ceil_mode)
        assume(out >= 1)
        Li, ki, si, pi, di = args
        assume(all(any(0 <= o * si - pi + j * di < Li for j in range(ki)) for o in range(out)))
    return L, k, s, p, d, ceil_mode

def draw_input(data, L, elements=None, dtype=None):
    dtype = dtype or data.draw(st.sampled_from([np.float32, np.float64]))
    lead = data.draw(st.sampled_from([(1, 1), (2, 1), (1, 2)]))
    return data.draw(hnp.arrays(dtype, lead + L, elements=sprinkled() if elements is None else elements))

def draw_grad(data, shape, dtype):
    return data.draw(hnp.arrays(dtype, shape, elements=st.floats(-2, 2, width=32)))

def run(fn, x, data, device, *args, **kwargs):
    """fn's outputs as numpy arrays, a drawn gradient of its first output, and the input's gradient for it."""
    leaf = Tensor(x, requires_grad=True, device=device)
    out = fn(leaf, *args, **kwargs)
    first = out[0] if isinstance(out, tuple) else out
    grad = draw_grad(data, first.shape, x.dtype)
    first.backward(Tensor(grad, device=device))
    values = tuple(o.numpy() for o in out) if isinstance(out, tuple) else out.numpy()
    return values, grad, leaf.grad.numpy()

def assert_close(ours, expected, rtol, bound=0.0, skip=None):
    """The same NaNs and infinities once `expected` is rounded to ours's dtype (where an overflow is inf);
    elsewhere |ours - expected| <= rtol * |expected| + bound, plus the dtype's spacing at 0."""
    ours = np.asarray(ours)
    with np.errstate(over="ignore"):
        expected = np.asarray(expected).astype(ours.dtype).astype(np.float64)
    assert ours.shape == expected.shape
    keep = np.ones(expected.shape, bool) if skip is None else ~skip
    np.testing.assert_array_equal(np.isnan(ours)[keep], np.isnan(expected)[keep])
    np.testing.assert_array_equal(np.isposinf(ours)[keep], np.isposinf(expected)[keep])
    np.testing.assert_array_equal(np.isneginf(ours)[keep], np.isneginf(expected)[keep])
    finite = keep & np.isfinite(expected)
    error = np.abs(ours[finite].astype(np.float64) - expected[finite])
    allowed = (rtol * np.abs(expected[finite]) + np.broadcast_to(bound, expected.shape)[finite]
               + np.finfo(ours.dtype).smallest_subnormal)
    assert (error <= allowed).all(), f"worst error {np.max(error - allowed)} over the bound"

def assert_same_elements(ours, expected):
    """Maxima are input elements: equal, NaN for NaN, and with the same sign of zero."""
    np.testing.assert_array_equal(ours, expected)
    np.testing.assert_array_equal(np.signbit(ours), np.signbit(expected))

def rtol(dtype):
    return 1e-5 if dtype == np.float32 else 1e-9

def lp_cancelled(x, norm_type, k, s, ceil_mode):
    """The lp windows whose total of x**p cancels to within rounding, and the inputs they reach."""
    if math.isinf(norm_type):
        return None, np.zeros(x.shape, bool)
    powers = (x ** x.dtype.type(norm_type)).astype(np.float64)
    zero = (0,) * len(k)
    total = ref.avg_pool(powers, k, s, zero, ceil_mode, True)
    size = ref.avg_pool(np.abs(powers), k, s, zero, ceil_mode, True)
    windows = np.isfinite(total) & np.isfinite(size) & (size > 0) & (np.abs(total) <= CANCELLED * size)
    reached = ref.avg_pool_backward(windows.astype(np.float64), x.shape, k, s, zero, ceil_mode, True) > 0
    return windows, reached

# --- against the reference -------------------------------------------------------------------------------------
@given(config=configs(), data=st.data())
def test_max_pool(device, config, data):
    L, k, s, p, d, ceil_mode = config
    x = draw_input(data, L)
    (values, indices), grad, x_grad = run(MAX[len(L)], x, data, device, k, s, p, d, ceil_mode, True)
    expected_values, expected_indices = ref.max_pool(x, k, s, p, d, ceil_mode)
    assert_same_elements(values, expected_values)
    np.testing.assert_array_equal(indices, expected_indices)
    assert_close(x_grad, ref.max_pool_backward(grad, expected_indices, x.shape), rtol(x.dtype))

@given(config=configs(dilation=False), data=st.data())
def test_avg_pool(device, config, data):
    L, k, s, p, _, ceil_mode = config
    x = draw_input(data, L)
    count_include_pad = data.draw(st.booleans())
    override = data.draw(st.none() | st.sampled_from([-3, -1, 1, 2])) if len(L) > 1 else None
    kwargs = {} if override is None else dict(divisor_override=override)
    values, grad, x_grad = run(AVG[len(L)], x, data, device, k, s, p, ceil_mode, count_include_pad, **kwargs)
    x64 = x.astype(np.float64)
    size = ref.avg_pool(np.abs(x64), k, s, p, ceil_mode, count_include_pad, override and abs(override))
    assert_close(values, ref.avg_pool(x64, k, s, p, ceil_mode, count_include_pad, override), rtol(x.dtype),
                 ROUNDING * size)
    expected_grad = ref.avg_pool_backward(grad, x.shape, k, s, p, ceil_mode, count_include_pad, override)
    # an input in several windows sums their gradients in its own dtype, and the sum may cancel: allow rounding
    # relative to the sum of the sizes
    grad_size = ref.avg_pool_backward(np.abs(grad).astype(np.float64), x.shape, k, s, p, ceil_mode,
                                      count_include_pad, override and abs(override))
    assert_close(x_grad, expected_grad, rtol(x.dtype), 4 * np.finfo(x.dtype).eps * grad_size)

@given(data=st.data())
def test_adaptive_pools(device, data):
    dims = data.draw(st.integers(1, 3))
    L = tuple(data.draw(st.integers(1, 4)) for _ in range(dims))
    out = tuple(data.draw(st.integers(0, 5)) for _ in range(dims))
    x = draw_input(data, L)
    (values, indices), grad, x_grad = run(getattr(F, f"adaptive_max_pool{dims}d"), x, data, device, out, True)
    expected_values, expected_indices = ref.adaptive_max_pool(x, out)
    assert_same_elements(values, expected_values)
    np.testing.assert_array_equal(indices, expected_indices)
    assert_close(x_grad, ref.max_pool_backward(grad, expected_indices, x.shape), rtol(x.dtype))
    average, grad, x_grad = run(getattr(F, f"adaptive_avg_pool{dims}d"), x, data, device, out)
    x64 = x.astype(np.float64)
    size = ref.adaptive_avg_pool(np.abs(x64), out)
    assert_close(average, ref.adaptive_avg_pool(x64, out), rtol(x.dtype), ROUNDING * size)
    assert_close(x_grad, ref.adaptive_avg_pool_backward(grad, x.shape), rtol(x.dtype))

@given(config=configs(dilation=False, padding=False), data=st.data())
def test_lp_pool(device, config, data):
    L, k, s, _, _, ceil_mode = config
    norm_type = data.draw(st.sampled_from(NORM_TYPES))
    x = draw_input(data, L)
    values, grad, x_grad = run(LP[len(L)], x, data, device, norm_type, k, s, ceil_mode)
    cancelled, reached = lp_cancelled(x, norm_type, k, s, ceil_mode)
    assert_close(values, ref.lp_pool(x, norm_type, k, s, ceil_mode), 10 * rtol(x.dtype), skip=cancelled)
    expected_grad = ref.lp_pool_backward(x, grad, norm_type, k, s, ceil_mode)
    assert_close(x_grad, expected_grad, 10 * rtol(x.dtype), skip=reached)

@given(config=configs(dilation=False), data=st.data())
def test_max_unpool(device, config, data):
    L, k, s, p, _, ceil_mode = config
    x = draw_input(data, L)
    dims = len(L)
    values, indices = MAX[dims](Tensor(x, device=device), k, s, p, 1, ceil_mode, True)
    size = tuple((v - 1) * si - 2 * pi + ki for v, si, pi, ki in zip(values.shape[2:], s, p, k))
    assume(min(size) >= 1 and int(indices.numpy().max(initial=0)) < math.prod(size))
    out, grad, x_grad = run(UNPOOL[dims], values.numpy(), data, device, indices, k, s, p)
    assert_same_elements(out, ref.max_unpool(values.numpy(), indices.numpy(), size))
    planes = grad.reshape(grad.shape[:2] + (-1,))
    at_indices = np.take_along_axis(planes, indices.numpy().reshape(planes.shape[:2] + (-1,)), axis=2)
    np.testing.assert_array_equal(x_grad, at_indices.reshape(values.shape))

# --- against PyTorch -------------------------------------------------------------------------------------------
def torch_run(torch, fn, x, grad, *args):
    leaf = torch.from_numpy(x.copy()).requires_grad_()
    out = fn(leaf, *args)
    first = out[0] if isinstance(out, tuple) else out
    first.backward(torch.from_numpy(grad))
    values = tuple(o.detach().numpy() for o in out) if isinstance(out, tuple) else out.detach().numpy()
    return values, leaf.grad.numpy()

@given(config=configs(), data=st.data())
def test_max_pools_agree_with_pytorch(config, data):
    torch = pytest.importorskip("torch")
    L, k, s, p, d, ceil_mode = config
    x = draw_input(data, L)
    dims = len(L)
    out = tuple(data.draw(st.integers(1, 5)) for _ in range(dims))
    for ours, args in ((f"max_pool{dims}d", (k, s, p, d, ceil_mode, True)), (f"adaptive_max_pool{dims}d", (out, True))):
        (values, indices), grad, x_grad = run(getattr(F, ours), x, data, "cpu", *args)
        (t_values, t_indices), t_grad = torch_run(torch, getattr(torch.nn.functional, ours), x, grad, *args)
        assert_same_elements(values, t_values)
        np.testing.assert_array_equal(indices, t_indices)
        assert_close(x_grad, t_grad, rtol(x.dtype))

@given(config=configs(dilation=False), data=st.data())
def test_averages_agree_with_pytorch(config, data):
    """Without the 3e38 magnitudes: PyTorch sums float32 in float32, so that 3e38 + 3e38 overflows to inf where
    the library, summing in float64, returns the mean."""
    torch = pytest.importorskip("torch")
    L, k, s, p, _, ceil_mode = config
    dims = len(L)
    assume(dims < 3 or all(Li >= ki for Li, ki in zip(L, k)))   # PyTorch's avg_pool3d needs L >= k
    x = draw_input(data, L, sprinkled([v for v in SPECIAL if abs(v) != HUGE]))
    x64 = x.astype(np.float64)
    summing = 2.0 ** -18 if x.dtype == np.float32 else ROUNDING
    count_include_pad = data.draw(st.booleans())
    out = tuple(data.draw(st.integers(1, 5)) for _ in range(dims))
    for name, args, size in (
            (f"avg_pool{dims}d", (k, s, p, ceil_mode, count_include_pad),
             ref.avg_pool(np.abs(x64), k, s, p, ceil_mode, count_include_pad)),
            (f"adaptive_avg_pool{dims}d", (out,), ref.adaptive_avg_pool(np.abs(x64), out))):
        values, grad, x_grad = run(getattr(F, name), x, data, "cpu", *args)
        t_values, t_grad = torch_run(torch, getattr(torch.nn.functional, name), x, grad, *args)
        assert_close(values, t_values, rtol(x.dtype), summing * size)
        assert_close(x_grad, t_grad, rtol(x.dtype))

@given(config=configs(dilation=False, padding=False), data=st.data())
def test_lp_pool_agrees_with_pytorch(config, data):
    """Without the 3e38 magnitudes (see above). Two kinds of input are left out of the gradient comparison.
    For p = 1, those of a window holding a NaN: PyTorch's lp_pool multiplies their gradient by sign(NaN) = 0,
    the library passes it on, as for any sum. For p = 0.5, -inf and -0.0: PyTorch computes x ** -0.5 as
    1 / sqrt(x) (NaN and -inf), the library as numpy's power does (0 and inf)."""
    torch = pytest.importorskip("torch")
    L, k, s, _, _, ceil_mode = config
    dims = len(L)
    assume(dims < 3 or all(Li >= ki for Li, ki in zip(L, k)))
    norm_type = data.draw(st.sampled_from(NORM_TYPES))
    x = draw_input(data, L, sprinkled([v for v in SPECIAL if abs(v) != HUGE]))
    values, grad, x_grad = run(LP[dims], x, data, "cpu", norm_type, k, s, ceil_mode)
    t_values, t_grad = torch_run(torch, getattr(torch.nn.functional, f"lp_pool{dims}d"), x, grad, norm_type,
                                 k[0] if dims == 1 else k, s, ceil_mode)
    cancelled, reached = lp_cancelled(x, norm_type, k, s, ceil_mode)
    tolerance = 1e-3 if x.dtype == np.float32 else 1e-7   # PyTorch sums float32 in float32
    assert_close(values, t_values, tolerance, skip=cancelled)
    zero = (0,) * dims
    nan_windows = np.isnan(ref.avg_pool(x.astype(np.float64), k, s, zero, ceil_mode, True))
    sign_of_nan = ref.avg_pool_backward(nan_windows * 1.0, x.shape, k, s, zero, ceil_mode, True) > 0
    differs = (norm_type == 1) & sign_of_nan | (norm_type == 0.5) & np.signbit(x) & ((x == 0) | np.isinf(x))
    # A finite non-zero x whose chain-rule factor p * x ** (p - 1) overflows meets a total's factor that is
    # subnormal or 0: inf times that is inf or NaN by how each pow rounds subnormals (PyTorch's vector pow flushes
    # some to 0).
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        overflows = np.isfinite(x) & (x != 0) & ~np.isfinite(np.abs(x) ** x.dtype.type(norm_type - 1))
    assert_close(x_grad, t_grad, tolerance, skip=reached | differs | overflows)

# --- worked examples and the lp gradient at zero -----------------------------------------------------------------
def test_special_value_examples():
    nan, inf = math.nan, math.inf
    values, indices = F.max_pool1d(Tensor([[-0.0, 0.0, 0.0, -0.0]]), 2, return_indices=True)
    assert np.signbit(values.numpy()).tolist() == [[True, False]] and indices.tolist() == [[0, 2]]
    values, indices = F.max_pool1d(Tensor([[-inf, -inf, 1.0]]), 2, 2, padding=1, return_indices=True)
    assert values.tolist() == [[-inf, 1.0]] and indices.tolist() == [[0, 2]]   # padding never wins, even over -inf
    assert F.avg_pool1d(Tensor([[inf, 1.0, HUGE, HUGE]]), 2).tolist() == [[inf, HUGE]]   # summed in float64
    assert np.isnan(F.avg_pool1d(Tensor([[inf, -inf]]), 2).numpy()).all()
    values, indices = F.adaptive_max_pool1d(Tensor([[1.0, nan, 2.0, nan, 3.0]]), 2, return_indices=True)
    assert np.isnan(values.numpy()).all() and indices.tolist() == [[1, 3]]
    assert np.isnan(F.adaptive_avg_pool1d(Tensor([[1.0, nan, 2.0]]), 1).numpy()).all()
    assert F.lp_pool1d(Tensor([[-3.0, 2.0, 0.5, -0.25]]), inf, 2).tolist() == [[3.0, 0.5]]
    assert F.lp_pool1d(Tensor([[-3.0, 2.0, 0.5, -0.25]]), -inf, 2).tolist() == [[2.0, 0.25]]

@pytest.mark.parametrize("norm_type", [1, 2, 3, 4, 2.5])
@pytest.mark.parametrize("after_relu", [False, True])
def test_lp_pool_gradient_at_all_zero_windows_is_zero(device, norm_type, after_relu):
    """As in PyTorch: a window whose total is 0 passes no gradient, for p = 1 as well; the others get theirs."""
    values = [-1.0, -2.0, 0.0, 0.0, 0.5, 0.25] if after_relu else [0.0, -0.0, 0.0, 0.0, 0.5, 0.25]
    x = Tensor([[values]], dtype=np.float64, requires_grad=True, device=device)
    F.lp_pool1d(F.relu(x) if after_relu else x, norm_type, 2).sum().backward()
    last = ref.lp_pool_backward(np.array([[[0.5, 0.25]]]), np.ones((1, 1, 1)), norm_type, (2,), (2,), False)
    assert x.grad.numpy()[0, 0, :4].tolist() == [0.0] * 4
    np.testing.assert_allclose(x.grad.numpy()[0, 0, 4:], last[0, 0], rtol=1e-12)

@pytest.mark.parametrize("norm_type", [2, 4])
def test_lp_pool_gradcheck_at_and_near_zero_windows(device, norm_type):
    """Even p: the p-norm is symmetric in each input, so central differences at an all-zero window give 0, the
    gradient there; next to it windows of values near 0."""
    values = np.array([[[0.0, 0.0, 1e-3, -2e-3, 0.0, 5e-4, 0.3, -0.7]]])
    x = Tensor(values, dtype=np.float64, requires_grad=True, device=device)
    assert gradcheck(lambda t: F.lp_pool1d(t, norm_type, 2), [x], atol=1e-7)
    x2 = Tensor(values.reshape(1, 1, 2, 4), dtype=np.float64, requires_grad=True, device=device)
    assert gradcheck(lambda t: F.lp_pool2d(t, norm_type, (1, 2), ceil_mode=True), [x2], atol=1e-7)

@pytest.mark.parametrize("norm_type", [1, 3, 1.5, -1])
def test_lp_pool_gradcheck_near_zero_windows(device, norm_type):
    """Other p: windows of small positive values (finite differences of steps 1e-6 stay inside them)."""
    values = np.array([[[1e-3, 2e-3, 4e-3, 1e-2, 3e-3, 0.2]]])
    x = Tensor(values, dtype=np.float64, requires_grad=True, device=device)
    assert gradcheck(lambda t: F.lp_pool1d(t, norm_type, 2, 1), [x], rtol=1e-3, atol=1e-6)
