"""Convolution against a naive loop reference, finite-difference gradients, errors, empty batches and channels,
padding with infinite values, padding modes, modules, CUDA agreement and PyTorch as an extra oracle. Special values
on every kernel path: test_conv_special_values.py."""
import itertools
import math
from unittest import mock

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F
from tinygrad_pool import Tensor, gradcheck
from conftest import CUDA, SIMULATED, examples

def naive_conv(x, w, b, stride, pads, dilation, groups):
    """Plain loops straight from the definition: pads are (left, right) per dim, zeros outside the input."""
    n, c = x.shape[:2]
    spatial, kernel = x.shape[2:], w.shape[2:]
    out_spatial = [(L + a + r - d * (k - 1) - 1) // s + 1
                   for L, k, s, (a, r), d in zip(spatial, kernel, stride, pads, dilation)]
    out = np.zeros((n, w.shape[0], *out_spatial))
    per_group_in, per_group_out = c // groups, w.shape[0] // groups
    for i, oc in itertools.product(range(n), range(w.shape[0])):
        g = oc // per_group_out
        for o in itertools.product(*(range(v) for v in out_spatial)):
            total = 0.0 if b is None else b[oc]
            for ic, taps in itertools.product(range(per_group_in), itertools.product(*(range(k) for k in kernel))):
                pos = [oi * s - a + j * d for oi, s, (a, _), j, d in zip(o, stride, pads, taps, dilation)]
                if all(0 <= q < L for q, L in zip(pos, spatial)):
                    total += x[(i, g * per_group_in + ic) + tuple(pos)] * w[(oc, ic) + taps]
            out[(i, oc) + o] = total
    return out

@st.composite
def conv_case(draw):
    dims = draw(st.integers(1, 3))
    groups = draw(st.sampled_from([1, 2]))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    same = draw(st.booleans())
    stride = (1,) * dims if same else tuple(draw(st.integers(1, 2)) for _ in range(dims))
    padding = "same" if same else tuple(draw(st.integers(0, 2)) for _ in range(dims))
    spatial = tuple(draw(st.integers(1, 5 if dims < 3 else 3)) for _ in range(dims))
    pads = [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation)] if same \
        else [(p, p) for p in padding]
    assume(all(d * (k - 1) + 1 <= L + a + r for L, k, d, (a, r) in zip(spatial, kernel, dilation, pads)))
    batch = draw(st.sampled_from([None, 0, 1, 2]))
    return dims, groups, c_in, c_out, kernel, dilation, stride, padding, pads, spatial, batch

@examples(60, cudasim=6)
@given(case=conv_case(), data=st.data())
def test_conv_forward_matches_the_naive_loops(device, case, data):
    dims, groups, c_in, c_out, kernel, dilation, stride, padding, pads, spatial, batch = case
    rng = np.random.default_rng(data.draw(st.integers(0, 100)))
    x = rng.standard_normal(((1 if batch is None else batch), c_in) + spatial)
    w = rng.standard_normal((c_out, c_in // groups) + kernel)
    b = rng.standard_normal(c_out) if data.draw(st.booleans()) else None
    conv = getattr(F, f"conv{dims}d")
    t = lambda a: None if a is None else Tensor(a, dtype=tp.float64, device=device)  # noqa: E731
    ours = conv(t(x[0] if batch is None else x), t(w), t(b), stride, padding, dilation, groups).numpy()
    expected = naive_conv(x, w, b, stride, pads, dilation, groups)
    np.testing.assert_allclose(ours, expected[0] if batch is None else expected, rtol=1e-10, atol=1e-10)

@pytest.mark.parametrize("wide", [True, False], ids=["wide", "per-output"])
@examples(40)
@given(data=st.data())
def test_strided_im2col_layouts_match_the_naive_loops(monkeypatch, wide, data):
    """Strided convolutions lay their columns out wide over the stride phases of each sample, or one per output
    where that would waste too many columns: both layouts, forward, input and weight gradients, 1-3 dims."""
    from tinygrad_pool.backends.cpu import conv as cpu_conv
    monkeypatch.setattr(cpu_conv, "WIDE_WASTE", math.inf if wide else 0.0)
    cpu_conv._layout.cache_clear()   # stride > 1: every one takes the im2col kernels, in the layout chosen here
    try:
        _check_strided_conv(data)
    finally:
        cpu_conv._layout.cache_clear()

def _check_strided_conv(data):
    dims = data.draw(st.integers(1, 3))
    groups = data.draw(st.sampled_from([1, 2]))
    c_in, c_out = groups * data.draw(st.integers(1, 2)), groups * data.draw(st.integers(1, 2))
    kernel = tuple(data.draw(st.integers(1, 4)) for _ in range(dims))
    dilation = tuple(data.draw(st.integers(1, 2)) for _ in range(dims))
    stride = tuple(data.draw(st.integers(1, 3)) for _ in range(dims))
    assume(max(stride) > 1)
    padding = tuple(data.draw(st.integers(0, 2)) for _ in range(dims))
    spatial = tuple(data.draw(st.integers(1, 8 if dims < 3 else 5)) for _ in range(dims))
    pads = [(p, p) for p in padding]
    assume(all(d * (k - 1) + 1 <= L + 2 * p for L, k, d, p in zip(spatial, kernel, dilation, padding)))
    rng = np.random.default_rng(data.draw(st.integers(0, 100)))
    x = rng.standard_normal((data.draw(st.integers(1, 3)), c_in) + spatial)
    w = rng.standard_normal((c_out, c_in // groups) + kernel)
    conv = getattr(F, f"conv{dims}d")
    xt, wt = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    out = conv(xt, wt, None, stride, padding, dilation, groups)
    np.testing.assert_allclose(out.numpy(), naive_conv(x, w, None, stride, pads, dilation, groups), rtol=1e-10,
                               atol=1e-10)
    g = rng.standard_normal(out.shape)
    out.backward(Tensor(g))
    # each gradient is the adjoint of the linear map: <conv(x', w), g> = <x', grad_x>, likewise for w
    probe_x, probe_w = rng.standard_normal(x.shape), rng.standard_normal(w.shape)
    np.testing.assert_allclose(np.sum(naive_conv(probe_x, w, None, stride, pads, dilation, groups) * g),
                               np.sum(probe_x * xt.grad.numpy()), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(np.sum(naive_conv(x, probe_w, None, stride, pads, dilation, groups) * g),
                               np.sum(probe_w * wt.grad.numpy()), rtol=1e-9, atol=1e-9)

GRAD_CASES = [
    ("conv1d", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2), (2, 2, 7), (3, 2, 3), (3,)),
    ("conv2d_groups", lambda x, w, b: F.conv2d(x, w, b, padding="same", groups=2), (1, 4, 4, 3), (2, 2, 2, 3), (2,)),
    ("conv2d_depthwise", lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), groups=3), (2, 3, 4, 4), (3, 1, 2, 2), (3,)),
    ("conv3d", lambda x, w, b: F.conv3d(x, w, b, padding=(1, 0, 1)), (1, 2, 3, 3, 2), (2, 2, 2, 2, 2), (2,)),
    ("unbatched", lambda x, w, b: F.conv2d(x[0], w, b, padding=1), (1, 2, 3, 3), (2, 2, 3, 3), (2,)),
    ("conv2d_dilated", lambda x, w, b: F.conv2d(x, w, b, padding=(2, 1), dilation=(2, 1)), (2, 2, 5, 4),
     (3, 2, 2, 3), (3,)),
]

@pytest.mark.parametrize("name,fn,xs,ws,bs", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_conv_gradients_match_finite_differences(device, name, fn, xs, ws, bs):
    if SIMULATED and device == "cuda" and name != "conv1d":
        pytest.skip("the simulator runs a few gradient checks; a real GPU runs them all")
    rng = np.random.default_rng(0)
    inputs = [Tensor(rng.standard_normal(s), dtype=tp.float64, requires_grad=True, device=device) for s in (xs, ws, bs)]
    assert gradcheck(fn, inputs)

@pytest.mark.parametrize("name,fn,xs,ws,bs", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_the_definitions_loops_match_finite_differences(monkeypatch, name, fn, xs, ws, bs):
    """The CPU's exact loops, which recompute what the fast kernels may get wrong with inf or NaN, run alone."""
    from tinygrad_pool.backends.cpu import conv as cpu_conv
    monkeypatch.setattr(cpu_conv, "choose_path", lambda *shapes: "exact")
    rng = np.random.default_rng(0)
    inputs = [Tensor(rng.standard_normal(s), dtype=tp.float64, requires_grad=True) for s in (xs, ws, bs)]
    assert gradcheck(fn, inputs)

# WINOGRAD4_MAX_CHANNELS that sends the 3x3 convolutions with Winograd's kernels to F(2x2, 3x3) or F(4x4, 3x3),
# whichever this CPU would choose
TILE_LIMIT = {"winograd": 0, "winograd4": 1 << 30}

def winograd_tile(path):
    """A context in which 3x3 convolutions take `path`'s tile; for other paths, one that changes nothing."""
    from tinygrad_pool.backends.cpu import conv as cpu_conv
    return mock.patch.object(cpu_conv, "WINOGRAD4_MAX_CHANNELS",
                             TILE_LIMIT.get(path, cpu_conv.WINOGRAD4_MAX_CHANNELS))

@pytest.mark.parametrize("path", ["winograd", "winograd4", "direct"])
@examples(30)
@given(data=st.data())
def test_3x3_convolutions_match_the_naive_loops(path, data):
    """2-d 3x3 stride-1 convolutions take the CPU's Winograd kernels (either tile) with at least 4 channels in and
    out, and the direct ones with fewer: odd and even sizes, every padding they serve, bias or none, float64 and
    float32; and their input and weight gradients."""
    with winograd_tile(path):
        check_3x3_convolution(path, data)

def check_3x3_convolution(path, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 100)))
    if path != "direct":
        c_in, c_out = data.draw(st.integers(4, 6)), data.draw(st.integers(4, 6))
    else:
        c_in, c_out = data.draw(st.sampled_from([(1, 1), (1, 5), (3, 4), (2, 2), (5, 3)]))
    padding = data.draw(st.sampled_from([0, 1, 2, (1, 0), (2, 1), "same"]))
    pads = [(1, 1)] * 2 if padding == "same" else [(p, p) for p in np.broadcast_to(padding, 2)]
    spatial = tuple(data.draw(st.integers(max(1, 3 - a - r), 9)) for a, r in pads)
    x = rng.standard_normal((data.draw(st.integers(1, 3)), c_in) + spatial)
    w, b = rng.standard_normal((c_out, c_in, 3, 3)), rng.standard_normal(c_out) if data.draw(st.booleans()) else None
    expected = naive_conv(x, w, b, (1, 1), pads, (1, 1), 1)
    for dtype, tolerance in ((tp.float64, 1e-10), (tp.float32, 1e-4)):
        t = lambda a: None if a is None else Tensor(a, dtype=dtype)  # noqa: E731
        ours = F.conv2d(t(x), t(w), t(b), padding=padding).numpy()
        np.testing.assert_allclose(ours, expected, rtol=tolerance, atol=tolerance)
    xt, wt = Tensor(x, dtype=tp.float64, requires_grad=True), Tensor(w, dtype=tp.float64, requires_grad=True)
    out = F.conv2d(xt, wt, padding=padding)
    g = rng.standard_normal(out.shape)
    out.backward(Tensor(g))
    # The convolution is linear in x and in w, and each gradient is the adjoint of that map:
    # <conv(x', w), g> = <x', grad_x> and <conv(x, w'), g> = <w', grad_w> for every x', w'.
    probe_x, probe_w = rng.standard_normal(x.shape), rng.standard_normal(w.shape)
    np.testing.assert_allclose(np.sum(naive_conv(probe_x, w, None, (1, 1), pads, (1, 1), 1) * g),
                               np.sum(probe_x * xt.grad.numpy()), rtol=1e-10)
    np.testing.assert_allclose(np.sum(naive_conv(x, probe_w, None, (1, 1), pads, (1, 1), 1) * g),
                               np.sum(probe_w * wt.grad.numpy()), rtol=1e-10)

@pytest.mark.parametrize("path", ["winograd", "winograd4"])
@pytest.mark.parametrize("block_elements", [1, 1 << 17, 1 << 19], ids=["one-tile-row", "avx512", "avx2"])
def test_winograd_blocks_of_any_size_give_the_same_values(monkeypatch, path, block_elements):
    """Each kind of CPU goes through a sample in blocks of its own size (`machine.py`); one tile row per block,
    the blocks of either kind, or a whole sample in one: the values are those of the naive loops."""
    from tinygrad_pool.backends.cpu import conv as cpu_conv, winograd
    monkeypatch.setattr(winograd, "BLOCK_ELEMENTS", block_elements)
    monkeypatch.setattr(cpu_conv, "WINOGRAD4_MAX_CHANNELS", TILE_LIMIT[path])
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((3, 5, 11, 9)), rng.standard_normal((4, 5, 3, 3)), rng.standard_normal(4)
    g = rng.standard_normal((3, 4, 11, 9))
    xt, wt = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    out = F.conv2d(xt, wt, Tensor(b), padding=1)
    out.backward(Tensor(g))
    np.testing.assert_allclose(out.numpy(), naive_conv(x, w, b, (1, 1), [(1, 1)] * 2, (1, 1), 1), rtol=1e-10,
                               atol=1e-10)
    probe_x, probe_w = rng.standard_normal(x.shape), rng.standard_normal(w.shape)
    np.testing.assert_allclose(np.sum(naive_conv(probe_x, w, None, (1, 1), [(1, 1)] * 2, (1, 1), 1) * g),
                               np.sum(probe_x * xt.grad.numpy()), rtol=1e-10)
    np.testing.assert_allclose(np.sum(naive_conv(x, probe_w, None, (1, 1), [(1, 1)] * 2, (1, 1), 1) * g),
                               np.sum(probe_w * wt.grad.numpy()), rtol=1e-10)

THREE_BY_THREE = [("winograd", (2, 4, 5, 4), (4, 4, 3, 3)), ("winograd4", (2, 4, 5, 4), (4, 4, 3, 3)),
                  ("direct", (2, 1, 5, 4), (3, 1, 3, 3))]

@pytest.mark.parametrize("path,x_shape,w_shape", THREE_BY_THREE, ids=[case[0] for case in THREE_BY_THREE])
def test_3x3_gradients_match_finite_differences(monkeypatch, path, x_shape, w_shape):
    from tinygrad_pool.backends.cpu import conv as cpu_conv
    monkeypatch.setattr(cpu_conv, "WINOGRAD4_MAX_CHANNELS", TILE_LIMIT.get(path, 0))
    rng = np.random.default_rng(0)
    inputs = [Tensor(rng.standard_normal(s), dtype=tp.float64, requires_grad=True)
              for s in (x_shape, w_shape, w_shape[:1])]
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, padding=(1, 2)), inputs)

@pytest.mark.parametrize("path,x_shape,w_shape", THREE_BY_THREE, ids=[case[0] for case in THREE_BY_THREE])
def test_3x3_backward_computes_each_gradient_alone_as_with_the_other(monkeypatch, path, x_shape, w_shape):
    """A frozen input or frozen weights skip that gradient; the other one comes out the same."""
    from tinygrad_pool.backends.cpu import conv as cpu_conv
    monkeypatch.setattr(cpu_conv, "WINOGRAD4_MAX_CHANNELS", TILE_LIMIT.get(path, 0))
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    g = rng.standard_normal((x_shape[0], w_shape[0]) + x_shape[2:])
    grads = {}
    for wanted in ("x", "w", "xw"):
        xt, wt = Tensor(x, requires_grad="x" in wanted), Tensor(w, requires_grad="w" in wanted)
        F.conv2d(xt, wt, padding=1).backward(Tensor(g))
        grads[wanted] = xt.grad, wt.grad
    assert grads["x"][1] is None and grads["w"][0] is None
    np.testing.assert_array_equal(grads["x"][0].numpy(), grads["xw"][0].numpy())
    np.testing.assert_array_equal(grads["w"][1].numpy(), grads["xw"][1].numpy())

ERRORS = [
    (lambda x, w: F.conv2d(x, w[:, :2]), ValueError, r"3 channels but weight \(4, 2, 3, 3\)"),
    (lambda x, w: F.conv2d(x, w, groups=2), ValueError, "groups=2 must divide"),
    (lambda x, w: F.conv2d(x, w, groups=0), ValueError, "groups must be a positive"),
    (lambda x, w: F.conv2d(x[..., :2, :2], w), ValueError, "larger than the padded input"),
    (lambda x, w: F.conv2d(x, w, stride=0), ValueError, "stride and dilation must be positive"),
    (lambda x, w: F.conv2d(x, w, dilation=-1), ValueError, "stride and dilation must be positive"),
    (lambda x, w: F.conv2d(x, w, padding=-1), ValueError, "non-negative"),
    (lambda x, w: F.conv2d(x, w, padding="full"), ValueError, "'full'"),
    (lambda x, w: F.conv2d(x, w, stride=2, padding="same"), ValueError, "needs stride 1"),
    (lambda x, w: F.conv2d(x[0, 0], w), ValueError, r"3-d \(C, \*spatial\) or 4-d"),
    (lambda x, w: F.conv2d(x, w[0]), ValueError, "weight must be 4-d"),
    (lambda x, w: F.conv2d(x, w, Tensor(np.zeros(3, np.float32), device=x.device)), ValueError, r"bias must have shape \(4,\)"),
    (lambda x, w: F.conv2d(x.double(), w), TypeError, "float64.*float32|share one dtype"),
    (lambda x, w: F.conv2d(x.long(), w), TypeError, "int64"),
    (lambda x, w: F.conv2d(x, w, stride=(1, 1, 1)), ValueError, "stride=.*2 entries"),
    (lambda x, w: F.conv2d(x, Tensor(np.zeros((0, 3, 3, 3), np.float32), device=x.device)), ValueError,
     r"weight \(0, 3, 3, 3\) has 0 output channels"),
    (lambda x, w: F.conv2d(x, Tensor(np.zeros((4, 3, 0, 3), np.float32), device=x.device)), ValueError,
     r"kernel size must be positive, got weight \(4, 3, 0, 3\)"),
    (lambda x, w: F.conv2d(Tensor(np.zeros((2, 3, 0, 5), np.float32), device=x.device), w, padding=1), ValueError,
     r"input \(2, 3, 0, 5\) has an empty spatial dim"),
]

@pytest.mark.parametrize("call,error,message", ERRORS, ids=range(len(ERRORS)))
def test_invalid_convolutions_raise_clear_errors(device, call, error, message):
    x = Tensor(np.ones((2, 3, 5, 5), np.float32), device=device)
    w = Tensor(np.ones((4, 3, 3, 3), np.float32), device=device)
    with pytest.raises(error, match=message):
        call(x, w)

ZERO_SIZE_CASES = [   # (x shape, w shape, groups): no sample, or no input channel (and none per group)
    ((0, 2), (3, 2), 1), ((2, 0), (3, 0), 1), ((2, 0), (4, 0), 2), ((0, 4), (4, 2), 2),
]

@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("x_lead,w_lead,groups", ZERO_SIZE_CASES, ids=range(len(ZERO_SIZE_CASES)))
@pytest.mark.parametrize("kernel,padding", [(3, 0), (3, 1), (2, 1)])
def test_convolutions_with_no_sample_or_no_input_channel(device, dims, x_lead, w_lead, groups, kernel, padding):
    """With no input channel every output is an empty sum: its bias (PyTorch returns an output with no channels
    instead). With no sample the output is empty. Either way the gradients are zeros: of x's shape (empty), of w's,
    and grad_out summed for the bias."""
    if SIMULATED and device == "cuda" and dims == 3:
        pytest.skip("the simulator runs the 1-d and 2-d cases")
    x = Tensor(np.zeros(x_lead + (4,) * dims, np.float32), requires_grad=True, device=device)
    w = Tensor(np.ones(w_lead + (kernel,) * dims, np.float32), requires_grad=True, device=device)
    b = Tensor(np.arange(1, w_lead[0] + 1, dtype=np.float32), requires_grad=True, device=device)
    out = getattr(F, f"conv{dims}d")(x, w, b, padding=padding, groups=groups)
    out_shape = (x_lead[0], w_lead[0]) + (4 + 2 * padding - kernel + 1,) * dims
    assert out.shape == out_shape
    np.testing.assert_array_equal(out.numpy(), np.broadcast_to(b.numpy().reshape((-1,) + (1,) * dims), out_shape))
    g = np.random.default_rng(0).standard_normal(out_shape).astype(np.float32)
    out.backward(Tensor(g, device=device))
    assert x.grad.shape == x.shape and not x.grad.numpy().any()
    assert w.grad.shape == w.shape and not w.grad.numpy().any()
    np.testing.assert_allclose(b.grad.numpy(), g.sum(axis=(0,) + tuple(range(2, 2 + dims))), rtol=1e-5)

def test_a_module_without_input_channels_gives_its_bias():
    module = tp.nn.Conv2d(0, 4, 3)
    out = module(tp.zeros(2, 0, 7, 7))
    assert out.shape == (2, 4, 5, 5) and (out.numpy() == module.bias.numpy().reshape(4, 1, 1)).all()
    unbatched = F.conv1d(tp.zeros(0, 5), tp.zeros(3, 0, 2), tp.ones(3))
    assert unbatched.shape == (3, 4) and (unbatched.numpy() == 1).all()

def test_pytorch_agrees_on_an_empty_batch():
    torch = pytest.importorskip("torch")
    x, w, b = np.zeros((0, 2, 5, 5)), np.ones((3, 2, 3, 3)), np.ones(3)
    leaves = [Tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    ours = F.conv2d(*leaves, padding=1)
    reference = torch.nn.functional.conv2d(*theirs, padding=1)
    assert ours.shape == tuple(reference.shape)
    ours.sum().backward()
    reference.sum().backward()
    for leaf, their in zip(leaves, theirs):
        np.testing.assert_array_equal(leaf.grad.numpy(), their.grad.numpy())

@pytest.mark.parametrize("x_shape,w_shape,padding", [((2, 4, 6, 5), (5, 4, 3, 3), 1), ((2, 1, 6, 5), (3, 1, 3, 3), 1),
                                                     ((2, 2, 6, 5), (3, 2, 2, 2), 1), ((2, 2, 7), (3, 2, 3), 2)],
                         ids=["winograd", "direct", "im2col", "im2col-1d"])
def test_finite_values_never_reach_the_exact_loops(monkeypatch, x_shape, w_shape, padding):
    """The fast kernels' finiteness check finds nothing to recompute, so the definition's loops stay unused."""
    from tinygrad_pool.backends.cpu import conv as cpu_conv

    def unused(*args):
        raise AssertionError("the exact loops ran for finite values")
    for name in ("_exact_outputs", "_exact_input_grad", "_exact_weight_grad"):
        monkeypatch.setattr(cpu_conv, name, unused)
    rng = np.random.default_rng(0)
    x, w = (Tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True) for s in (x_shape, w_shape))
    getattr(F, f"conv{len(x_shape) - 2}d")(x, w, padding=padding).sum().backward()

def test_padded_taps_add_no_terms_on_every_device(device):
    """An inf weight whose tap reads only padding at an output, and an inf grad_out at an output whose taps partly
    read padding: the padding is no term of the sums, so those outputs and weight taps stay finite."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 2, 4, 5)).astype(np.float32)
    w = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    w[0, 1, 0, 2] = np.inf   # reads x[oh - 1, ow + 1]: padding in the top row and the last column
    g = np.ones((2, 3, 4, 5), np.float32)
    g[1, 2, 0, 0] = -np.inf  # output (0, 0) reads padding through taps (0, *) and (*, 0)
    xt, wt = Tensor(x, requires_grad=True, device=device), Tensor(w, requires_grad=True, device=device)
    with np.errstate(invalid="ignore", over="ignore"):
        out = F.conv2d(xt, wt, padding=1, groups=1)
        out.backward(Tensor(g, device=device))
    expected = naive_conv(x.astype(np.float64), w.astype(np.float64), None, (1, 1), [(1, 1)] * 2, (1, 1), 1)
    np.testing.assert_array_equal(np.isinf(out.numpy()), np.isinf(expected))
    assert np.isfinite(out.numpy()[:, 0, 0]).all() and np.isfinite(out.numpy()[:, 0, :, -1]).all()
    assert np.isinf(out.numpy()[:, 0, 1:, :-1]).all() and not np.isnan(out.numpy()).any()
    grad_w = wt.grad.numpy()
    assert np.isinf(grad_w[2, :, 1:, 1:]).all() and np.isfinite(grad_w[2, :, 0]).all()
    assert np.isfinite(grad_w[2, :, :, 0]).all() and np.isfinite(grad_w[:2]).all()
    grad_x = xt.grad.numpy()
    assert not np.isnan(grad_x[0]).any() and np.isinf(grad_x[0, 1, :-1, 1:]).all() and np.isfinite(grad_x[0, 0]).all()

@pytest.mark.parametrize("mode,expected_right", [("reflect", [5, 4, 3]), ("replicate", [5, 5, 5]),
                                                  ("circular", [5, 1, 2])])
def test_padding_modes_read_as_the_spec_says(device, mode, expected_right):
    module = tp.nn.Conv1d(1, 1, 5, padding=2, padding_mode=mode, bias=False)
    x = Tensor([[[1.0, 2.0, 3.0, 4.0, 5.0]]], device=device)
    from tinygrad_pool.ops.movement import pad_mode
    padded = pad_mode(x, ((2, 2),), mode).numpy()[0, 0]
    assert padded[-3:].tolist() == expected_right   # the last input element, then the right padding
    assert module(x.cpu()).shape == (1, 1, 5)

def test_padding_mode_gradients(device):
    if SIMULATED and device == "cuda":
        pytest.skip("gathers already checked on CUDA in test_autograd; too slow for the simulator")
    rng = np.random.default_rng(0)
    for mode in ("reflect", "replicate", "circular"):
        module = tp.nn.Conv2d(2, 2, 3, padding=1, padding_mode=mode)
        weight = Tensor(module.weight.numpy(), dtype=tp.float64, device=device)
        x = Tensor(rng.standard_normal((1, 2, 4, 3)), dtype=tp.float64, requires_grad=True, device=device)
        from tinygrad_pool.ops.movement import pad_mode
        assert gradcheck(lambda t: F.conv2d(pad_mode(t, ((1, 1), (1, 1)), mode), weight), [x])

def test_module_initialisation_and_repr_follow_pytorch():
    tp.manual_seed(0)
    conv = tp.nn.Conv2d(32, 64, 3)
    bound = 1 / math.sqrt(32 * 9)
    w = conv.weight.numpy()
    assert w.shape == (64, 32, 3, 3) and w.dtype == np.float32 and abs(w).max() <= bound and w.std() > bound / 2
    assert abs(conv.bias.numpy()).max() <= bound and conv.weight.requires_grad
    assert repr(conv) == "Conv2d(32, 64, kernel_size=(3, 3), stride=(1, 1))"
    assert repr(tp.nn.Conv1d(2, 4, 3, padding="same", groups=2, bias=False)) == \
        "Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding='same', groups=2, bias=False)"
    assert len(list(conv.parameters())) == 2 and tp.nn.Conv3d(1, 1, 1).weight.shape == (1, 1, 1, 1, 1)
    with pytest.raises(ValueError, match="padding_mode='mirror'"):
        tp.nn.Conv2d(1, 1, 3, padding_mode="mirror")

def test_non_contiguous_input_gives_the_same_result(device):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 5, 4)).astype(np.float32)
    w = Tensor(rng.standard_normal((2, 3, 2, 2)).astype(np.float32), device=device)
    permuted = Tensor(x.transpose(0, 1, 3, 2).copy(), device=device).permute(0, 1, 3, 2)
    np.testing.assert_array_equal(F.conv2d(permuted, w).numpy(), F.conv2d(Tensor(x, device=device), w).numpy())

@pytest.mark.cuda
@pytest.mark.skipif(not CUDA, reason="no CUDA")
@pytest.mark.parametrize("w_shape,kwargs", [
    ((6, 2, 3, 3), dict(stride=(1, 2), padding=1, dilation=(2, 1), groups=2)),
    ((5, 4, 3, 3), dict(padding=1)),     # the CPU's Winograd kernels, forward and both gradients
    ((2, 4, 3, 3), dict(padding=1)),     # the CPU's direct kernels (fewer than 4 output channels)
], ids=["im2col", "winograd", "direct"])
def test_cuda_matches_cpu(w_shape, kwargs):
    rng = np.random.default_rng(0)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in ((2, 4, 6, 5), w_shape, w_shape[:1]))
    grads = {}
    for device in ("cpu", "cuda"):
        leaves = [Tensor(a, requires_grad=True, device=device) for a in (x, w, b)]
        out = F.conv2d(*leaves, **kwargs)
        out.backward(Tensor(np.ones(out.shape, np.float32), device=device))
        grads[device] = [out.numpy()] + [leaf.grad.numpy() for leaf in leaves]
    for ours, theirs in zip(grads["cuda"], grads["cpu"]):   # the CPU's F(4x4, 3x3) rounds to a few 1e-5 here
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)

def test_pytorch_agrees_forward_and_backward():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, w, b = (rng.standard_normal(s) for s in ((2, 4, 7, 6), (6, 2, 3, 2), (6,)))
    leaves = [Tensor(a, dtype=tp.float64, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    ours = F.conv2d(*leaves, stride=(2, 1), padding="valid", dilation=(1, 2), groups=2)
    reference = torch.nn.functional.conv2d(*theirs, stride=(2, 1), padding="valid", dilation=(1, 2), groups=2)
    np.testing.assert_allclose(ours.numpy(), reference.detach().numpy(), rtol=1e-12)
    ours.sum().backward()
    reference.sum().backward()
    for leaf, their in zip(leaves, theirs):
        np.testing.assert_allclose(leaf.grad.numpy(), their.grad.numpy(), rtol=1e-12, atol=1e-12)

def bias_gradient_reference(grad_out):
    """Each channel's sum of grad_out over samples and positions, from +0.0, in float64."""
    sums = np.zeros(grad_out.shape[1])
    for n, c in itertools.product(range(grad_out.shape[0]), range(grad_out.shape[1])):
        for value in grad_out[n, c].ravel():
            sums[c] += float(value)
    return sums.astype(grad_out.dtype)

@examples(60)
@given(shape=st.tuples(st.integers(0, 3), st.integers(0, 4), st.just(1), st.integers(0, 5), st.integers(0, 5)),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2 ** 32 - 1),
       special=st.sampled_from([None, np.inf, -np.inf, np.nan, -0.0]))
def test_the_cpu_bias_gradient_sums_each_channel_as_the_reference(shape, dtype, seed, special):
    from tinygrad_pool.backends.cpu.conv import _bias_gradient
    rng = np.random.default_rng(seed)
    grad_out = rng.standard_normal(shape).astype(dtype)
    if special is not None and grad_out.size:
        grad_out.ravel()[rng.integers(grad_out.size)] = special
    ours, expected = _bias_gradient(grad_out), bias_gradient_reference(grad_out)
    assert ours.dtype == dtype and ours.shape == (shape[1],)
    np.testing.assert_allclose(ours, expected, rtol=1e-6 if dtype == np.float32 else 1e-12, atol=1e-6)
    assert (np.signbit(ours) == np.signbit(expected))[ours == 0].all()
