"""inf, NaN, -0.0, huge and tiny magnitudes through the elementwise ops, activations and reductions: values and
gradients against plain-python references (the `math` module, loops) and, where installed, PyTorch.

NaN positions and the signs of infinities must match exactly; finite values to a tolerance. Pooling and
convolution have their own special-value tests.
"""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F
from conftest import examples

SPECIAL = [math.inf, -math.inf, math.nan, -0.0, 0.0, 3e38, -3e38, 1e-45, -1e-45, 1e300, 1.0, -1.0]

def values(min_size=1, max_size=6):
    """Lists of floats where about half the entries are special values."""
    element = st.one_of(st.sampled_from(SPECIAL), st.floats(-20, 20, allow_nan=False))
    return st.lists(element, min_size=min_size, max_size=max_size)

dtypes = st.sampled_from([np.float32, np.float64])

def assert_same(ours, reference, dtype, what, atol=None):
    ours, reference = np.asarray(ours, np.float64), np.asarray(reference, np.float64)
    assert ours.shape == reference.shape, what
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(reference), err_msg=f"{what}: NaN positions")
    np.testing.assert_array_equal(np.isposinf(ours), np.isposinf(reference), err_msg=f"{what}: +inf positions")
    np.testing.assert_array_equal(np.isneginf(ours), np.isneginf(reference), err_msg=f"{what}: -inf positions")
    finite = np.isfinite(ours) & np.isfinite(reference)
    rtol, default_atol = (1e-5, 1e-30) if dtype == np.float32 else (1e-12, 1e-300)
    atol = default_atol if atol is None else atol
    np.testing.assert_allclose(ours[finite], reference[finite], rtol=rtol, atol=atol, err_msg=what)

def as_dtype(data, dtype):
    with np.errstate(over="ignore"):
        return np.array(data, dtype=dtype)

def value_and_grad(op, data, dtype):
    x = tp.tensor(as_dtype(data, dtype), requires_grad=True)
    with np.errstate(all="ignore"):
        out = op(x)
        out.sum().backward()
    return out.numpy(), x.grad.numpy()

def torch_value_and_grad(op, data, dtype):
    torch = pytest.importorskip("torch")
    x = torch.tensor(as_dtype(data, dtype), requires_grad=True)
    out = op(x)
    out.sum().backward()
    return out.detach().numpy(), x.grad.numpy()

# --- unary ops and activations: reference values and derivatives, one element at a time ------------------------
def _sigmoid(v):
    return 1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))

def _exp(v):
    try:
        return math.exp(v)
    except OverflowError:
        return math.inf

UNARY = {   # name: (our op, torch op, reference value, reference derivative)
    "relu": (F.relu, lambda x: x.relu(), lambda v: v if not v <= 0 else 0.0,
             lambda v: 0.0 if v <= 0 else 1.0),
    "sigmoid": (F.sigmoid, lambda x: x.sigmoid(), _sigmoid,
                lambda v: _sigmoid(v) * (1 - _sigmoid(v)) if not math.isnan(v) else math.nan),
    "tanh": (F.tanh, lambda x: x.tanh(), math.tanh, lambda v: 1 - math.tanh(v) ** 2),
    "abs": (lambda x: x.abs(), lambda x: x.abs(), abs,
            lambda v: 0.0 if math.isnan(v) or v == 0 else math.copysign(1.0, v)),
    "exp": (lambda x: x.exp(), lambda x: x.exp(), _exp, _exp),
    "neg": (lambda x: -x, lambda x: -x, lambda v: -v, lambda v: -1.0),
}

def _reference_unary(name, data, dtype):
    value, derivative = UNARY[name][2:]
    x = as_dtype(data, dtype)
    with np.errstate(all="ignore"):
        out = [dtype(value(float(v))) for v in x]
        grad = [dtype(derivative(float(v))) for v in x]
    return out, grad

@pytest.mark.parametrize("name", UNARY)
@given(data=values(), dtype=dtypes)
def test_unary_special_values_match_the_reference(name, data, dtype):
    out, grad = value_and_grad(UNARY[name][0], data, dtype)
    reference_out, reference_grad = _reference_unary(name, data, dtype)
    # sigmoid is 0.5 (1 + tanh(x / 2)), exact to a few epsilons absolute, not relative (docs/semantics.md); the
    # derivatives come from the rounded output (y (1 - y), 1 - y^2), which cancels near saturation alike.
    atol = 1e-6 if dtype == np.float32 else 1e-15
    assert_same(out, reference_out, dtype, f"{name} value", atol=atol if name == "sigmoid" else None)
    assert_same(grad, reference_grad, dtype, f"{name} gradient", atol=atol)

SOFTMAXES = {
    "softmax": (lambda x: F.softmax(x, 0), lambda x: x.softmax(0)),
    "log_softmax": (lambda x: F.log_softmax(x, 0), lambda x: x.log_softmax(0)),
}

@pytest.mark.parametrize("name", list(UNARY) + list(SOFTMAXES))
@given(data=values(), dtype=dtypes)
@examples(30)
def test_activation_special_values_match_pytorch(name, data, dtype):
    ours_op, torch_op = (UNARY.get(name) or SOFTMAXES[name])[:2]
    ours, theirs = value_and_grad(ours_op, data, dtype), torch_value_and_grad(torch_op, data, dtype)
    # Rounding noise of a few epsilons, absolute: sigmoid's formula, saturated derivatives, and the gradient of
    # sum(softmax), which is 0 in exact arithmetic.
    atol = 1e-6 if dtype == np.float32 else 1e-14
    assert_same(ours[0], theirs[0], dtype, f"{name} value", atol=atol if name == "sigmoid" else None)
    assert_same(ours[1], theirs[1], dtype, f"{name} gradient", atol=atol)

# --- reductions ------------------------------------------------------------------------------------------------
def _reference_max(data):
    """NaN wins; otherwise the largest. The gradient is shared by the winners (the NaNs, if any)."""
    if any(math.isnan(v) for v in data):
        winners = [math.isnan(v) for v in data]
        best = math.nan
    else:
        best = max(data)
        winners = [v == best for v in data]
    return best, [w / sum(winners) for w in winners]

def _reference_sum(data):
    total = 0.0
    for v in data:
        total += v
    return total, [1.0] * len(data)

REDUCTIONS = {   # name: (ours, torch's, reference on float64 values)
    "sum": (lambda x: x.sum(), lambda x: x.sum(), _reference_sum),
    "max": (lambda x: x.max(), lambda x: x.max(), _reference_max),
    "min": (lambda x: x.min(), lambda x: x.min(),
            lambda data: (lambda best, grad: (-best, grad))(*_reference_max([-v for v in data]))),
}

@pytest.mark.parametrize("name", REDUCTIONS)
@given(data=values(), dtype=dtypes)
def test_reductions_of_special_values(name, data, dtype):
    ours = value_and_grad(REDUCTIONS[name][0], data, dtype)
    x = as_dtype(data, dtype)
    with np.errstate(all="ignore"):
        value, grad = REDUCTIONS[name][2]([float(v) for v in x])
    if name == "sum" and dtype == np.float32 and np.isfinite(value) and abs(value) > 3.4e38:
        value = math.copysign(math.inf, value)   # the float32 sum overflows where the float64 one does not
    if name != "sum" or not np.isfinite(value) or max(abs(float(v)) for v in x) < 1e30:
        assert_same(ours[0], dtype(value), dtype, f"{name} value")
    assert_same(ours[1], np.array(grad, dtype), dtype, f"{name} gradient")
    theirs = torch_value_and_grad(REDUCTIONS[name][1], data, dtype) if name != "sum" else None
    if theirs is not None:
        assert_same(ours[0], theirs[0], dtype, f"{name} value vs PyTorch")
        assert_same(ours[1], theirs[1], dtype, f"{name} gradient vs PyTorch")

@given(data=values(min_size=2), dtype=dtypes)
def test_max_along_a_dim_and_argmax_pick_the_first_nan_or_extreme(data, dtype):
    x = tp.tensor(as_dtype([data, data[::-1]], dtype), requires_grad=True)
    values_, indices = x.max(1)
    values_.sum().backward()
    for row, index, value in zip(x.numpy(), indices.numpy(), values_.numpy()):
        nans = np.flatnonzero(np.isnan(row))
        expected = nans[0] if nans.size else int(np.flatnonzero(row == row.max())[0])
        assert index == expected and (np.isnan(value) if nans.size else value == row.max())
    np.testing.assert_array_equal(x.argmax(1).numpy(), indices.numpy())
    onehot = np.zeros(x.shape)
    onehot[np.arange(2), indices.numpy()] = 1
    np.testing.assert_array_equal(x.grad.numpy(), onehot)
    torch = pytest.importorskip("torch")
    theirs = torch.tensor(x.numpy()).max(1)
    np.testing.assert_array_equal(indices.numpy(), theirs.indices.numpy())

@given(data=values(), dtype=dtypes)
@examples(30)
def test_mean_and_clamp_of_special_values_match_pytorch(data, dtype):
    """The mean is compared where every summation order gives one result: when the finite entries can overflow
    the dtype, [3e38, -inf, 3e38] in float32 say, the result depends on which pair is added first (PyTorch's
    vectorised sum adds 3e38 + 3e38 = inf, then meets -inf: NaN; numpy's order gives -inf)."""
    x = np.asarray(data, dtype)
    order_free = np.abs(x[np.isfinite(x)].astype(np.float64)).sum() <= np.finfo(dtype).max
    ops = [(lambda x: x.mean(), lambda x: x.mean())] if order_free else []
    for ours_op, torch_op in ops + [(lambda x: x.clamp(-1.0, 2.0), lambda x: x.clamp(-1.0, 2.0))]:
        ours = value_and_grad(ours_op, data, dtype)
        theirs = torch_value_and_grad(torch_op, data, dtype)
        assert_same(ours[0], theirs[0], dtype, "value")
        assert_same(ours[1], theirs[1], dtype, "gradient")

def test_sum_of_negative_zeros_is_positive_zero_as_in_pytorch():
    total = tp.tensor([-0.0, -0.0]).sum().item()
    assert total == 0 and math.copysign(1, total) == 1
