"""Transposed convolution against a naive scatter loop, the identity with the convolution's input gradient,
finite-difference gradients, errors, special values, the modules (output_size, initialisation, repr), CUDA
agreement and PyTorch as an extra oracle."""
import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F
from tinygrad_pool import Tensor, gradcheck
from conftest import CUDA, SIMULATED, assert_bad_input, examples

def naive_conv_transpose(x, w, b, stride, padding, output_padding, dilation, groups):
    """Plain loops from the definition: every input element, times every tap of its kernel, is added into the
    output at position i * stride - padding + j * dilation (per dim), where that lies inside the output."""
    n, c_in = x.shape[:2]
    spatial, kernel = x.shape[2:], w.shape[2:]
    out_spatial = [(L - 1) * s - 2 * p + d * (k - 1) + q + 1
                   for L, k, s, p, q, d in zip(spatial, kernel, stride, padding, output_padding, dilation)]
    per_group_in, per_group_out = c_in // groups, w.shape[1]
    out = np.zeros((n, per_group_out * groups, *out_spatial))
    for i, ic in itertools.product(range(n), range(c_in)):
        g = ic // per_group_in
        for pos in itertools.product(*(range(L) for L in spatial)):
            for oc, taps in itertools.product(range(per_group_out), itertools.product(*(range(k) for k in kernel))):
                target = [a * s - p + j * d for a, s, p, j, d in zip(pos, stride, padding, taps, dilation)]
                if all(0 <= t < L for t, L in zip(target, out_spatial)):
                    out[(i, g * per_group_out + oc) + tuple(target)] += x[(i, ic) + pos] * w[(ic, oc) + taps]
    if b is not None:
        out += b.reshape((1, -1) + (1,) * len(spatial))
    return out

@st.composite
def transpose_case(draw):
    dims = draw(st.integers(1, 3))
    groups = draw(st.sampled_from([1, 2]))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    spatial = tuple(draw(st.integers(1, 4 if dims < 3 else 2)) for _ in range(dims))
    padding = []
    for L, k, s, d, q in zip(spatial, kernel, stride, dilation, output_padding):
        full = (L - 1) * s + d * (k - 1) + q + 1   # the output length without padding; padding takes 2 per unit
        padding.append(draw(st.integers(0, min(3, (full - 1) // 2))))
    batch = draw(st.sampled_from([None, 0, 1, 2]))
    return dims, groups, c_in, c_out, kernel, stride, tuple(padding), output_padding, dilation, spatial, batch

@examples(80, cudasim=6)
@given(case=transpose_case(), data=st.data())
def test_conv_transpose_matches_the_naive_loops(device, case, data):
    dims, groups, c_in, c_out, kernel, stride, padding, output_padding, dilation, spatial, batch = case
    rng = np.random.default_rng(data.draw(st.integers(0, 100)))
    x = rng.standard_normal(((1 if batch is None else batch), c_in) + spatial)
    w = rng.standard_normal((c_in, c_out // groups) + kernel)
    b = rng.standard_normal(c_out) if data.draw(st.booleans()) else None
    conv_transpose = getattr(F, f"conv_transpose{dims}d")
    t = lambda a: None if a is None else Tensor(a, dtype=tp.float64, device=device)  # noqa: E731
    ours = conv_transpose(t(x[0] if batch is None else x), t(w), t(b), stride, padding, output_padding, groups,
                          dilation).numpy()
    expected = naive_conv_transpose(x, w, b, stride, padding, output_padding, dilation, groups)
    np.testing.assert_allclose(ours, expected[0] if batch is None else expected, rtol=1e-10, atol=1e-10)

@examples(40, cudasim=4)
@given(case=transpose_case(), data=st.data())
def test_conv_transpose_is_the_input_gradient_of_the_convolution(device, case, data):
    """conv_transpose(g, w) = d<conv(x, w), g>/dx for the convolution with the same stride, padding, dilation and
    groups whose input has conv_transpose's output shape; and the weight gradients of the two agree in the same
    way, with input and grad_out swapping roles."""
    dims, groups, c_in, c_out, kernel, stride, padding, output_padding, dilation, spatial, batch = case
    assume(all(q < s for q, s in zip(output_padding, stride)))   # else the convolution's output is longer than g
    rng = np.random.default_rng(data.draw(st.integers(0, 100)))
    g = rng.standard_normal((2, c_in) + spatial)
    w = rng.standard_normal((c_in, c_out // groups) + kernel)
    conv, conv_transpose = getattr(F, f"conv{dims}d"), getattr(F, f"conv_transpose{dims}d")
    wt = Tensor(w, dtype=tp.float64, requires_grad=True, device=device)
    transposed = conv_transpose(Tensor(g, device=device), wt, None, stride, padding, output_padding, groups,
                                dilation)
    x = Tensor(rng.standard_normal(transposed.shape), requires_grad=True, device=device)
    out = conv(x, Tensor(w, device=device), None, stride, padding, dilation, groups)
    assert out.shape == g.shape
    out.backward(Tensor(g, device=device))
    np.testing.assert_allclose(transposed.numpy(), x.grad.numpy(), rtol=1e-10, atol=1e-10)
    # <conv_transpose(g, w), x> = <g, conv(x, w)>, so their gradients in w are the same too
    (transposed * x.detach()).sum().backward()
    wc = Tensor(w, requires_grad=True, device=device)
    (conv(x.detach(), wc, None, stride, padding, dilation, groups) * Tensor(g, device=device)).sum().backward()
    np.testing.assert_allclose(wt.grad.numpy(), wc.grad.numpy(), rtol=1e-10, atol=1e-10)

GRAD_CASES = [
    ("1d", lambda x, w, b: F.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1, dilation=2),
     (2, 2, 4), (2, 3, 3), (3,)),
    ("2d_groups", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=(2, 1), padding=(0, 1), groups=2),
     (1, 4, 3, 3), (4, 1, 2, 3), (2,)),
    ("2d_dcgan", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1), (2, 3, 3, 3), (3, 2, 4, 4), (2,)),
    ("2d_unreached", lambda x, w, b: F.conv_transpose2d(x, w, b, output_padding=(2, 0), dilation=(3, 1)),
     (1, 2, 3, 2), (2, 2, 2, 2), (2,)),
    ("3d", lambda x, w, b: F.conv_transpose3d(x, w, b, stride=(1, 2, 1), padding=(1, 0, 0)), (1, 2, 3, 2, 2),
     (2, 2, 2, 2, 2), (2,)),
    ("unbatched", lambda x, w, b: F.conv_transpose2d(x[0], w, b, padding=1), (1, 2, 3, 3), (2, 2, 3, 3), (2,)),
]

@pytest.mark.parametrize("name,fn,xs,ws,bs", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_conv_transpose_gradients_match_finite_differences(device, name, fn, xs, ws, bs):
    if SIMULATED and device == "cuda" and name != "1d":
        pytest.skip("the simulator runs one gradient check; a real GPU runs them all")
    rng = np.random.default_rng(0)
    inputs = [Tensor(rng.standard_normal(s), dtype=tp.float64, requires_grad=True, device=device) for s in (xs, ws, bs)]
    assert gradcheck(fn, inputs)

def test_each_gradient_alone_is_the_same_as_with_the_others():
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((3, 2, 4, 4)), rng.standard_normal(2)
    grads = {}
    for wanted in ("x", "w", "b", "xwb"):
        leaves = [Tensor(a, requires_grad=name in wanted) for a, name in ((x, "x"), (w, "w"), (b, "b"))]
        out = F.conv_transpose2d(*leaves, stride=2, padding=1)
        out.backward(Tensor(np.arange(math.prod(out.shape), dtype=np.float64).reshape(out.shape) % 7))
        grads[wanted] = [leaf.grad for leaf in leaves]
    for i, name in enumerate("xwb"):
        assert all(grads[other][i] is None for other in "xwb" if other != name)
        np.testing.assert_array_equal(grads[name][i].numpy(), grads["xwb"][i].numpy())

def test_outputs_that_no_tap_reaches_hold_the_bias():
    """output_padding beyond the padding (possible where the dilation exceeds the stride) adds outputs that no
    input element reaches: they are the bias, and their gradient reaches only the bias."""
    x = Tensor(np.ones((1, 1, 2)), requires_grad=True)
    w = Tensor(np.ones((1, 1, 2)), requires_grad=True)
    b = Tensor(np.array([0.5]), requires_grad=True)
    out = F.conv_transpose1d(x, w, b, output_padding=2, dilation=3)
    assert out.numpy().tolist() == [[[1.5, 1.5, 0.5, 1.5, 1.5, 0.5, 0.5]]]
    out.backward(Tensor(np.array([[[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]]])))
    assert x.grad.numpy().tolist() == [[[9.0, 18.0]]] and w.grad.numpy().tolist() == [[[3.0, 24.0]]]
    assert b.grad.numpy().tolist() == [127.0]
    x, w = Tensor(np.ones((1, 1, 1)), requires_grad=True), Tensor(np.ones((1, 1, 1)), requires_grad=True)
    alone = F.conv_transpose1d(x, w, b, padding=1, output_padding=2, dilation=3)
    assert alone.numpy().tolist() == [[[0.5]]]   # the one output lies before the only tap
    alone.backward(Tensor(np.ones((1, 1, 1))))
    assert x.grad.numpy().tolist() == [[[0.0]]] and w.grad.numpy().tolist() == [[[0.0]]]

@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")   # the CUDA simulator's inf - inf
@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
def test_special_values_follow_the_definition(device, value):
    """An inf or NaN in the input reaches exactly the outputs it is scattered to, an inf or NaN weight exactly the
    outputs its tap reaches; the other outputs stay finite, and -0.0 * w terms add as the definition says."""
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 2, 3, 4)), rng.standard_normal((2, 3, 4, 4))
    x[1, 0, 2, 1], w[1, 2, 0, 3] = value, value
    t = lambda a: Tensor(a, device=device)  # noqa: E731
    with np.errstate(invalid="ignore"):
        expected = naive_conv_transpose(x, w, None, (2, 2), (1, 1), (0, 0), (1, 1), 1)
        ours = F.conv_transpose2d(t(x), t(w), stride=2, padding=1).numpy()
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(expected))
    np.testing.assert_array_equal(np.isposinf(ours), np.isposinf(expected))
    finite = np.isfinite(expected)
    assert finite.any() and not finite.all()
    np.testing.assert_array_equal(ours[~finite], expected[~finite])
    np.testing.assert_allclose(ours[finite], expected[finite], rtol=1e-10, atol=1e-10)

def test_an_output_no_tap_reaches_is_plus_zero():
    out = F.conv_transpose1d(Tensor(np.full((1, 1, 1), -0.0)), Tensor(np.ones((1, 1, 1))), output_padding=1,
                             stride=2)
    assert out.shape == (1, 1, 2) and out.numpy()[0, 0, 1] == 0 and not np.signbit(out.numpy()[0, 0, 1])

def _bad_inputs():
    x = Tensor(np.ones((2, 4, 5, 5), np.float32))
    w = Tensor(np.ones((4, 3, 3, 3), np.float32))
    f32 = lambda *shape: Tensor(np.ones(shape, np.float32))  # noqa: E731
    ct = F.conv_transpose2d
    return {
        "input not a Tensor": (lambda: ct(np.ones((2, 4, 5, 5)), w), TypeError, "input must be a Tensor, got ndarray"),
        "int input": (lambda: ct(x.long(), w), TypeError, "input must be float32 or float64, got int64"),
        "dtype mix": (lambda: ct(x.double(), w), TypeError, "input float64, weight float32 must share one dtype"),
        "rank": (lambda: ct(x[0, 0], w), ValueError, "expected a 3-d (C, *spatial) or 4-d (N, C, *spatial) input"),
        "weight rank": (lambda: ct(x, w[0]), ValueError, "weight must be 4-d (C_in, C_out/groups, *kernel)"),
        "channels": (lambda: ct(x, f32(3, 3, 3, 3)), ValueError, "(2, 4, 5, 5) has 4 channels but weight (3, 3, 3, 3)"),
        "groups divide": (lambda: ct(x, w, groups=3), ValueError, "groups=3 must divide the weight's input channels 4"),
        "groups zero": (lambda: ct(x, w, groups=0), ValueError, "groups must be a positive int, got 0"),
        "groups bool": (lambda: ct(x, w, groups=True), TypeError, "groups must be an int, got True (bool)"),
        "no output channels": (lambda: ct(x, f32(4, 0, 3, 3)), ValueError, "weight (4, 0, 3, 3) has no input or no "
                               "output channels"),
        "no input channels": (lambda: ct(f32(2, 0, 5, 5), f32(0, 3, 3, 3)), ValueError, "weight (0, 3, 3, 3) has no"),
        "bias shape": (lambda: ct(x, w, f32(4)), ValueError, "bias must have shape (3,)"),
        "bias shape groups": (lambda: ct(x, w, f32(3), groups=2), ValueError, "bias must have shape (6,) (= 3 x "
                              "groups 2)"),
        "stride zero": (lambda: ct(x, w, stride=0), ValueError, "stride and dilation must be positive, got stride "
                        "(0, 0)"),
        "dilation zero": (lambda: ct(x, w, dilation=(1, 0)), ValueError, "dilation (1, 0)"),
        "negative padding": (lambda: ct(x, w, padding=-1), ValueError, "padding and output_padding must be "
                             "non-negative, got padding (-1, -1)"),
        "negative output_padding": (lambda: ct(x, w, output_padding=(0, -1)), ValueError, "output_padding (0, -1)"),
        "output_padding vs stride": (lambda: ct(x, w, stride=2, output_padding=2), ValueError,
                                     "output_padding=(2, 2) must be smaller than the stride (2, 2) or the dilation"),
        "output_padding stride 1": (lambda: ct(x, w, output_padding=(0, 1)), ValueError,
                                    "output_padding=(0, 1) must be smaller"),
        "padding string": (lambda: ct(x, w, padding="same"), TypeError, "padding must be an int or a tuple of 2 "
                           "ints, got 'same'"),
        "stride float": (lambda: ct(x, w, stride=1.0), TypeError, "stride must be an int or a tuple of 2 ints"),
        "stride length": (lambda: ct(x, w, stride=(1, 1, 1)), ValueError, "stride=(1, 1, 1) needs 2 entries"),
        "kernel zero": (lambda: ct(x, f32(4, 3, 0, 3)), ValueError, "kernel size must be positive, got weight "
                        "(4, 3, 0, 3)"),
        "empty spatial": (lambda: ct(f32(2, 4, 0, 5), w), ValueError, "input (2, 4, 0, 5) has an empty spatial dim"),
        "output too small": (lambda: ct(x, w, padding=4), ValueError, "gives the output size (-1, -1); every size "
                             "must be at least 1"),
    }

BAD_INPUTS = _bad_inputs()

@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_inputs_raise_clear_errors(case):
    assert_bad_input(case, BAD_INPUTS)

def _bad_modules():
    x = Tensor(np.ones((1, 4, 12, 12), np.float32))
    layer = tp.nn.ConvTranspose2d(4, 6, 3, stride=2)
    return {
        "padding_mode": (lambda: tp.nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect"), ValueError,
                         "padding_mode='reflect': only 'zeros' is supported"),
        "groups": (lambda: tp.nn.ConvTranspose2d(4, 6, 3, groups=4), ValueError, "groups=4 must divide "
                   "in_channels=4 and out_channels=6"),
        "padding string": (lambda: tp.nn.ConvTranspose2d(4, 6, 3, padding="same"), TypeError,
                           "padding must be an int or a tuple of 2 ints, got 'same'"),
        "negative padding": (lambda: tp.nn.ConvTranspose1d(4, 6, 3, padding=-1), ValueError,
                             "padding must be non-negative, got (-1,)"),
        "kernel": (lambda: tp.nn.ConvTranspose3d(4, 6, 0), ValueError, "kernel_size must be positive"),
        "output_size too large": (lambda: layer(x, output_size=(27, 25)), ValueError,
                                  "output_size (27, 25) is out of reach: for an input of spatial size (12, 12) the "
                                  "sizes range from (25, 25) to (26, 26)"),
        "output_size too small": (lambda: layer(x, output_size=[24, 25]), ValueError, "out of reach"),
        "output_size entries": (lambda: layer(x, output_size=(25,)), ValueError,
                                "for a 4-d input, output_size must have 2 or 4 entries, got (25,)"),
        "output_size unbatched": (lambda: layer(x[0], output_size=(1, 6, 25, 25)), ValueError,
                                  "for a 3-d input, output_size must have 2 or 3 entries"),
        "output_size int": (lambda: layer(x, output_size=25), TypeError, "output_size must be a tuple or list of "
                            "ints, got 25 (int)"),
        "output_size float": (lambda: layer(x, output_size=(25.0, 25)), TypeError, "output_size must be a tuple"),
        "output_size input": (lambda: layer([1.0], output_size=(25, 25)), TypeError, "input must be a Tensor"),
        "stride 1 output_padding": (lambda: tp.nn.ConvTranspose2d(4, 6, 3, output_padding=1)(x), ValueError,
                                    "output_padding=(1, 1) must be smaller than the stride (1, 1)"),
    }

BAD_MODULES = _bad_modules()

@pytest.mark.parametrize("case", sorted(BAD_MODULES))
def test_bad_module_arguments_raise_clear_errors(case):
    assert_bad_input(case, BAD_MODULES)

def test_output_size_picks_the_output_padding(device):
    layer = tp.nn.ConvTranspose2d(2, 3, 3, stride=(2, 3), padding=1).to(device)
    x = Tensor(np.ones((1, 2, 3, 3), np.float32), device=device)
    assert layer(x).shape == (1, 3, 5, 7)
    assert layer(x, output_size=[1, 3, 5, 8]).shape == (1, 3, 5, 8)
    assert layer(x[0], output_size=(3, 6, 7)).shape == (3, 6, 7)
    np.testing.assert_array_equal(layer(x, output_size=(6, 9)).numpy(),
                                  F.conv_transpose2d(x, layer.weight, layer.bias, (2, 3), 1, (1, 2)).numpy())

def test_module_initialisation_and_repr_follow_pytorch():
    """The weight is (in, out/groups, *kernel) and the fan-in is its second dim times the kernel: out/groups * k."""
    tp.manual_seed(0)
    layer = tp.nn.ConvTranspose2d(64, 32, 3, groups=2)
    bound = 1 / math.sqrt(16 * 9)
    w, b = layer.weight.numpy(), layer.bias.numpy()
    assert w.shape == (64, 16, 3, 3) and w.dtype == np.float32 and b.shape == (32,)
    assert abs(w).max() <= bound and w.std() > bound / 2 and abs(b).max() <= bound and abs(b).max() > bound / 2
    assert len(list(layer.parameters())) == 2 and tp.nn.ConvTranspose3d(1, 1, 1).weight.shape == (1, 1, 1, 1, 1)
    assert repr(tp.nn.ConvTranspose2d(16, 33, 3, stride=2)) == \
        "ConvTranspose2d(16, 33, kernel_size=(3, 3), stride=(2, 2))"
    assert repr(tp.nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, dilation=2,
                                      bias=False)) == ("ConvTranspose1d(4, 6, kernel_size=(3,), stride=(2,), "
                                                       "padding=(1,), dilation=(2,), output_padding=(1,), groups=2, "
                                                       "bias=False)")
    assert tp.nn.ConvTranspose2d(2, 3, 2).bias.shape == (3,) and tp.nn.ConvTranspose2d(2, 3, 2, bias=False).bias is None

def test_the_modules_initialisation_matches_pytorchs_distribution():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.ConvTranspose2d(64, 32, 3, groups=2)
    ours = tp.nn.ConvTranspose2d(64, 32, 3, groups=2)
    bound = 1 / math.sqrt(16 * 9)   # both draw U(-bound, bound): the largest of 9216 draws lies within 0.1%
    for mine, their, closest in ((ours.weight, theirs.weight, 0.99), (ours.bias, theirs.bias, 0.5)):
        assert mine.shape == tuple(their.shape)
        for values in (abs(mine.numpy()), their.detach().abs().numpy()):
            assert closest * bound < values.max() <= bound

@pytest.mark.cuda
@pytest.mark.skipif(not CUDA, reason="no CUDA")
@pytest.mark.parametrize("w_shape,kwargs", [
    ((4, 3, 4, 4), dict(stride=2, padding=1)),
    ((4, 1, 3, 2), dict(stride=(1, 2), padding=(1, 0), output_padding=(0, 1), dilation=(2, 1), groups=2)),
    ((4, 2, 3, 3), dict(padding=1)),   # on the CPU, the input gradient of a Winograd convolution
], ids=["dcgan", "groups", "3x3"])
def test_cuda_matches_cpu(w_shape, kwargs):
    rng = np.random.default_rng(0)
    groups = kwargs.get("groups", 1)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in ((2, 4, 3, 4), w_shape, (w_shape[1] * groups,)))
    grads = {}
    for device in ("cpu", "cuda"):
        leaves = [Tensor(a, requires_grad=True, device=device) for a in (x, w, b)]
        out = F.conv_transpose2d(*leaves, **kwargs)
        out.backward(Tensor(np.ones(out.shape, np.float32), device=device))
        grads[device] = [out.numpy()] + [leaf.grad.numpy() for leaf in leaves]
    for ours, theirs in zip(grads["cuda"], grads["cpu"]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)

@pytest.mark.parametrize("dims,x_shape,w_shape,kwargs", [
    (1, (2, 4, 7), (4, 3, 3), dict(stride=3, padding=2, output_padding=1, dilation=2, groups=2)),
    (2, (2, 4, 5, 6), (4, 3, 4, 4), dict(stride=2, padding=1)),
    (2, (4, 5, 6), (4, 3, 3, 2), dict(stride=(2, 1), padding=(0, 1), output_padding=(1, 1), dilation=(1, 2))),
    (3, (1, 2, 3, 2, 3), (2, 2, 2, 3, 2), dict(stride=(2, 1, 2), padding=(1, 1, 0), output_padding=(1, 0, 1))),
], ids=["1d", "2d", "2d-unbatched", "3d"])
def test_pytorch_agrees_forward_and_backward(dims, x_shape, w_shape, kwargs):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    b_shape = (w_shape[1] * kwargs.get("groups", 1),)
    arrays = [rng.standard_normal(s) for s in (x_shape, w_shape, b_shape)]
    leaves = [Tensor(a, dtype=tp.float64, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    ours = getattr(F, f"conv_transpose{dims}d")(*leaves, **kwargs)
    reference = getattr(torch.nn.functional, f"conv_transpose{dims}d")(*theirs, **kwargs)
    np.testing.assert_allclose(ours.numpy(), reference.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(ours.shape)
    ours.backward(Tensor(g))
    reference.backward(torch.tensor(g))
    for leaf, their in zip(leaves, theirs):
        np.testing.assert_allclose(leaf.grad.numpy(), their.grad.numpy(), rtol=1e-12, atol=1e-12)

def test_pytorch_agrees_on_the_modules_output_size():
    torch = pytest.importorskip("torch")
    for stride, padding, dilation in ((2, 1, 1), ((3, 2), (0, 1), (2, 1)), (1, 0, 3)):
        ours = tp.nn.ConvTranspose2d(2, 3, 3, stride=stride, padding=padding, dilation=dilation)
        theirs = torch.nn.ConvTranspose2d(2, 3, 3, stride=stride, padding=padding, dilation=dilation)
        x = np.random.default_rng(0).standard_normal((1, 2, 4, 5)).astype(np.float32)
        low = tuple(theirs(torch.from_numpy(x)).shape[2:])
        for extra in itertools.product(range(4), repeat=2):
            size = tuple(a + e for a, e in zip(low, extra))
            try:
                expected = tuple(theirs(torch.from_numpy(x), output_size=size).shape)
            except ValueError:
                with pytest.raises(ValueError, match="out of reach"):
                    ours(Tensor(x), output_size=size)
                continue
            assert ours(Tensor(x), output_size=size).shape == expected

def test_pytorch_agrees_on_an_empty_batch():
    torch = pytest.importorskip("torch")
    x, w, b = np.zeros((0, 2, 5, 5)), np.ones((2, 3, 4, 4)), np.ones(3)
    leaves = [Tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    ours = F.conv_transpose2d(*leaves, stride=2, padding=1)
    reference = torch.nn.functional.conv_transpose2d(*theirs, stride=2, padding=1)
    assert ours.shape == tuple(reference.shape)
    ours.sum().backward()
    reference.sum().backward()
    for leaf, their in zip(leaves, theirs):
        np.testing.assert_array_equal(leaf.grad.numpy(), their.grad.numpy())
