"""F.pad in every mode, with cropping (negative) widths, and the padding modules: against a numpy reference and
PyTorch, with gradients on both devices, and the argument checks."""
import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

import tinygrad_pool as tp
import tinygrad_pool.nn as nn
import tinygrad_pool.nn.functional as F
from tinygrad_pool import Tensor, gradcheck
from conftest import assert_bad_input, examples

NUMPY_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}

def reference_pad(x, pad, mode, value):
    """Crop the negative widths, then np.pad the rest (numpy's names for the modes)."""
    dims = len(pad) // 2
    pairs = [(pad[2 * i], pad[2 * i + 1]) for i in range(dims)][::-1]
    first = x.ndim - dims
    key = [slice(None)] * first + [slice(max(-a, 0), x.shape[first + i] - max(-b, 0)) for i, (a, b) in
                                   enumerate(pairs)]
    x = x[tuple(key)]
    widths = [(0, 0)] * first + [(max(a, 0), max(b, 0)) for a, b in pairs]
    if mode == "constant":
        return np.pad(x, widths, constant_values=value)
    return np.pad(x, widths, mode=NUMPY_MODES[mode])

@st.composite
def padding_cases(draw):
    mode = draw(st.sampled_from(list(NUMPY_MODES)))
    dims = draw(st.integers(1, 3))
    batched = draw(st.booleans())
    spatial = draw(st.lists(st.integers(2, 4), min_size=dims, max_size=dims))
    shape = ((2,) if batched else ()) + (2,) + tuple(spatial)
    pad = []
    for length in reversed(spatial):
        left, right = draw(st.integers(-1, length)), draw(st.integers(-1, length))
        kept = length + min(left, 0) + min(right, 0)   # what remains after cropping, and is copied from
        limit = kept - 1 if mode == "reflect" else kept if mode == "circular" else length
        assume(kept >= 1 and max(left, right) <= limit)
        pad += [left, right]
    return mode, shape, tuple(pad), draw(st.sampled_from([None, 2.5]))

@given(case=padding_cases())
@examples(80)
def test_pad_matches_the_reference(case):
    mode, shape, pad, value = case
    value = value if mode == "constant" else None
    x = np.random.default_rng(len(shape)).normal(size=shape)
    expected = reference_pad(x, pad, mode, 0.0 if value is None else value)
    np.testing.assert_array_equal(F.pad(Tensor(x), pad, mode, value).numpy(), expected)

def reference_pad_gradient(shape, pad, mode, g):
    """Pad the flat positions of the input the same way (-1 in constant padding): each output element names the
    input element it copies, and the gradient adds it there."""
    positions = reference_pad(np.arange(int(np.prod(shape))).reshape(shape), pad, mode, -1)
    kept = positions >= 0
    return np.bincount(positions[kept], weights=g[kept], minlength=int(np.prod(shape))).reshape(shape)

@given(case=padding_cases(), dtype=st.sampled_from([np.float32, np.float64, np.int32, np.uint8]))
def test_pad_and_its_gradient_match_the_reference_on_every_device(device, case, dtype):
    mode, shape, pad, _ = case
    x = (np.random.default_rng(len(shape)).normal(size=shape) * 50).astype(dtype)
    np.testing.assert_array_equal(F.pad(Tensor(x, device=device), pad, mode).numpy(), reference_pad(x, pad, mode, 0))
    if dtype == np.float64:
        a = Tensor(x, device=device, requires_grad=True)
        out = F.pad(a, pad, mode)
        g = np.random.default_rng(3).normal(size=out.shape)
        out.backward(Tensor(g, device=device))
        np.testing.assert_allclose(a.grad.numpy(), reference_pad_gradient(shape, pad, mode, g), rtol=1e-12,
                                   atol=1e-12)

@pytest.mark.parametrize("mode", list(NUMPY_MODES))
def test_pad_matches_pytorch_with_gradients(mode, device):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).normal(size=(2, 3, 4, 5))
    pad = (2, -1, 1, 3) if mode != "reflect" else (2, -1, 1, 2)
    a = Tensor(x, device=device, requires_grad=True)
    out = F.pad(a, pad, mode)
    weight = np.random.default_rng(2).normal(size=out.shape)
    (out * Tensor(weight, device=device)).sum().backward()
    t = torch.tensor(x, requires_grad=True)
    expected = torch.nn.functional.pad(t, pad, mode)
    (expected * torch.tensor(weight)).sum().backward()
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy())
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    assert gradcheck(lambda y: F.pad(y, (1, 1), mode), [Tensor(x[0, 0], requires_grad=True)])

def test_padding_modules_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).normal(size=(1, 2, 3, 4, 4)).astype(np.float32)
    for name, args in (("ZeroPad2d", (1,)), ("ConstantPad3d", ((1, 0, 2, 1, 0, 1), 3.5)), ("ReflectionPad1d", (2,)),
                       ("ReplicationPad2d", ((1, 2, 0, 1),)), ("CircularPad3d", (1,)), ("ZeroPad1d", ((2, -1),)),
                       ("ReflectionPad3d", (1,)), ("ReplicationPad1d", (3,)), ("CircularPad1d", ((1, 2),))):
        ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
        source = x if name.endswith("3d") else x[0] if name.endswith("2d") else x[0, 0]
        np.testing.assert_array_equal(ours(Tensor(source)).numpy(), theirs(torch.tensor(source)).numpy(), err_msg=name)
    assert repr(nn.ZeroPad2d(1)) == "ZeroPad2d((1, 1, 1, 1))"
    assert repr(nn.ConstantPad1d(2, 0.5)) == "ConstantPad1d(padding=(2, 2), value=0.5)"

BAD = {
    "pad in mode 'wrap'": (lambda: F.pad(tp.ones(1, 2, 3), (1, 1), "wrap"), ValueError, "mode='wrap'"),
    "reflect with a value": (lambda: F.pad(tp.ones(1, 2, 3), (1, 1), "reflect", 2.0), ValueError,
                             "takes no value"),
    "reflect of a 1-d input": (lambda: F.pad(tp.ones(4), (1, 1), "reflect"), ValueError, "need a 2-d or 3-d input"),
    "reflect as wide as the input": (lambda: F.pad(tp.ones(1, 1, 4), (4, 0), "reflect"), ValueError,
                                     "must be smaller than the input length 4"),
    "circular wider than the input": (lambda: F.pad(tp.ones(1, 1, 4), (5, 0), "circular"), ValueError,
                                      "must not exceed the input length 4"),
    "a crop beyond the input": (lambda: F.pad(tp.ones(1, 3), (-2, -2)), ValueError, "crops more than the 3"),
    "ReflectionPad2d of 3 sides": (lambda: nn.ReflectionPad2d((1, 1, 1)), TypeError, "a tuple of 4 ints"),
    "ZeroPad2d of a float": (lambda: nn.ZeroPad2d(1.5), TypeError, "an int or a tuple of 4 ints"),
    "ConstantPad1d without a value": (lambda: nn.ConstantPad1d(2), TypeError, "takes (padding, value)"),
}

@pytest.mark.parametrize("case", BAD)
def test_bad_arguments_are_named(case):
    assert_bad_input(case, BAD)
