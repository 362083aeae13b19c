"""The pointwise activations (leaky_relu ... logsigmoid), prelu and their modules: values against plain-python
references, gradients against float64 finite differences, special values and every parameter against PyTorch,
CPU against CUDA, and their argument checks."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_pool as tp
import tinygrad_pool.nn as nn
import tinygrad_pool.nn.functional as F
from tinygrad_pool import Tensor, gradcheck
from conftest import SIMULATED, assert_bad_input, examples

def _exp(v):
    try:
        return math.exp(v)
    except OverflowError:
        return math.inf

def _softplus(v):
    return v if v > 30 else math.log1p(_exp(v))

def _gelu(v):
    return 0.5 * v * (1 + math.erf(v / math.sqrt(2)))

def _gelu_tanh(v):
    return 0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3)))

SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805

# name: (our call, torch's call, reference on one python float); each call takes the input tensor.
ACTIVATIONS = {
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), lambda t, x: t.nn.functional.leaky_relu(x, 0.2),
                   lambda v: v if v > 0 else 0.2 * v),
    "elu": (lambda x: F.elu(x, 1.5), lambda t, x: t.nn.functional.elu(x, 1.5),
            lambda v: v if v > 0 else 1.5 * (_exp(v) - 1)),
    "celu": (lambda x: F.celu(x, 0.5), lambda t, x: t.nn.functional.celu(x, 0.5),
             lambda v: max(0.0, v) + min(0.0, 0.5 * (_exp(v / 0.5) - 1))),
    "selu": (F.selu, lambda t, x: t.nn.functional.selu(x),
             lambda v: SELU_SCALE * (v if v > 0 else SELU_ALPHA * (_exp(v) - 1))),
    "gelu": (F.gelu, lambda t, x: t.nn.functional.gelu(x), _gelu),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"),
                  lambda t, x: t.nn.functional.gelu(x, approximate="tanh"), _gelu_tanh),
    "silu": (F.silu, lambda t, x: t.nn.functional.silu(x), lambda v: v / (1 + _exp(-v))),
    "mish": (F.mish, lambda t, x: t.nn.functional.mish(x), lambda v: v * math.tanh(_softplus(v))),
    "softplus": (lambda x: F.softplus(x, beta=2.0, threshold=5.0),
                 lambda t, x: t.nn.functional.softplus(x, beta=2.0, threshold=5.0),
                 lambda v: v if 2 * v > 5 else _softplus(2 * v) / 2),
    "hardtanh": (lambda x: F.hardtanh(x, -0.5, 2.0), lambda t, x: t.nn.functional.hardtanh(x, -0.5, 2.0),
                 lambda v: min(max(v, -0.5), 2.0)),
    "relu6": (F.relu6, lambda t, x: t.nn.functional.relu6(x), lambda v: min(max(v, 0.0), 6.0)),
    "hardswish": (F.hardswish, lambda t, x: t.nn.functional.hardswish(x),
                  lambda v: v * min(max(v + 3, 0.0), 6.0) / 6),
    "hardsigmoid": (F.hardsigmoid, lambda t, x: t.nn.functional.hardsigmoid(x),
                    lambda v: min(max(v + 3, 0.0), 6.0) / 6),
    "softsign": (F.softsign, lambda t, x: t.nn.functional.softsign(x), lambda v: v / (1 + abs(v))),
    "logsigmoid": (F.logsigmoid, lambda t, x: t.nn.functional.logsigmoid(x),
                   lambda v: -_softplus(-v)),
    "prelu": (lambda x: F.prelu(x, tp.tensor([0.3], dtype=x.dtype, device=x.device)),
              lambda t, x: t.nn.functional.prelu(x, t.tensor([0.3], dtype=x.dtype)),
              lambda v: v if v > 0 else 0.3 * v),
    "threshold": (lambda x: F.threshold(x, 0.6, -2.5), lambda t, x: t.nn.functional.threshold(x, 0.6, -2.5),
                  lambda v: -2.5 if v <= 0.6 else v),
    "hardshrink": (lambda x: F.hardshrink(x, 0.5), lambda t, x: t.nn.functional.hardshrink(x, 0.5),
                   lambda v: 0.0 if -0.5 <= v <= 0.5 else v),
    "softshrink": (lambda x: F.softshrink(x, 0.5), lambda t, x: t.nn.functional.softshrink(x, 0.5),
                   lambda v: v - 0.5 if v > 0.5 else (v + 0.5 if v < -0.5 else 0.0)),
    "tanhshrink": (F.tanhshrink, lambda t, x: t.nn.functional.tanhshrink(x), lambda v: v - math.tanh(v)),
    "rrelu_eval": (lambda x: F.rrelu(x, 0.1, 0.3), lambda t, x: t.nn.functional.rrelu(x, 0.1, 0.3),
                   lambda v: v if v > 0 else 0.2 * v),
}

# PyTorch's gradient at NaN follows the scalar formula in its scalar loop, but not in its vector loop, so there it
# depends on the tensor's length; ours is the scalar formula's (test_the_gradient_at_nan_is_the_scalar_formulas).
NAN_GRADIENT_VARIES_IN_PYTORCH = {"elu": 1.0, "celu": 1.0, "selu": SELU_SCALE, "hardswish": 1.0, "hardtanh": 1.0,
                                  "relu6": 1.0, "hardshrink": 1.0, "softshrink": 1.0}

SPECIAL = [math.inf, -math.inf, math.nan, -0.0, 0.0, 3e38, -3e38, 1e-45, -3.0, 3.0, 6.0, -0.5, 2.0, 2.5]
values = st.lists(st.one_of(st.sampled_from(SPECIAL), st.floats(-30, 30, allow_nan=False)), min_size=1, max_size=8)

def _assert_same(ours, theirs, rtol, atol, what):
    ours, theirs = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs), err_msg=f"{what}: NaN positions")
    finite = np.isfinite(ours) & np.isfinite(theirs)
    np.testing.assert_array_equal(ours[~finite & ~np.isnan(ours)], theirs[~finite & ~np.isnan(ours)],
                                  err_msg=f"{what}: infinities")
    np.testing.assert_allclose(ours[finite], theirs[finite], rtol=rtol, atol=atol, err_msg=what)

@pytest.mark.parametrize("name", ACTIVATIONS)
@given(data=st.lists(st.floats(-30, 30, allow_nan=False), min_size=1, max_size=8))
def test_values_match_the_reference(name, data):
    ours, _, reference = ACTIVATIONS[name]
    x = np.array(data)
    out = ours(Tensor(x)).numpy()
    np.testing.assert_allclose(out, [reference(float(v)) for v in x], rtol=1e-12, atol=1e-14)

@pytest.mark.parametrize("name", ACTIVATIONS)
def test_gradients_match_finite_differences(name):
    ours = ACTIVATIONS[name][0]
    # away from the kinks (0, +-3, the clamp ends), where the derivative is defined
    x = np.array([-4.7, -2.2, -0.8, -0.3, 0.4, 0.9, 1.7, 2.6, 4.1, 7.3])
    assert gradcheck(ours, [Tensor(x, requires_grad=True)])

def test_prelu_gradient_reaches_its_weight():
    x = Tensor(np.array([[-1.3, 0.7], [2.1, -0.4]]).reshape(2, 2, 1), requires_grad=True)
    w = Tensor(np.array([0.2, 0.35]), requires_grad=True)
    assert gradcheck(lambda a, b: F.prelu(a, b), [x, w])

@pytest.mark.parametrize("name", ACTIVATIONS)
@given(data=values, dtype=st.sampled_from([np.float32, np.float64]))
@examples(25)
def test_special_values_and_gradients_match_pytorch(name, data, dtype):
    torch = pytest.importorskip("torch")
    ours, theirs, _ = ACTIVATIONS[name]
    with np.errstate(over="ignore"):
        x = np.array(data, dtype)
    a = Tensor(x, requires_grad=True)
    out = ours(a)
    out.backward(tp.ones(*out.shape, dtype=out.dtype))
    t = torch.tensor(x, requires_grad=True)
    expected = theirs(torch, t)
    expected.backward(torch.ones_like(expected))
    rtol, atol = (2e-5, 1e-6) if dtype == np.float32 else (1e-10, 1e-12)
    if name == "hardsigmoid":
        rtol = 1e-7   # PyTorch's float64 gradient is its float32 constant 1/6
    # Deliberate departures (docs/semantics.md): our formulas run in float64, so huge finite float32 inputs do not
    # overflow inside them, and gelu(+inf) is +inf where PyTorch gives NaN.
    kept = ~((np.abs(x) > 1e30) & np.isfinite(x)) if dtype == np.float32 else np.ones(x.shape, bool)
    if name.startswith("gelu"):
        kept &= ~np.isposinf(x)
    _assert_same(out.numpy()[kept], expected.detach().numpy()[kept], rtol, atol, f"{name} value")
    if name in NAN_GRADIENT_VARIES_IN_PYTORCH:
        kept &= ~np.isnan(x)
    _assert_same(a.grad.numpy()[kept], t.grad.numpy()[kept], rtol, atol, f"{name} gradient")

@pytest.mark.parametrize("name", ACTIVATIONS)
def test_cpu_and_cuda_agree(name, device):
    if device == "cpu":
        pytest.skip("compares the CUDA result with the CPU one")
    ours = ACTIVATIONS[name][0]
    x = np.array([-7.0, -3.0, -1.2, -0.0, 0.3, 2.0, 3.0, 6.5, np.nan, np.inf, -np.inf], np.float32)
    results = []
    for where in ("cpu", device):
        a = Tensor(x, device=where, requires_grad=True)
        out = ours(a)
        out.backward(tp.ones(*out.shape, device=where))
        results.append((out.numpy(), a.grad.numpy()))
    for cpu, gpu in zip(*results):
        _assert_same(gpu, cpu, 1e-6, 1e-7, name)

@pytest.mark.parametrize("name", NAN_GRADIENT_VARIES_IN_PYTORCH)
def test_the_gradient_at_nan_is_the_scalar_formulas(name):
    x = Tensor(np.full(40, np.nan), requires_grad=True)
    out = ACTIVATIONS[name][0](x)
    out.sum().backward()
    assert np.isnan(out.numpy()).all()
    np.testing.assert_allclose(x.grad.numpy(), NAN_GRADIENT_VARIES_IN_PYTORCH[name])

def test_huge_float32_inputs_do_not_overflow_inside_the_formulas():
    x = tp.tensor([3e38, -3e38], requires_grad=True)
    for function, expected in ((F.gelu, [3e38, -0.0]), (F.hardswish, [3e38, -0.0]), (F.silu, [3e38, -0.0])):
        np.testing.assert_allclose(function(x).numpy(), np.float32(expected), rtol=1e-6)
    assert F.gelu(tp.tensor([np.inf])).item() == np.inf
    F.gelu(x, approximate="tanh").sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0])

def test_modules_take_pytorchs_arguments():
    x = tp.randn(2, 3, 4, 4)
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)" and repr(nn.GELU()) == "GELU(approximate='none')"
    assert repr(nn.Softplus(beta=2)) == "Softplus(beta=2, threshold=20.0)"
    for module, function in ((nn.ELU(alpha=0.5), lambda t: F.elu(t, 0.5)), (nn.Hardtanh(-2, 2), lambda t:
                             F.hardtanh(t, -2, 2)), (nn.SiLU(), F.silu), (nn.Mish(), F.mish), (nn.ReLU6(), F.relu6),
                             (nn.Hardswish(), F.hardswish), (nn.LogSigmoid(), F.logsigmoid), (nn.Tanh(), F.tanh)):
        np.testing.assert_array_equal(module(x).numpy(), function(x).numpy())
    prelu = nn.PReLU(3)
    assert [name for name, _ in prelu.named_parameters()] == ["weight"] and prelu.weight.tolist() == [0.25] * 3
    out = nn.Softmax2d()(x)
    np.testing.assert_allclose(out.sum(1).numpy(), np.ones((2, 4, 4)), rtol=1e-6)
    np.testing.assert_array_equal(nn.Softmax()(tp.ones(2, 3)).numpy(), F.softmax(tp.ones(2, 3), 1).numpy())

def test_inplace_computes_out_of_place():
    x = tp.tensor([-1.0, 2.0])
    out = F.leaky_relu(x, 0.1, inplace=True)
    assert out.tolist() == pytest.approx([-0.1, 2.0]) and x.tolist() == [-1.0, 2.0]

BAD = {
    "leaky_relu of a list": (lambda: F.leaky_relu([1.0]), TypeError, "leaky_relu: input must be a Tensor"),
    "leaky_relu with a string slope": (lambda: F.leaky_relu(tp.ones(2), "a"), TypeError,
                                       "negative_slope must be a number"),
    "elu of int64": (lambda: F.elu(tp.tensor([1, 2])), TypeError, "elu: input must be float32 or float64"),
    "celu with alpha 0": (lambda: F.celu(tp.ones(2), 0.0), ValueError, "alpha must not be 0"),
    "gelu approximate 'fast'": (lambda: F.gelu(tp.ones(2), approximate="fast"), ValueError,
                                "approximate='fast'"),
    "softplus with beta 0": (lambda: F.softplus(tp.ones(2), beta=0), ValueError, "beta must not be 0"),
    "hardtanh with min above max": (lambda: F.hardtanh(tp.ones(2), 2.0, 1.0), ValueError,
                                    "min_val=2.0 must not be greater than max_val=1.0"),
    "silu with inplace a string": (lambda: F.silu(tp.ones(2), inplace="y"), TypeError,
                                   "inplace must be True or False"),
    "prelu with 2 weights for 3 channels": (lambda: F.prelu(tp.ones(2, 3), tp.ones(2)), ValueError,
                                            "1 or 3 (channels) entries"),
    "prelu with a float64 weight": (lambda: F.prelu(tp.ones(2, 3), tp.ones(1, dtype=tp.float64)), TypeError,
                                    "share one float dtype"),
    "LeakyReLU with a string slope": (lambda: nn.LeakyReLU("a"), TypeError, "negative_slope must be a number"),
    "ReLU with inplace 1": (lambda: nn.ReLU(1), TypeError, "inplace must be True or False"),
    "ELU with an unknown argument": (lambda: nn.ELU(beta=1.0), TypeError, "unexpected argument 'beta'"),
    "GELU with approximate 'fast'": (lambda: nn.GELU("fast")(tp.ones(2)), ValueError, "approximate='fast'"),
    "PReLU with 0 parameters": (lambda: nn.PReLU(0), ValueError, "num_parameters=0 must be at least 1"),
    "Softmax2d of a 2-d input": (lambda: nn.Softmax2d()(tp.ones(2, 3)), ValueError, "3-d (C, H, W)"),
    "threshold with a string threshold": (lambda: F.threshold(tp.ones(2), "a", 1.0), TypeError,
                                          "threshold must be a number, got 'a'"),
    "threshold_ with a None value": (lambda: F.threshold_(tp.ones(2), 0.5, None), TypeError,
                                     "value must be a number, got None"),
    "softshrink with lambd -1": (lambda: F.softshrink(tp.ones(2), -1.0), ValueError, "lambd=-1.0 must be at least 0"),
    "hardshrink of int64": (lambda: F.hardshrink(tp.tensor([1, 2])), TypeError, "float32 or float64, got int64"),
    "glu of an odd dim": (lambda: F.glu(tp.ones(2, 3), 1), ValueError, "dim 1 of input (2, 3) has size 3"),
    "glu of a 0-d input": (lambda: F.glu(tp.tensor(1.0)), ValueError, "0-d input has no dim to split"),
    "glu with dim 2 of a 2-d input": (lambda: F.glu(tp.ones(2, 4), 2), IndexError, "dim=2 is out of range"),
    "rrelu with lower above upper": (lambda: F.rrelu(tp.ones(3), 0.5, 0.2, True), ValueError,
                                     "lower=0.5 must not be greater than upper=0.2"),
    "rrelu with training 1": (lambda: F.rrelu(tp.ones(3), training=1), TypeError, "training must be True or False"),
    "softmin of int64": (lambda: F.softmin(tp.tensor([1, 2]), 0), TypeError, "floating-point tensor"),
    "relu_ of a leaf that requires grad": (lambda: F.relu_(tp.ones(2, requires_grad=True)), RuntimeError,
                                           "leaf tensor that requires grad"),
    "elu_ of a list": (lambda: F.elu_([1.0]), TypeError, "elu_: self must be a Tensor"),
    "alpha_dropout with p 1.5": (lambda: F.alpha_dropout(tp.ones(2), 1.5, True), ValueError,
                                 "p=1.5 must lie in [0, 1]"),
    "feature_alpha_dropout of a 1-d input": (lambda: F.feature_alpha_dropout(tp.ones(4), 0.5, True), ValueError,
                                             "channel dim"),
    "Threshold without a value": (lambda: nn.Threshold(0.1), TypeError, "value"),
    "Hardshrink with a string lambd": (lambda: nn.Hardshrink("a"), TypeError, "lambd must be a number"),
    "GLU with a float dim": (lambda: nn.GLU(1.0), TypeError, "dim must be an int"),
    "RReLU with inplace 'no'": (lambda: nn.RReLU(inplace="no"), TypeError, "inplace must be True or False"),
    "AlphaDropout with p -0.5": (lambda: nn.AlphaDropout(-0.5), ValueError, "p=-0.5 must lie in [0, 1]"),
}

@pytest.mark.parametrize("case", BAD)
def test_bad_arguments_are_named(case):
    assert_bad_input(case, BAD)

@pytest.mark.skipif(SIMULATED, reason="shapes for the CPU only")
def test_a_large_input_runs_in_parallel_and_matches_a_small_one():
    x = tp.randn(64, 1000)
    np.testing.assert_allclose(F.gelu(x).numpy()[:2], F.gelu(x[:2]).numpy(), rtol=0, atol=0)

# --- rrelu in training, glu, softmin, the in-place forms, alpha dropout, the new modules ------------------------
@given(data=st.lists(st.floats(-30, 30, allow_nan=False), min_size=1, max_size=12), seed=st.integers(0, 2**31))
def test_rrelu_draws_one_slope_per_element_from_the_library_generator(data, seed):
    x = np.array(data)
    tp.manual_seed(seed)
    a = Tensor(x, requires_grad=True)
    out = F.rrelu(a, 0.1, 0.4, training=True)
    out.sum().backward()
    tp.manual_seed(seed)
    slopes = tp.seeding.generator().uniform(0.1, 0.4, x.shape)
    expected = [v * s if v <= 0 else v for v, s in zip(x, slopes)]
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(a.grad.numpy(), [s if v <= 0 else 1.0 for v, s in zip(x, slopes)], rtol=1e-12)
    assert np.all((slopes >= 0.1) & (slopes <= 0.4))

def test_rrelu_gradient_with_fixed_slopes_matches_finite_differences():
    x = Tensor(np.array([-2.3, -0.7, 0.4, 1.9]), requires_grad=True)
    seeded = lambda a: (tp.manual_seed(11), F.rrelu(a, 0.2, 0.3, training=True))[1]   # noqa: E731
    assert gradcheck(seeded, [x])

def test_rrelu_module_draws_in_training_only():
    module = nn.RReLU(0.1, 0.3)
    x = tp.tensor([-1.0, -2.0, 3.0])
    np.testing.assert_allclose(module.eval()(x).numpy(), [-0.2, -0.4, 3.0], rtol=1e-6)
    slopes = module.train()(x).numpy()[:2] / x.numpy()[:2]
    assert np.all((slopes >= 0.1) & (slopes <= 0.3))

def _glu_reference(x, dim):
    x = np.moveaxis(x, dim, -1)
    half = x.shape[-1] // 2
    out = np.empty(x.shape[:-1] + (half,))
    for index in np.ndindex(*out.shape):
        a, b = x[index[:-1] + (index[-1],)], x[index[:-1] + (index[-1] + half,)]
        out[index] = a / (1 + math.exp(-b))
    return np.moveaxis(out, -1, dim)

@given(shape=st.sampled_from([(4,), (2, 6), (3, 2, 4)]), seed=st.integers(0, 2**31))
def test_glu_and_softmin_match_plain_loops(shape, seed):
    x = np.random.default_rng(seed).normal(size=shape) * 3
    dim = len(shape) - 1
    np.testing.assert_allclose(F.glu(Tensor(x), dim).numpy(), _glu_reference(x, dim), rtol=1e-12)
    flat = x.reshape(-1, shape[-1])
    expected = np.array([[math.exp(-v) / sum(math.exp(-w) for w in row) for v in row] for row in flat])
    np.testing.assert_allclose(F.softmin(Tensor(x), dim).numpy(), expected.reshape(shape), rtol=1e-12)

def test_glu_and_softmin_pass_gradcheck_and_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).normal(size=(3, 4))
    assert gradcheck(lambda a: F.glu(a, 1), [Tensor(x, requires_grad=True)])
    assert gradcheck(lambda a: F.glu(a, 0), [Tensor(x[:2], requires_grad=True)])
    assert gradcheck(lambda a: F.softmin(a, 1), [Tensor(x, requires_grad=True)])
    np.testing.assert_allclose(F.glu(Tensor(x)).numpy(), torch.nn.functional.glu(torch.tensor(x)).numpy())
    np.testing.assert_allclose(F.softmin(Tensor(x), 0).numpy(), torch.nn.functional.softmin(torch.tensor(x), 0))
    out = F.softmin(tp.tensor(x.astype(np.float32)), 1, dtype=tp.float64)
    assert out.dtype == np.float64

INPLACE = {   # name: (our in-place call, the out-of-place function it writes back, torch's in-place call)
    "relu_": (F.relu_, F.relu, lambda t, x: t.nn.functional.relu_(x)),
    "elu_": (lambda x: F.elu_(x, 0.5), lambda x: F.elu(x, 0.5), lambda t, x: t.nn.functional.elu_(x, 0.5)),
    "leaky_relu_": (lambda x: F.leaky_relu_(x, 0.2), lambda x: F.leaky_relu(x, 0.2),
                    lambda t, x: t.nn.functional.leaky_relu_(x, 0.2)),
    "hardtanh_": (lambda x: F.hardtanh_(x, -0.5, 0.5), lambda x: F.hardtanh(x, -0.5, 0.5),
                  lambda t, x: t.nn.functional.hardtanh_(x, -0.5, 0.5)),
    "selu_": (F.selu_, F.selu, lambda t, x: t.nn.functional.selu_(x)),
    "celu_": (lambda x: F.celu_(x, 2.0), lambda x: F.celu(x, 2.0), lambda t, x: t.nn.functional.celu_(x, 2.0)),
    "rrelu_": (lambda x: F.rrelu_(x, 0.1, 0.3), lambda x: F.rrelu(x, 0.1, 0.3),
               lambda t, x: t.nn.functional.rrelu_(x, 0.1, 0.3)),
    "threshold_": (lambda x: F.threshold_(x, 0.1, 9.0), lambda x: F.threshold(x, 0.1, 9.0),
                   lambda t, x: t.nn.functional.threshold_(x, 0.1, 9.0)),
}

@pytest.mark.parametrize("name", INPLACE)
def test_inplace_forms_write_into_their_input(name, device):
    ours, out_of_place, _ = INPLACE[name]
    x = np.array([-2.0, -0.3, 0.0, 0.7, 3.0], np.float32)
    a = Tensor(x, device=device)
    view = a[1:]
    assert ours(a) is a
    np.testing.assert_allclose(a.numpy(), out_of_place(Tensor(x, device=device)).numpy(), rtol=1e-6)
    if device == "cpu":   # a CPU view shares the storage (docs/semantics.md)
        np.testing.assert_array_equal(view.numpy(), a.numpy()[1:])

@pytest.mark.parametrize("name", INPLACE)
def test_inplace_forms_keep_the_tape_and_match_pytorch(name):
    torch = pytest.importorskip("torch")
    ours, _, theirs = INPLACE[name]
    x = np.array([-2.0, -0.3, 0.2, 0.7, 3.0])
    assert gradcheck(lambda a: ours(a * 1.0), [Tensor(x, requires_grad=True)])
    a = Tensor(x, requires_grad=True)
    out = ours(a * 2.0)
    out.backward(tp.ones(5, dtype=tp.float64))
    t = torch.tensor(x, requires_grad=True)
    expected = theirs(torch, t * 2.0)
    expected.backward(torch.ones(5, dtype=torch.float64))
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-12)

def test_threshold_of_integers_keeps_their_dtype():
    out = F.threshold(tp.tensor([1, 2, 3]), 1, 0.7)
    assert out.dtype == np.int64 and out.tolist() == [0, 2, 3]

SATURATION = 1.7580993408473766   # -selu(-inf)

def _alpha_reference(x, keep, p):
    """Each element by the formula of self-normalising dropout, one at a time."""
    a = ((1 - p) * (1 + p * SATURATION ** 2)) ** -0.5
    out = np.empty(x.shape)
    for index, v in np.ndenumerate(x):
        out[index] = a * (v if keep[index] else -SATURATION) + a * SATURATION * p
    return out

@given(seed=st.integers(0, 2**31), p=st.sampled_from([0.1, 0.5, 0.8]), feature=st.booleans())
@examples(20)
def test_alpha_dropout_matches_the_formula_with_the_generators_mask(seed, p, feature):
    x = np.random.default_rng(seed).normal(size=(3, 4, 5))
    tp.manual_seed(seed)
    function = F.feature_alpha_dropout if feature else F.alpha_dropout
    out = function(Tensor(x), p, training=True).numpy()
    tp.manual_seed(seed)
    keep = tp.seeding.generator().random((3, 4, 1) if feature else x.shape) >= p
    np.testing.assert_allclose(out, _alpha_reference(x, np.broadcast_to(keep, x.shape), p), rtol=1e-12)

def test_alpha_dropout_keeps_mean_and_variance_and_its_values_match_pytorch():
    torch = pytest.importorskip("torch")
    tp.manual_seed(0)
    x = tp.randn(200000, dtype=tp.float64)
    out = F.alpha_dropout(x, 0.3, training=True).numpy()
    assert abs(out.mean()) < 0.01 and abs(out.std() - 1) < 0.01
    ours = np.unique(F.alpha_dropout(tp.ones(1000, dtype=tp.float64), 0.3, training=True).numpy())
    theirs = np.unique(torch.nn.functional.alpha_dropout(torch.ones(1000, dtype=torch.float64), 0.3, True).numpy())
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    x = tp.ones(2, 3, 4)
    assert F.alpha_dropout(x, 0.5) is x and F.feature_alpha_dropout(x, 0.5) is x   # off unless training=True
    assert F.alpha_dropout(x, 1.0, training=True).tolist() == (x * 0).tolist()
    channels = F.feature_alpha_dropout(x, 0.5, training=True).numpy()
    assert np.all(channels == channels[:, :, :1])

def test_alpha_dropout_gradient_is_the_scale_of_the_kept_elements():
    x = Tensor(np.random.default_rng(2).normal(size=(4, 5)), requires_grad=True)
    assert gradcheck(lambda a: (tp.manual_seed(5), F.alpha_dropout(a, 0.4, training=True))[1], [x])

def test_new_modules_match_their_functions_and_pytorchs_reprs():
    x = tp.randn(2, 4, 3)
    reprs = {nn.Threshold(0.1, 20.0): "Threshold(threshold=0.1, value=20.0)",
             nn.Threshold(0.1, 20, True): "Threshold(threshold=0.1, value=20, inplace=True)",
             nn.Softmin(): "Softmin(dim=None)", nn.Softmin(1): "Softmin(dim=1)", nn.GLU(): "GLU(dim=-1)",
             nn.Hardshrink(): "Hardshrink(0.5)", nn.Softshrink(0.3): "Softshrink(0.3)", nn.Tanhshrink(): "Tanhshrink()",
             nn.RReLU(): "RReLU(lower=0.125, upper=0.3333333333333333)",
             nn.RReLU(0.1, 0.3, True): "RReLU(lower=0.1, upper=0.3, inplace=True)",
             nn.AlphaDropout(): "AlphaDropout(p=0.5, inplace=False)",
             nn.FeatureAlphaDropout(0.2): "FeatureAlphaDropout(p=0.2, inplace=False)"}
    for module, text in reprs.items():
        assert repr(module) == text
    for module, function in ((nn.Threshold(0.1, 2.0), lambda t: F.threshold(t, 0.1, 2.0)),
                             (nn.Softmin(1), lambda t: F.softmin(t, 1)), (nn.GLU(1), lambda t: F.glu(t, 1)),
                             (nn.Hardshrink(0.2), lambda t: F.hardshrink(t, 0.2)),
                             (nn.Softshrink(0.2), lambda t: F.softshrink(t, 0.2)), (nn.Tanhshrink(), F.tanhshrink),
                             (nn.RReLU().eval(), F.rrelu)):
        np.testing.assert_array_equal(module(x).numpy(), function(x).numpy())
    dropout = nn.AlphaDropout(0.5)
    assert dropout.eval()(x) is x
    tp.manual_seed(1)
    trained = dropout.train()(x).numpy()
    tp.manual_seed(1)
    np.testing.assert_array_equal(trained, F.alpha_dropout(x, 0.5, training=True).numpy())
