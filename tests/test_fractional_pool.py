"""Fractional max pooling against the naive loops of pooling_reference.py: values, indices and gradients for
given samples, the default draw from the library's generator, bad arguments, CPU/CUDA agreement and PyTorch as
an extra oracle with the same samples."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F
from tinygrad_pool import Tensor, gradcheck
from tinygrad_pool.autograd import Function

import pooling_reference as ref
from conftest import CUDA, SIMULATED, assert_bad_input

FRACTIONAL = {2: F.fractional_max_pool2d, 3: F.fractional_max_pool3d}
SPECIAL = [-2.0, -1.0, -0.0, 0.0, 1.0, 2.0, math.nan, math.inf, -math.inf]
MAX_LEN = 5 if SIMULATED else 8

def fits(dims, L, k, O):
    """PyTorch's rule: out + kernel - 1 <= length (2-d), < length (3-d)."""
    return O + k - 1 <= L if dims == 2 else O + k - 1 < L

@st.composite
def configs(draw):
    """(input lengths, kernel, output size) per dim, for 2-d or 3-d pooling."""
    dims = draw(st.sampled_from([2, 3]))
    L = tuple(draw(st.integers(2 if dims == 3 else 1, MAX_LEN if dims == 2 else 5)) for _ in range(dims))
    k = tuple(draw(st.integers(1, Li - (dims == 3))) for Li in L)
    O = tuple(draw(st.integers(0 if draw(st.booleans()) else 1, Li - ki + (dims == 2))) for Li, ki in zip(L, k))
    assert all(fits(dims, *args) for args in zip(L, k, O))
    return L, k, O

def samples_for(draw, lead, dims, dtype):
    """Samples in [0, 1), with 0 and the largest value below 1 among them."""
    below_one = float(np.nextafter(dtype(1), dtype(0)))
    elements = st.sampled_from([0.0, below_one, 0.5]) | st.floats(0, 1, exclude_max=True, width=32)
    return draw(hnp.arrays(dtype, lead + (dims,), elements=elements))

def draw_case(draw, elements=None):
    L, k, O = draw(configs())
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    lead = draw(st.sampled_from([(1, 1), (2, 1), (1, 2)] if SIMULATED else [(1, 1), (2, 3), (1, 2)]))
    x = draw(hnp.arrays(dtype, lead + L, elements=st.sampled_from(SPECIAL) if elements is None else elements))
    return x, k, O, samples_for(draw, lead, len(L), dtype)

def pooled(x, k, samples, device, **size):
    values, indices = FRACTIONAL[x.ndim - 2](Tensor(x, device=device), k, return_indices=True,
                                             _random_samples=Tensor(samples, device=device), **size)
    return values.numpy(), indices.numpy()

# --- forward against the reference -----------------------------------------------------------------------------
@given(data=st.data())
def test_values_and_indices_for_given_samples(device, data):
    x, k, O, samples = draw_case(data.draw)
    values, indices = pooled(x, k, samples, device, output_size=O)
    expected_values, expected_indices = ref.fractional_max_pool(x, k, O, samples)
    np.testing.assert_array_equal(values, expected_values)
    np.testing.assert_array_equal(indices, expected_indices)

@given(data=st.data())
def test_output_ratio_gives_the_input_size_times_the_ratio_rounded_down(device, data):
    x, k, _, samples = draw_case(data.draw, st.floats(-3, 3, width=32))
    spatial, dims = x.shape[2:], x.ndim - 2
    ratio = tuple(data.draw(st.floats(0.05, 0.95)) for _ in range(dims))
    O = tuple(int(L * r) for L, r in zip(spatial, ratio))
    if not all(fits(dims, *args) for args in zip(spatial, k, O)):
        with pytest.raises(ValueError, match="does not fit the input"):
            pooled(x, k, samples, device, output_ratio=ratio)
        return
    values, indices = pooled(x, k, samples, device, output_ratio=ratio)
    expected_values, expected_indices = ref.fractional_max_pool(x, k, O, samples)
    np.testing.assert_array_equal(values, expected_values)
    np.testing.assert_array_equal(indices, expected_indices)

def test_windows_span_the_input_from_end_to_end():
    """Length 10 to 4 outputs with kernel 2: alpha = 8/3; u = 0 starts at 0, 2, 5, 8 and u = 0.5 at 0, 3, 5, 8."""
    x = Tensor(np.arange(10.0).reshape(1, 1, 1, 10))
    for u, starts in [(0.0, [0, 2, 5, 8]), (0.5, [0, 3, 5, 8])]:
        samples = Tensor(np.array([[[u, 0.0]]]))
        _, indices = F.fractional_max_pool2d(x, (1, 2), output_size=(1, 4), return_indices=True,
                                             _random_samples=samples)
        assert indices.numpy().ravel().tolist() == [s + 1 for s in starts]
        assert ref.fractional_starts(np.float64(u), 10, 4, 2) == starts

def test_special_values_as_max_pooling_treats_them(device):
    nan, inf = math.nan, math.inf
    x = Tensor([[[nan, 1.0, nan, 2.0, -inf, -inf, 3.0, 3.0]]], device=device)
    samples = Tensor(np.zeros((1, 1, 2)), dtype=tp.float32, device=device)
    values, indices = F.fractional_max_pool2d(x[None], (1, 2), output_size=(1, 4), return_indices=True,
                                              _random_samples=samples)
    assert np.isnan(values.numpy().ravel()[:2]).all() and values.numpy().ravel()[2:].tolist() == [-inf, 3.0]
    assert indices.numpy().ravel().tolist() == [0, 2, 4, 6]   # NaN's own; -inf keeps the first tap; first tie

# --- the default samples ---------------------------------------------------------------------------------------
def test_default_samples_come_from_the_library_generator(device):
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3, 9, 9)), device=device)
    draws = []
    for seed in (5, 5, 6):
        tp.manual_seed(seed)
        draws.append(F.fractional_max_pool2d(x, 2, output_size=4, return_indices=True)[1].numpy())
    assert np.array_equal(draws[0], draws[1]) and not np.array_equal(draws[0], draws[2])

def test_default_samples_give_windows_from_end_to_end():
    """Whatever the samples, the first window starts at 0 and the last one ends at the input's end."""
    x = np.random.default_rng(1).permutation(4 * 11 * 13).reshape(2, 2, 11, 13).astype(np.float32)
    values, indices = F.fractional_max_pool2d(Tensor(x), (2, 3), output_size=(5, 6), return_indices=True)
    flat = indices.numpy().reshape(4, -1)
    np.testing.assert_array_equal(values.numpy().reshape(4, -1), np.take_along_axis(x.reshape(4, -1), flat, 1))
    rows, columns = np.divmod(indices.numpy().reshape(4, 5, 6), 13)
    assert rows[:, 0].max() < 2 and rows[:, -1].min() >= 9 and columns[:, :, 0].max() < 3
    assert columns[:, :, -1].min() >= 10

def test_unbatched_input_pools_like_a_batch_of_one(device):
    x = np.random.default_rng(2).standard_normal((3, 6, 7, 5))
    samples = np.random.default_rng(3).random((1, 3, 3))
    outputs, grads = [], []
    for array in (x, x[None]):
        leaf = Tensor(array, requires_grad=True, device=device)
        values, indices = F.fractional_max_pool3d(leaf, 2, output_size=(3, 4, 2), return_indices=True,
                                                  _random_samples=Tensor(samples, device=device))
        values.backward(Tensor(np.arange(values.numel(), dtype=np.float64).reshape(values.shape), device=device))
        outputs.append((values.numpy(), indices.numpy()))
        grads.append(leaf.grad.numpy())
    for ours, batched in zip(outputs[0], outputs[1]):
        np.testing.assert_array_equal(ours, batched[0])
    np.testing.assert_array_equal(grads[0], grads[1][0])

@pytest.mark.parametrize("dims", [2, 3])
def test_empty_batch_and_empty_output(device, dims):
    fn = FRACTIONAL[dims]
    for shape, size, out in [((0, 2) + (5,) * dims, 2, (0, 2) + (2,) * dims),
                             ((1, 2) + (5,) * dims, 0, (1, 2) + (0,) * dims)]:
        x = Tensor(np.ones(shape), requires_grad=True, device=device)
        values = fn(x, 2, output_size=size)
        values.backward(Tensor(np.ones(values.shape), device=device))
        assert values.shape == out and x.grad.shape == shape and not x.grad.numpy().any()

# --- gradients -------------------------------------------------------------------------------------------------
def distinct(shape, device, seed=0):
    """float64 values without ties, so that max pooling is differentiable everywhere."""
    values = np.random.default_rng(seed).permutation(math.prod(shape)).reshape(shape) * 0.1
    return Tensor(values, dtype=tp.float64, requires_grad=True, device=device)

GRAD_CASES = [
    ("2d overlapping", 2, (2, 2, 7, 6), dict(kernel_size=3, output_size=(4, 3))),
    ("2d ratio", 2, (1, 3, 8, 8), dict(kernel_size=2, output_ratio=0.5)),
    ("3d", 3, (1, 2, 5, 6, 4), dict(kernel_size=(2, 3, 2), output_size=(3, 2, 2))),
]

@pytest.mark.parametrize("name,dims,shape,kwargs", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradients_match_finite_differences(device, name, dims, shape, kwargs):
    """The samples are fixed: fresh ones at each evaluation would move the windows."""
    samples = Tensor(np.random.default_rng(4).random(shape[:2] + (dims,)), device=device)
    assert gradcheck(lambda x: FRACTIONAL[dims](x, _random_samples=samples, **kwargs), [distinct(shape, device)])

@given(data=st.data())
def test_backward_against_the_reference(device, data):
    x, k, O, samples = draw_case(data.draw, st.sampled_from([0.0, 1.0, 2.0]))
    leaf = Tensor(x.astype(np.float64), requires_grad=True, device=device)
    out = FRACTIONAL[x.ndim - 2](leaf, k, output_size=O, _random_samples=Tensor(samples.astype(np.float64),
                                                                                  device=device))
    grad = np.random.default_rng(0).integers(-3, 4, out.shape).astype(np.float64)
    out.backward(Tensor(grad, device=device))
    _, indices = ref.fractional_max_pool(x.astype(np.float64), k, O, samples.astype(np.float64))
    np.testing.assert_array_equal(leaf.grad.numpy(), ref.max_pool_backward(grad, indices, x.shape))

# --- bad inputs: all found before any kernel runs --------------------------------------------------------------
def _call(dims, shape=None, **overrides):
    """make -> fractional_max_pool{dims}d of make(shape) with valid arguments, `overrides` replacing some."""
    def call(make):
        x = make(shape or (1, 2) + (6,) * dims)
        kwargs = {**dict(kernel_size=2, output_size=3), **overrides}
        if kwargs.get("output_ratio") is not None and "output_size" not in overrides:
            kwargs["output_size"] = None
        samples = kwargs.pop("samples", None)
        if samples is not None:
            kwargs["_random_samples"] = samples(make)
        return FRACTIONAL[dims](x, **kwargs)
    return call

def _samples(shape, dtype=np.float32, value=0.5, **kwargs):
    """make -> samples of `shape` filled with `value`, on the device of the test's inputs."""
    return lambda make: Tensor(np.full(shape, value, dtype), device=make((1,)).device, **kwargs)

def _bad_inputs():
    table = {}
    for dims in (2, 3):
        name = f"fractional_max_pool{dims}d"
        rows = {
            "list": (lambda make, fn=FRACTIONAL[dims]: fn([[1.0]], 2, 1), TypeError, f"{name}: input must be a Tensor"),
            "int64": (_call(dims, shape="int"), TypeError, "float32 or float64, got int64"),
            "rank": (_call(dims, shape=(1, 1, 2) + (6,) * dims), ValueError, f"expected a {dims + 1}-d"),
            "no channels": (_call(dims, shape=(1, 0) + (6,) * dims), ValueError, "dims must be non-empty"),
            "kernel 0": (_call(dims, kernel_size=0), ValueError, f"kernel_size must be positive, got {(0,) * dims}"),
            "kernel float": (_call(dims, kernel_size=2.0), TypeError, "kernel_size must be an int or a tuple"),
            "kernel one entry": (_call(dims, kernel_size=(2,)), ValueError, f"kernel_size=(2,) needs {dims} entries"),
            "kernel huge": (_call(dims, kernel_size=2 ** 64), ValueError, "beyond the int64 range"),
            "neither size": (_call(dims, output_size=None), ValueError, "give exactly one of output_size"),
            "both sizes": (_call(dims, output_size=3, output_ratio=0.5), ValueError, "give exactly one of output_size"),
            "size negative": (_call(dims, output_size=-1), ValueError, "output_size must be non-negative, got -1"),
            "size float": (_call(dims, output_size=2.5), TypeError, "output_size must be an int or a tuple"),
            "size entries": (_call(dims, output_size=(3,) * (dims + 1)), ValueError, f"needs {dims} entries"),
            "size too large": (_call(dims, output_size=6), ValueError,
                               f"output size {(6,) * dims} with kernel_size {(2,) * dims} does not fit"),
            "ratio 1": (_call(dims, output_ratio=1.0), ValueError, "output_ratio must lie strictly between 0 and 1"),
            "ratio 0": (_call(dims, output_ratio=(0.5,) * (dims - 1) + (0,)), ValueError, "strictly between 0"),
            "ratio nan": (_call(dims, output_ratio=math.nan), ValueError, "strictly between 0 and 1, got nan"),
            "ratio str": (_call(dims, output_ratio="0.5"), TypeError, "output_ratio must be a number or a tuple"),
            "ratio entries": (_call(dims, output_ratio=(0.5,)), ValueError, f"output_ratio=(0.5,) needs {dims}"),
            "return_indices": (_call(dims, return_indices=1), TypeError, "return_indices must be True or False"),
            "samples list": (_call(dims, samples=lambda make: [[[0.5] * dims] * 2]), TypeError,
                             "_random_samples must be a Tensor or None, got list"),
            "samples rank": (_call(dims, samples=_samples((2, dims))), ValueError,
                             f"_random_samples must have shape (N, C, {dims}) = (1, 2, {dims}), got (2, {dims})"),
            "samples batch": (_call(dims, shape=(3, 2) + (6,) * dims, samples=_samples((2, 2, dims))), ValueError,
                              f"= (3, 2, {dims}), got (2, 2, {dims})"),
            "samples channels": (_call(dims, samples=_samples((1, 3, dims))), ValueError, "got (1, 3"),
            "samples dims": (_call(dims, samples=_samples((1, 2, dims + 1))), ValueError, "_random_samples must have"),
            "samples dtype": (_call(dims, samples=_samples((1, 2, dims), np.float64)), TypeError,
                              "_random_samples must have the input's dtype float32, got float64"),
            "samples grad": (_call(dims, samples=_samples((1, 2, dims), requires_grad=True)), ValueError,
                             "_random_samples must not require grad"),
            "samples 1": (_call(dims, samples=_samples((1, 2, dims), value=1.0)), ValueError,
                          "_random_samples must lie in [0, 1), got 1.0"),
            "samples negative": (_call(dims, samples=_samples((1, 2, dims), value=-0.25)), ValueError,
                                 "must lie in [0, 1), got -0.25"),
            "samples nan": (_call(dims, samples=_samples((1, 2, dims), value=math.nan)), ValueError,
                            "must lie in [0, 1), got nan"),
        }
        if dims == 3:
            rows["3d window equal to the input"] = (_call(3, kernel_size=6, output_size=1), ValueError,
                                                    "must be less than the input length")
        module = getattr(tp.nn, f"FractionalMaxPool{dims}d")
        rows.update({
            "module neither": (lambda make, m=module: m(2), ValueError,
                               f"FractionalMaxPool{dims}d: give exactly one of output_size and output_ratio"),
            "module both": (lambda make, m=module: m(2, 3, 0.5), ValueError, "give exactly one"),
            "module ratio": (lambda make, m=module: m(2, output_ratio=1.5), ValueError, "strictly between 0 and 1"),
            "module kernel": (lambda make, m=module: m(-1, 3), ValueError, "kernel_size must be positive"),
            "module flag": (lambda make, m=module: m(2, 3, return_indices="yes"), TypeError, "return_indices"),
        })
        table.update({f"{name}-{case}": row for case, row in rows.items()})
    return table

BAD_INPUTS = _bad_inputs()

@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_inputs_raise_clear_errors_before_any_kernel(device, monkeypatch, case):
    def make(shape, dtype=np.float32):
        if shape == "int":
            shape, dtype = (1, 2) + (6,) * int(case.split("-")[0][-2]), np.int64
        return Tensor(np.ones(shape, dtype), device=device)

    def no_kernel(cls, *args, **kwargs):
        raise AssertionError(f"{cls.__name__} ran before the bad argument was found")
    call, error, phrase = BAD_INPUTS[case]
    monkeypatch.setattr(Function, "apply", classmethod(no_kernel))
    assert_bad_input(case, {case: (lambda: call(make), error, phrase)})

# --- modules ---------------------------------------------------------------------------------------------------
def test_modules_match_the_functions_and_print_like_pytorch():
    x = Tensor(np.random.default_rng(5).standard_normal((2, 3, 7, 8, 6)))
    samples = Tensor(np.random.default_rng(6).random((2, 3, 3)))
    pool = tp.nn.FractionalMaxPool3d(2, output_ratio=(0.5, 0.6, 0.5), return_indices=True, _random_samples=samples)
    values, indices = pool(x)
    expected = F.fractional_max_pool3d(x, 2, output_ratio=(0.5, 0.6, 0.5), return_indices=True,
                                       _random_samples=samples)
    np.testing.assert_array_equal(values.numpy(), expected[0].numpy())
    np.testing.assert_array_equal(indices.numpy(), expected[1].numpy())
    assert list(pool.state_dict()) == ["_random_samples"]
    plain = tp.nn.FractionalMaxPool2d(3, output_size=(4, 3))
    assert plain.state_dict() == {} and plain(x[0]).shape == (3, 7, 4, 3)
    assert repr(plain) == "FractionalMaxPool2d()" and repr(pool) == "FractionalMaxPool3d()"

# --- devices ---------------------------------------------------------------------------------------------------
@pytest.mark.cuda
@pytest.mark.skipif(not CUDA, reason="no CUDA")
@given(data=st.data())
def test_cuda_agrees_with_cpu(data):
    x, k, O, samples = draw_case(data.draw, st.floats(-3, 3, width=32))
    results = {}
    for device in ("cpu", "cuda"):
        leaf = Tensor(x, requires_grad=True, device=device)
        values, indices = FRACTIONAL[x.ndim - 2](leaf, k, output_size=O, return_indices=True,
                                                 _random_samples=Tensor(samples, device=device))
        values.backward(Tensor(np.ones(values.shape, x.dtype), device=device))
        results[device] = values.numpy(), indices.numpy(), leaf.grad.numpy()
    for ours, theirs in zip(results["cuda"], results["cpu"]):
        np.testing.assert_array_equal(ours, theirs)

# --- PyTorch as an extra oracle --------------------------------------------------------------------------------
@given(data=st.data())
def test_pytorch_agrees_bit_for_bit(data):
    torch = pytest.importorskip("torch")
    x, k, O, samples = draw_case(data.draw, st.sampled_from([-1.0, 0.0, 1.0, 2.0]) | st.floats(-3, 3, width=32))
    dims = x.ndim - 2
    leaf = Tensor(x, requires_grad=True)
    values, indices = FRACTIONAL[dims](leaf, k, output_size=O, return_indices=True, _random_samples=Tensor(samples))
    t_leaf = torch.from_numpy(x).requires_grad_()
    t_values, t_indices = getattr(torch.nn.functional, f"fractional_max_pool{dims}d")(
        t_leaf, k, output_size=O, return_indices=True, _random_samples=torch.from_numpy(samples))
    np.testing.assert_array_equal(values.numpy(), t_values.detach().numpy())
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())
    grad = np.random.default_rng(7).standard_normal(values.shape).astype(x.dtype)
    values.backward(Tensor(grad))
    t_values.backward(torch.from_numpy(grad))
    np.testing.assert_allclose(leaf.grad.numpy(), t_leaf.grad.numpy(), rtol=1e-6, atol=1e-6)

@pytest.mark.parametrize("dims", [2, 3])
def test_pytorch_agrees_on_long_dims(dims):
    """Long dims, where float32 rounding of (i + u) * alpha decides starts, and samples just below 1."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    for dtype in (np.float32, np.float64):
        shape = (1, 3) + ((3, 2, 997) if dims == 3 else (2, 1999))
        x = rng.standard_normal(shape).astype(dtype)
        samples = rng.random((1, 3, dims)).astype(dtype)
        samples[0, 0] = np.nextafter(dtype(1), dtype(0))
        kernel, size = ((1, 1, 2), (2, 1, 613)) if dims == 3 else ((1, 3), (1, 1201))
        ours = FRACTIONAL[dims](Tensor(x), kernel, output_size=size, return_indices=True,
                                _random_samples=Tensor(samples))[1]
        theirs = getattr(torch.nn.functional, f"fractional_max_pool{dims}d")(
            torch.from_numpy(x), kernel, output_size=size, return_indices=True,
            _random_samples=torch.from_numpy(samples))[1]
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())

def test_pytorch_rejects_integer_inputs_too():
    torch = pytest.importorskip("torch")
    x = np.ones((1, 1, 4, 4), np.int64)
    with pytest.raises((NotImplementedError, RuntimeError)):
        torch.nn.functional.fractional_max_pool2d(torch.from_numpy(x), 2, output_size=2,
                                                  _random_samples=torch.full((1, 1, 2), 0.5).long())
    with pytest.raises(TypeError, match="float32 or float64, got int64"):
        F.fractional_max_pool2d(Tensor(x), 2, output_size=2)
