"""inf, NaN, -0.0, huge and tiny magnitudes in convolution: forward, input and weight gradients, on every CPU kernel
path, against the definition and, where installed, PyTorch.

The definition: out = bias + the sum of x * w over the taps that fall inside the input (the zero padding is no
term), grad_x[i] = the sum of grad_out * w over the (output, tap) pairs that read x[i], grad_w = the sum of
grad_out * x over the outputs whose tap reads inside x. The reference lists every term of those sums and decides
what each sum must be: NaN where a term is NaN (0 * inf among them) or where +inf and -inf terms meet, that inf
where only one sign of inf appears, else the sum of the finite terms. Where the finite terms alone could overflow
(their positive or negative part reaches the dtype's largest value), the order of the additions decides, so an inf
of that sign (or NaN, when both parts can) is accepted too.

Finite results must equal the finite sum up to rounding: relative to the sum of the terms' magnitudes for the
kernels that add the terms themselves; for Winograd's, whose transforms mix a tile's inputs and a filter's taps
before they are multiplied, relative to a normwise bound, as for any fast convolution algorithm: the sum of |x| over
the input patch of the output's tile times the sum of all |w| (forward), the sum of |grad_out| over every tile whose
patch holds the input times the sum of all |w| (input gradient), or the sum of all |grad_out| times that of all |x|
(weight gradient, where every tile adds to every tap).
"""
import itertools
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F
from tinygrad_pool.backends.cpu import conv as cpu_conv
from conftest import examples

PATHS = ["winograd", "winograd4", "direct", "im2col", "exact"]
WINOGRAD = ("winograd", "winograd4")
HUGE = {np.float32: 1e38, np.float64: 1e307}
TINY = {np.float32: 1e-45, np.float64: 5e-324}
TOLERANCE = {np.float32: (1e-4, 1e-37), np.float64: (1e-10, 1e-300)}   # relative to the sum of |terms|, absolute
# Winograd's, relative to the normwise bound: F(4x4, 3x3)'s transforms have coefficients up to 8, where
# F(2x2, 3x3)'s are 1 and 1/2.
NORMWISE_TOLERANCE = {"winograd": {np.float32: 1e-6, np.float64: 1e-14},
                      "winograd4": {np.float32: 1e-5, np.float64: 1e-13}}

def specials(dtype):
    return [np.inf, -np.inf, np.nan, -0.0, HUGE[dtype], -HUGE[dtype], TINY[dtype], -TINY[dtype]]

def out_spatial(spatial, kernel, stride, pads, dilation):
    return tuple((L + a + r - d * (k - 1) - 1) // s + 1
                 for L, k, s, (a, r), d in zip(spatial, kernel, stride, pads, dilation))

def term_table(x_shape, w_shape, stride, pads, dilation, groups):
    """Every term of the forward sums, as flat indices (into out, x, w): one row per sample, output channel,
    output position, input channel of its group and tap whose input position lies inside x."""
    (n, c), spatial, kernel = x_shape[:2], x_shape[2:], w_shape[2:]
    c_out, per_group_in = w_shape[:2]
    per_group_out = c_out // groups
    outs = out_spatial(spatial, kernel, stride, pads, dilation)
    out_positions = np.indices(outs).reshape(len(outs), -1).T
    taps = np.indices(kernel).reshape(len(kernel), -1).T
    position = (out_positions[:, None] * np.array(stride) - np.array([a for a, _ in pads])
                + taps[None] * np.array(dilation))
    inside = ((position >= 0) & (position < np.array(spatial))).all(axis=-1)
    o, t = np.nonzero(inside)
    x_offset = np.ravel_multi_index(tuple(position[o, t].T), spatial)
    rows = []
    for sample, oc, ic in itertools.product(range(n), range(c_out), range(per_group_in)):
        channel = oc // per_group_out * per_group_in + ic
        rows.append(np.stack([(sample * c_out + oc) * len(out_positions) + o,
                              (sample * c + channel) * int(np.prod(spatial)) + x_offset,
                              (oc * per_group_in + ic) * len(taps) + t]))
    return np.concatenate(rows, axis=1) if rows else np.zeros((3, 0), np.int64)

def finite_sums(targets, values, size):
    """The sum of the finite |values| added into each of `size` targets."""
    with np.errstate(over="ignore"):
        return np.bincount(targets, weights=np.abs(np.where(np.isfinite(values), values, 0)), minlength=size)

def norm(a):
    """The sum of the finite |entries| of a."""
    return finite_sums(np.zeros(a.size, np.int64), a.ravel(), 1)[0]

def tile_bounds(tile, x, b, g, pads):
    """Per output and per input, the sums of magnitudes that Winograd's rounding is relative to, for tiles of
    tile x tile outputs read from (tile + 2)-square input patches: the finite |x| of the output's patch (plus its
    |bias|), and the finite |grad_out| of all tiles whose patches hold the input."""
    (top, _), (left, _) = pads
    out_h, out_w = g.shape[2], g.shape[3]
    magnitude = lambda a: np.abs(np.where(np.isfinite(a), a, 0).astype(np.float64))  # noqa: E731
    x_sums, g_sums = magnitude(x).sum(axis=1), magnitude(g).sum(axis=1)   # over channels
    forward, backward = np.zeros(g.shape), np.zeros(x.shape)
    for th, tw in itertools.product(range(-(-out_h // tile)), range(-(-out_w // tile))):
        rows = slice(max(0, th * tile - top), max(0, th * tile - top + tile + 2))
        cols = slice(max(0, tw * tile - left), max(0, tw * tile - left + tile + 2))
        outputs = (slice(None), slice(None), slice(th * tile, (th + 1) * tile), slice(tw * tile, (tw + 1) * tile))
        forward[outputs] = x_sums[:, rows, cols].sum(axis=(1, 2))[:, None, None, None]
        backward[:, :, rows, cols] += g_sums[:, outputs[2], outputs[3]].sum(axis=(1, 2))[:, None, None, None]
    forward += magnitude(b)[None, :, None, None]
    return forward.ravel(), backward.ravel()

def definition(targets, a, b, size, dtype, normwise=None):
    """What each of `size` sums of the terms a[i] * b[i] (added into targets[i]) must be: (NaN wanted, +inf wanted,
    -inf wanted, sum of the finite terms, the tolerance of its rounding, whether the positive part and whether the
    negative part of the finite terms may overflow). `normwise`, Winograd's bound for each target times its
    NORMWISE_TOLERANCE, replaces the relative tolerance of the sum of the terms' magnitudes."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        terms = a * b
    count = lambda mask: np.bincount(targets, weights=mask.astype(np.float64), minlength=size) > 0  # noqa: E731
    # A product of finite factors is a finite term even where float64 overflows (float64 inputs only): it counts as
    # the largest float, which marks its sum as one that may overflow.
    finite_factors = np.isfinite(a) & np.isfinite(b)
    finite = np.where(finite_factors, np.clip(terms, -np.finfo(np.float64).max, np.finfo(np.float64).max), 0.0)
    terms = np.where(finite_factors, 0.0, terms)
    add = lambda values: np.bincount(targets, weights=values, minlength=size)  # noqa: E731
    positive, negative = add(np.maximum(finite, 0)), add(np.maximum(-finite, 0))
    rtol, atol = TOLERANCE[dtype]
    with np.errstate(over="ignore"):
        tolerance = rtol * (positive + negative) + atol if normwise is None else \
            normwise + atol
    largest = float(np.finfo(dtype).max) * (1 - 1e-3)   # less rounding than this may carry a partial sum past it
    plus, minus = count(terms == np.inf), count(terms == -np.inf)
    return count(np.isnan(terms)) | (plus & minus), plus, minus, add(finite), tolerance, \
        positive >= largest, negative >= largest

def assert_follows_definition(ours, expected, dtype, what):
    ours = np.asarray(ours, np.float64).ravel()
    nan, plus, minus, total, tolerance, up, down = expected
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.isfinite(ours) & (np.abs(ours - total) <= tolerance)
    infinite = ~nan & (plus | minus)
    sure = ~nan & ~infinite & ~up & ~down   # no order of additions overflows: the finite sum
    may_overflow = ~nan & ~infinite & (up | down)
    allowed = np.where(nan, np.isnan(ours), False)
    allowed |= infinite & ((plus & (ours == np.inf)) | (minus & (ours == -np.inf))
                           | (((plus & down) | (minus & up)) & np.isnan(ours)))
    allowed |= sure & close
    allowed |= may_overflow & (close | (up & (ours == np.inf)) | (down & (ours == -np.inf))
                               | (up & down & np.isnan(ours)))
    bad = np.nonzero(~allowed)[0]
    assert bad.size == 0, (f"{what}: {bad.size} of {ours.size} values break the definition, first at flat index "
                           f"{bad[0]}: got {ours[bad[0]]}, terms give NaN={nan[bad[0]]} +inf={plus[bad[0]]} "
                           f"-inf={minus[bad[0]]} sum={total[bad[0]]}")

@st.composite
def problems(draw, path):
    """(dims, x shape, w shape, stride, padding argument, (left, right) pads, dilation, groups) that `path` serves;
    the 3x3 kernels are chosen by shape, so their problems are the 2-d 3x3 stride-1 ones with enough channels."""
    if path in WINOGRAD + ("direct",):
        dims, groups, kernel, stride, dilation = 2, 1, (3, 3), (1, 1), (1, 1)
        c_in, c_out = ((draw(st.integers(4, 5)), draw(st.integers(4, 5))) if path in WINOGRAD
                       else draw(st.sampled_from([(1, 1), (1, 4), (3, 2), (2, 1), (3, 3)])))
        padding = draw(st.sampled_from([0, 1, 2, (1, 0), (2, 1), "same"]))
    else:
        dims, groups = draw(st.integers(1, 3)), draw(st.sampled_from([1, 2]))
        c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
        kernel = tuple(draw(st.integers(1, 3)) for _ in range(dims))
        dilation = tuple(draw(st.integers(1, 2)) for _ in range(dims))
        same = draw(st.booleans())
        stride = (1,) * dims if same else tuple(draw(st.integers(1, 3)) for _ in range(dims))
        padding = "same" if same else tuple(draw(st.integers(0, 2)) for _ in range(dims))
    extents = [d * (k - 1) for k, d in zip(kernel, dilation)]
    if padding == "same":
        pads = [(e // 2, e - e // 2) for e in extents]
    else:
        pads = [(p, p) for p in np.broadcast_to(padding, dims).tolist()]
    longest = 6 if dims < 3 else 3
    spatial = tuple(draw(st.integers(max(1, e + 1 - a - r), max(1, e + 1 - a - r, longest)))
                    for e, (a, r) in zip(extents, pads))
    x_shape = (draw(st.integers(1, 2)), c_in) + spatial
    return dims, x_shape, (c_out, c_in // groups) + kernel, stride, padding, pads, dilation, groups

def sprinkled(rng, shape, dtype, rate, kinds):
    """Standard normal values with about `rate` of them replaced by the special values `kinds`."""
    values = rng.standard_normal(shape)
    chosen = np.array(specials(dtype))[list(kinds)]
    return np.where(rng.random(shape) < rate, rng.choice(chosen, size=shape), values).astype(dtype)

def draw_arrays(data, x_shape, w_shape, out_shape, dtype, huge=True):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    kinds = range(8) if huge else [0, 1, 2, 3, 6, 7]
    arrays = []
    for shape in (x_shape, w_shape, w_shape[:1], out_shape):
        rate = data.draw(st.sampled_from([0.0, 0.03, 0.1, 0.3]))
        arrays.append(sprinkled(rng, shape, dtype, rate, data.draw(st.sets(st.sampled_from(kinds), min_size=1))))
    return arrays

def run(conv, x, w, b, g, stride, padding, dilation, groups, need_x, need_w):
    """(out, x.grad, w.grad, b.grad) of our convolution (b may be None), with the output gradient g."""
    leaves = [tp.Tensor(x, requires_grad=need_x), tp.Tensor(w, requires_grad=need_w),
              None if b is None else tp.Tensor(b, requires_grad=True)]
    with np.errstate(all="ignore"):
        out = conv(*leaves, stride=stride, padding=padding, dilation=dilation, groups=groups)
        out.backward(tp.Tensor(g))
    return [out.numpy()] + [None if leaf is None or leaf.grad is None else leaf.grad.numpy() for leaf in leaves]

def run_on_path(path, *args):
    """`run` with every convolution sent to `path`; for the 3x3 paths, also that the shape alone chose it."""
    chosen = []
    choose = cpu_conv.choose_path

    def forced(*shape_args):
        chosen.append(choose(*shape_args))
        return path
    with mock.patch.object(cpu_conv, "choose_path", forced):
        results = run(*args)
    if path in WINOGRAD + ("direct",):   # each CPU takes one of the Winograd tiles for a shape
        assert set(chosen) <= (set(WINOGRAD) if path in WINOGRAD else {path})
    return results

@pytest.mark.parametrize("path", PATHS)
@examples(60)
@given(data=st.data())
def test_special_values_follow_the_definition(path, data):
    dims, x_shape, w_shape, stride, padding, pads, dilation, groups = data.draw(problems(path))
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    out_shape = (x_shape[0], w_shape[0]) + out_spatial(x_shape[2:], w_shape[2:], stride, pads, dilation)
    x, w, b, g = draw_arrays(data, x_shape, w_shape, out_shape, dtype)
    need_x, need_w = data.draw(st.sampled_from([(True, True), (True, False), (False, True)]))
    out, grad_x, grad_w, grad_b = run_on_path(path, getattr(F, f"conv{dims}d"), x, w, b, g, stride, padding,
                                              dilation, groups, need_x, need_w)
    out_index, x_index, w_index = term_table(x_shape, w_shape, stride, pads, dilation, groups)
    channel = np.arange(out.size) // int(np.prod(out_shape[2:])) % w_shape[0]
    forward_index = np.concatenate([out_index, np.arange(out.size)])
    forward_a = np.concatenate([x.ravel()[x_index], b[channel]])
    normwise = [None] * 3
    if path in WINOGRAD:
        with np.errstate(over="ignore"):
            forward, backward = tile_bounds(2 if path == "winograd" else 4, x, b, g, pads)
            normwise = [NORMWISE_TOLERANCE[path][dtype] * bound
                        for bound in (forward * norm(w), backward * norm(w), norm(g) * norm(x))]
    assert out.shape == out_shape and out.dtype == dtype
    assert_follows_definition(out, definition(forward_index, forward_a,
                                              np.concatenate([w.ravel()[w_index], np.ones(out.size)]), out.size,
                                              dtype, normwise[0]), dtype, "forward")
    if need_x:
        assert_follows_definition(grad_x, definition(x_index, g.ravel()[out_index], w.ravel()[w_index], x.size,
                                                     dtype, normwise[1]), dtype, "input gradient")
    else:
        assert grad_x is None
    if need_w:
        assert_follows_definition(grad_w, definition(w_index, g.ravel()[out_index], x.ravel()[x_index], w.size,
                                                     dtype, normwise[2]), dtype, "weight gradient")
    else:
        assert grad_w is None
    assert_follows_definition(grad_b, definition(channel, g.ravel(), np.ones(g.size), b.size, dtype), dtype,
                              "bias gradient")

def assert_same_specials(ours, theirs, dtype, what):
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs), err_msg=f"{what}: NaN positions")
    np.testing.assert_array_equal(np.isposinf(ours), np.isposinf(theirs), err_msg=f"{what}: +inf positions")
    np.testing.assert_array_equal(np.isneginf(ours), np.isneginf(theirs), err_msg=f"{what}: -inf positions")
    finite = np.isfinite(ours)
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(ours[finite], theirs[finite], rtol=rtol, atol=rtol, err_msg=what)

@pytest.mark.parametrize("path", PATHS)
@examples(20)
@given(data=st.data())
def test_special_values_match_pytorch_without_padding(path, data):
    """Without padding every sum PyTorch forms has exactly the definition's terms, so inf and NaN land where ours
    do. (With padding PyTorch multiplies the padded zeros too, and a zero times an infinite weight or output
    gradient gives it NaN where the definition has no such term.) Huge values stay out: PyTorch's float32 products
    overflow before they are summed, ours are summed exactly when one does."""
    torch = pytest.importorskip("torch")
    dims, x_shape, w_shape, stride, padding, pads, dilation, groups = data.draw(problems(path))
    if any(p != (0, 0) for p in pads):
        padding, pads = 0, [(0, 0)] * dims
        x_shape = x_shape[:2] + tuple(max(L, d * (k - 1) + 1)
                                      for L, k, d in zip(x_shape[2:], w_shape[2:], dilation))
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    out_shape = (x_shape[0], w_shape[0]) + out_spatial(x_shape[2:], w_shape[2:], stride, pads, dilation)
    x, w, b, g = draw_arrays(data, x_shape, w_shape, out_shape, dtype, huge=False)
    ours = run_on_path(path, getattr(F, f"conv{dims}d"), x, w, b, g, stride, padding, dilation, groups, True, True)
    leaves = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    out = getattr(torch.nn.functional, f"conv{dims}d")(*leaves, stride=stride, padding=padding, dilation=dilation,
                                                        groups=groups)
    out.backward(torch.tensor(g))
    theirs = [out.detach().numpy()] + [leaf.grad.numpy() for leaf in leaves]
    for what, mine, reference in zip(("forward", "input gradient", "weight gradient", "bias gradient"), ours, theirs):
        assert_same_specials(mine, reference, dtype, what)

@pytest.mark.parametrize("path,shape", [("winograd", (4, 4)), ("winograd4", (4, 4)), ("direct", (1, 2)),
                                        ("im2col", (3, 3)),
                                        ("exact", (2, 2))])
@pytest.mark.parametrize("bias", [None, 0.0, -0.0])
def test_a_sum_of_zeros_is_positive_zero(path, shape, bias):
    """All -0.0 inputs and output gradients, so that every term is -0.0, give +0.0 (as PyTorch does without a bias):
    every sum starts from +0.0 and the bias is added last, so a bias of -0.0 gives +0.0 too (PyTorch gives -0.0
    there when no padding is involved)."""
    c_in, c_out = shape
    x = np.full((2, c_in, 5, 5), -0.0, np.float32)
    w = np.ones((c_out, c_in, 3, 3), np.float32)
    b = None if bias is None else np.full(c_out, bias, np.float32)
    for padding in (0, 1):
        out, grad_x, grad_w, _ = run_on_path(path, F.conv2d, x, w, b,
                                             np.full((2, c_out, 3 + 2 * padding, 3 + 2 * padding), -0.0, np.float32),
                                             1, padding, 1, 1, True, True)
        for result in (out, grad_x, grad_w):
            assert (result == 0).all() and not np.signbit(result).any()

@pytest.mark.parametrize("path", PATHS)
def test_inf_and_nan_reach_only_what_the_definition_says(path):
    """One inf in x gives +-inf (not NaN) at every output that reads it; a huge input overflows to inf; a NaN in x
    reaches only the weight taps that read it; an inf weight at a tap that only ever reads padding changes no output
    and no input gradient there."""
    rng = np.random.default_rng(0)
    c = 4 if path != "direct" else 2
    x = rng.standard_normal((1, c, 8, 8)).astype(np.float32)
    w = np.abs(rng.standard_normal((c, c, 3, 3))).astype(np.float32) + 0.5
    b = np.zeros(c, np.float32)
    g = np.ones((1, c, 6, 6), np.float32)
    x[0, 0, 3, 3] = np.inf
    out = run_on_path(path, F.conv2d, x, w, b, g, 1, 0, 1, 1, True, True)[0]
    assert np.isnan(out).sum() == 0 and (out == np.inf).sum() == c * 9
    out = run_on_path(path, F.conv2d, np.full_like(x, 3e38), w, b, g, 1, 0, 1, 1, True, True)[0]
    assert (out == np.inf).all()
    x[0, 0, 3, 3] = 1
    x[0, 0, 0, 3] = np.nan   # read by outputs (0, 1..3) through the taps of kernel row 0 only
    grad_w = run_on_path(path, F.conv2d, x, w, b, g, 1, 0, 1, 1, True, True)[2]
    assert np.isnan(grad_w[:, 0, 0]).all() and not np.isnan(grad_w[:, 0, 1:]).any() and \
        not np.isnan(grad_w[:, 1:]).any()
    x[0, 0, 0, 3] = 1
    w[0, 0, 0, 0] = np.inf   # with padding 1, tap (0, 0) of the top row and left column reads only padding
    out, grad_x, _, _ = run_on_path(path, F.conv2d, x, w, b, np.ones((1, c, 8, 8), np.float32), 1, 1, 1, 1,
                                    True, False)
    assert np.isfinite(out[0, 0, 0]).all() and np.isfinite(out[0, 0, :, 0]).all() and np.isinf(out[0, 0, 1:, 1:]).all()
    assert not np.isnan(grad_x).any() and np.isinf(grad_x[0, 0, :7, :7]).all() and np.isfinite(grad_x[0, 0, 7]).all()

@pytest.mark.parametrize("path", ["im2col", "exact"])
def test_an_inf_weight_in_conv3d_leaves_the_input_gradient_finite_where_it_reads_nothing(path):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 2, 5, 5, 5)), rng.standard_normal((2, 2, 3, 3, 3))
    w[0, 0, 0, 0, 0] = np.inf
    for padding in (0, 1):
        out_size = 3 + 2 * padding
        grad_x = run_on_path(path, F.conv3d, x, w, np.zeros(2), np.ones((1, 2) + (out_size,) * 3), 1, padding, 1, 1,
                             True, True)[1]
        assert not np.isnan(grad_x).any()
        reached = np.zeros(x.shape, bool)   # x[0, 0, d, h, w] is read through tap (0, 0, 0) by output (d, h, w) + pad
        reached[0, 0, :out_size - padding, :out_size - padding, :out_size - padding] = True
        np.testing.assert_array_equal(np.isinf(grad_x), reached)
