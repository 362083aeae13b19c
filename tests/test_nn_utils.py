"""torch.nn.utils: gradient clipping against a numpy reference, parameters as one vector and back, bad arguments,
and PyTorch as an oracle where it is installed."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_pool as tp
from tinygrad_pool import nn
from tinygrad_pool.gradcheck import gradcheck
from tinygrad_pool.nn import utils
from conftest import assert_bad_input, tolerance

NORMS = [2.0, 1.0, 3.5, math.inf, -math.inf, 0.0]
INF_TIMES_ZERO = "ignore:invalid value encountered in .*multiply:RuntimeWarning"   # numpy notes inf * 0

def vector_norm(x, p):
    """The vector p-norm of all of x's elements, as torch.linalg.vector_norm defines it."""
    x = np.abs(np.asarray(x, np.float64).ravel())
    if p == math.inf:
        return x.max()
    if p == -math.inf:
        return x.min()
    if p == 0:
        return float(np.count_nonzero(x))
    return (x ** p).sum() ** (1 / p)

def reference_clip(grads, max_norm, p):
    """(total norm, clipped gradients): the norm of the gradients' norms, and each scaled by
    min(max_norm / (total + 1e-6), 1)."""
    total = vector_norm([vector_norm(g, p) for g in grads], p)
    scale = min(max_norm / (total + 1e-6), 1.0)
    return total, [g * scale for g in grads]

def with_grads(grads, device):
    params = []
    for g in grads:
        p = nn.Parameter(tp.zeros(*g.shape, dtype=g.dtype, device=device))
        p.grad = tp.tensor(g, device=device)
        params.append(p)
    return params

@given(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 3)), min_size=1, max_size=4), st.sampled_from(NORMS),
       st.floats(0.01, 10.0), st.sampled_from([np.float32, np.float64]), st.integers(0, 2**16))
def test_clip_grad_norm_matches_the_reference(device, shapes, norm_type, max_norm, dtype, seed):
    rng = np.random.default_rng(seed)
    grads = [rng.standard_normal(s).astype(dtype) for s in shapes]
    params = with_grads(grads, device)
    total = utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
    expected_total, expected = reference_clip(grads, max_norm, norm_type)
    assert total.shape == () and total.dtype == dtype and total.device == device
    np.testing.assert_allclose(total.item(), expected_total, **tolerance(dtype))
    for p, g in zip(params, expected):
        assert p.grad.dtype == dtype
        np.testing.assert_allclose(p.grad.numpy(), g, **tolerance(dtype))

def test_small_gradients_are_left_alone_and_missing_ones_skipped(device):
    grads = [np.array([0.3, -0.4])]
    params = with_grads(grads, device) + [nn.Parameter(tp.ones(2, device=device))]
    assert utils.clip_grad_norm_(params, max_norm=1.0).item() == pytest.approx(0.5)
    np.testing.assert_allclose(params[0].grad.numpy(), [0.3, -0.4], rtol=1e-6)   # scaled by min(1 / 0.500001, 1)
    assert params[1].grad is None

def test_one_tensor_the_inf_norm_by_name_and_no_gradients():
    p = with_grads([np.array([3.0, -4.0])], "cpu")[0]
    assert utils.clip_grad_norm_(p, 1.0, norm_type="inf").item() == 4.0
    np.testing.assert_allclose(p.grad.numpy(), [3.0 / (4 + 1e-6), -4.0 / (4 + 1e-6)])
    nothing = utils.clip_grad_norm_([nn.Parameter(tp.ones(2))], 1.0)
    assert nothing.item() == 0.0 and nothing.dtype == np.float32
    with pytest.warns(UserWarning, match="empty generator"):
        utils.clip_grad_norm_((p for p in []), 1.0)

def test_get_total_norm_and_clip_grads_with_norm_make_clip_grad_norm_():
    grads = [np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([-5.0])]
    params = with_grads(grads, "cpu")
    total = utils.get_total_norm([p.grad for p in params], norm_type=2.0)
    assert total.item() == pytest.approx(math.sqrt(55))
    utils.clip_grads_with_norm_(params, 2.0, total)
    np.testing.assert_allclose(params[1].grad.numpy(), [-5.0 * 2.0 / (math.sqrt(55) + 1e-6)])
    with pytest.warns(FutureWarning, match="clip_grad_norm_"):
        utils.clip_grad_norm(with_grads(grads, "cpu"), 2.0)

@pytest.mark.filterwarnings(INF_TIMES_ZERO)
def test_non_finite_norms(device):
    params = with_grads([np.array([1.0, np.inf, 2.0])], device)
    with pytest.raises(RuntimeError, match="total norm of order 2.0 of the gradients is inf"):
        utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert params[0].grad.numpy()[1] == np.inf   # nothing was scaled
    assert utils.clip_grad_norm_(params, 1.0).item() == np.inf
    got = params[0].grad.numpy()   # scaled by 1 / inf: 0, and inf * 0 is NaN
    assert got[0] == 0.0 and np.isnan(got[1]) and got[2] == 0.0
    params = with_grads([np.array([1.0, np.nan])], device)
    assert math.isnan(utils.clip_grad_norm_(params, 1.0).item()) and np.isnan(params[0].grad.numpy()).all()

@given(st.lists(st.floats(-10, 10), min_size=1, max_size=8), st.floats(0.0, 5.0))
def test_clip_grad_value_clamps_each_gradient(device, values, clip_value):
    grad = np.array(values)
    params = with_grads([grad], device)
    assert utils.clip_grad_value_(params, clip_value) is None
    np.testing.assert_array_equal(params[0].grad.numpy(), np.clip(grad, -clip_value, clip_value))

def test_clip_grad_value_keeps_nan_and_signed_zeros(device):
    params = with_grads([np.array([np.nan, -0.0, -np.inf, np.inf])], device)
    utils.clip_grad_value_(params, 2)
    got = params[0].grad.numpy()
    assert np.isnan(got[0]) and got[1] == 0 and np.signbit(got[1]) and got[2:].tolist() == [-2.0, 2.0]

def test_parameters_to_vector_and_back(device):
    rng = np.random.default_rng(1)
    values = [rng.standard_normal(s) for s in [(2, 3), (4,), (1, 1, 2)]]
    params = [nn.Parameter(tp.tensor(v, device=device)) for v in values]
    vec = utils.parameters_to_vector(params)
    np.testing.assert_array_equal(vec.numpy(), np.concatenate([v.ravel() for v in values]))
    new = tp.tensor(np.arange(13.0), device=device)
    utils.vector_to_parameters(new, params)
    assert [tuple(p.shape) for p in params] == [(2, 3), (4,), (1, 1, 2)]
    np.testing.assert_array_equal(np.concatenate([p.numpy().ravel() for p in params]), np.arange(12.0))
    if device == "cpu":   # the parameters now view the vector's storage, as in PyTorch
        new.data.add_(1.0)
        assert params[2].numpy().ravel().tolist() == [11.0, 12.0]

def test_parameters_to_vector_is_differentiable():
    params = [tp.tensor(np.random.default_rng(2).standard_normal(s), requires_grad=True) for s in [(2, 2), (3,)]]
    assert gradcheck(lambda a, b: utils.parameters_to_vector([a, b]) ** 2, params)

BAD = {
    "parameters None": (lambda: utils.clip_grad_norm_(None, 1.0), TypeError,
                        "parameters must be a Tensor or an iterable of Tensors, got NoneType"),
    "a number among the parameters": (lambda: utils.clip_grad_norm_([tp.ones(1), 3], 1.0), TypeError,
                                      "parameters[1] must be a Tensor, got int"),
    "max_norm a string": (lambda: utils.clip_grad_norm_([tp.ones(1)], "big"), TypeError, "max_norm must be a number"),
    "norm_type a word": (lambda: utils.clip_grad_norm_([tp.ones(1)], 1.0, norm_type="max"), ValueError,
                         "norm_type='max' is not a number"),
    "error flag a string": (lambda: utils.get_total_norm([tp.ones(1)], error_if_nonfinite="yes"), TypeError,
                            "error_if_nonfinite must be True or False"),
    "foreach a string": (lambda: utils.clip_grad_value_([tp.ones(1)], 1.0, foreach="yes"), TypeError,
                         "foreach must be None, True or False"),
    "total_norm a float": (lambda: utils.clip_grads_with_norm_([tp.ones(1)], 1.0, 2.0), TypeError,
                           "total_norm must be a Tensor"),
    "clip_value None": (lambda: utils.clip_grad_value_([tp.ones(1)], None), TypeError, "clip_value must be a number"),
    "vec a list": (lambda: utils.vector_to_parameters([1.0], [tp.ones(1)]), TypeError, "vec must be a Tensor"),
    "vec too short": (lambda: utils.vector_to_parameters(tp.ones(3), [tp.ones(2, 2)]), ValueError,
                      "vec of shape (3,) must be 1-d with at least 4 elements"),
    "vec of two dims": (lambda: utils.vector_to_parameters(tp.ones(2, 2), [tp.ones(4)]), ValueError, "must be 1-d"),
    "a string among the parameters": (lambda: utils.parameters_to_vector([tp.ones(1), "w"]), TypeError,
                                      "parameters[1] must be a Tensor"),
}

@pytest.mark.parametrize("case", BAD)
def test_bad_arguments_name_the_value(case):
    assert_bad_input(case, BAD)

# --- PyTorch as the oracle --------------------------------------------------------------------------------------
@pytest.mark.parametrize("norm_type", NORMS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clip_grad_norm_matches_pytorch(norm_type, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    grads = [rng.standard_normal(s).astype(dtype) for s in [(3, 4), (5,), (2, 1, 2)]]
    theirs = [torch.nn.Parameter(torch.zeros(g.shape, dtype=getattr(torch, np.dtype(dtype).name))) for g in grads]
    for p, g in zip(theirs, grads):
        p.grad = torch.from_numpy(g.copy())
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.5, norm_type=norm_type)
    ours = with_grads(grads, "cpu")
    total = utils.clip_grad_norm_(ours, 1.5, norm_type=norm_type)
    np.testing.assert_allclose(total.item(), expected.item(), **tolerance(dtype))
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), **tolerance(dtype))

@pytest.mark.filterwarnings(INF_TIMES_ZERO)
def test_special_values_as_pytorch():
    torch = pytest.importorskip("torch")
    for values in ([1.0, np.inf, 2.0], [1.0, np.nan, -0.0], [-0.0, 0.0, 0.0]):
        theirs = torch.nn.Parameter(torch.zeros(3, dtype=torch.float64))
        theirs.grad = torch.tensor(values, dtype=torch.float64)
        ours = with_grads([np.array(values)], "cpu")
        total = utils.clip_grad_norm_(ours, 1.0)
        expected = torch.nn.utils.clip_grad_norm_([theirs], 1.0)
        np.testing.assert_array_equal(total.item(), expected.item())
        np.testing.assert_array_equal(ours[0].grad.numpy(), theirs.grad.numpy())
        assert (np.signbit(ours[0].grad.numpy()) == np.signbit(theirs.grad.numpy())).all()

def test_vectors_match_pytorch():
    torch = pytest.importorskip("torch")
    values = [np.arange(6.0).reshape(2, 3), np.array([7.0, 8.0])]
    expected = torch.nn.utils.parameters_to_vector([torch.from_numpy(v) for v in values]).numpy()
    np.testing.assert_array_equal(utils.parameters_to_vector([tp.tensor(v) for v in values]).numpy(), expected)
