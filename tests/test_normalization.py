"""Batch, layer, group and instance norm against a naive reference (statistics of each group from the definition),
with special values, finite-difference gradients, the bad-input table, running statistics, modules, CUDA agreement
and PyTorch as an extra oracle."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_pool as tp
import tinygrad_pool.nn as nn
import tinygrad_pool.nn.functional as F
from tinygrad_pool import Tensor, gradcheck
from conftest import assert_bad_input, examples

KINDS = ("batch", "group", "instance", "layer")

# --- the naive reference ----------------------------------------------------------------------------------------
def statistic_blocks(kind, shape, groups=1, normalized_dims=1):
    """The index of each statistic's elements in an array of `shape`."""
    if kind == "batch":
        return [(slice(None), c) for c in range(shape[1])]
    if kind == "layer":
        return list(np.ndindex(*shape[:len(shape) - normalized_dims]))
    groups = shape[1] if kind == "instance" else groups
    size = shape[1] // groups
    return [(n, slice(g * size, (g + 1) * size)) for n in range(shape[0]) for g in range(groups)]

def affine_shape(kind, shape, normalized_dims=1):
    """The shape that weight and bias broadcast from: per channel, or layer norm's trailing dims."""
    if kind == "layer":
        return shape[len(shape) - normalized_dims:]
    return (1, shape[1]) + (1,) * (len(shape) - 2)

def moments(block):
    """Mean and biased variance by plain loops in float64."""
    values = [float(v) for v in block.flat]
    if not values:
        return math.nan, math.nan
    mean = sum(values) / len(values)
    return mean, sum((v - mean) ** 2 for v in values) / len(values)

def naive_norm(x, blocks, eps, statistics=None):
    """Each block normalised by its own mean and variance (or by statistics[i] for block i)."""
    out = np.empty(x.shape)
    with np.errstate(all="ignore"):
        for i, index in enumerate(blocks):
            mean, var = moments(x[index]) if statistics is None else statistics[i]
            out[index] = (x[index].astype(np.float64) - mean) / np.sqrt(np.float64(var + eps))
    return out

def naive_forward(kind, x, w, b, eps, **layout):
    blocks = statistic_blocks(kind, x.shape, **layout)
    out = naive_norm(x, blocks, eps)
    shape = affine_shape(kind, x.shape, layout.get("normalized_dims", 1))
    if w is not None:
        out = out * w.reshape(shape)
    return out if b is None else out + b.reshape(shape)

def naive_backward(kind, x, g, w, eps, **layout):
    """(grad_x, grad_w, grad_b) of naive_forward, from the closed form for each block."""
    blocks = statistic_blocks(kind, x.shape, **layout)
    shape = affine_shape(kind, x.shape, layout.get("normalized_dims", 1))
    x_hat = naive_norm(x, blocks, eps)
    gy = g * (1.0 if w is None else w.reshape(shape))
    grad_x = np.empty(x.shape)
    for index in blocks:
        rstd = 1 / math.sqrt(moments(x[index])[1] + eps)
        grad_x[index] = rstd * (gy[index] - gy[index].mean() - x_hat[index] * (gy[index] * x_hat[index]).mean())
    axes = tuple(range(x.ndim - len(shape))) if kind == "layer" else (0,) + tuple(range(2, x.ndim))
    return grad_x, (g * x_hat).sum(axes), g.sum(axes)

def ours(kind, x, w, b, eps, groups=1, normalized_dims=1):
    """The op of `kind` with batch statistics."""
    if kind == "batch":
        return F.batch_norm(x, None, None, w, b, training=True, eps=eps)
    if kind == "instance":
        return F.instance_norm(x, weight=w, bias=b, eps=eps)
    if kind == "group":
        return F.group_norm(x, groups, w, b, eps)
    return F.layer_norm(x, x.shape[x.ndim - normalized_dims:], w, b, eps)

@st.composite
def norm_case(draw, max_size=4):
    """(kind, shape, layout, affine, eps) for inputs that every norm accepts in training."""
    kind = draw(st.sampled_from(KINDS))
    channels = draw(st.sampled_from([1, 2, 4, 6]))
    spatial = tuple(draw(st.integers(1, max_size)) for _ in range(draw(st.integers(0 if kind != "instance" else 1,
                                                                                     2))))
    shape = (draw(st.integers(1, 3)), channels) + spatial
    layout = {}
    if kind == "group":
        layout["groups"] = draw(st.sampled_from([g for g in (1, 2, 3, 6) if channels % g == 0]))
    if kind == "layer":
        layout["normalized_dims"] = draw(st.integers(1, len(shape)))
    per_channel = {"batch": shape[0], "group": shape[0] * channels // layout.get("groups", 1), "instance": 1}
    if per_channel.get(kind, 2) * math.prod(spatial) == 1:   # a case the op rejects in training
        shape = shape + (2,)
    return kind, shape, layout, draw(st.booleans()), draw(st.sampled_from([1e-5, 0.1, 1.0]))

def arrays(rng, kind, shape, layout, affine, dtype):
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    size = affine_shape(kind, shape, layout.get("normalized_dims", 1))
    w, b = ((rng.standard_normal(size if kind == "layer" else shape[1]).astype(dtype) for _ in range(2)) if affine
            else (None, None))
    return x, w, b

def tensor(a, device, requires_grad=False):
    return None if a is None else Tensor(a, device=device, requires_grad=requires_grad)

def tolerance(dtype, scale=1.0):
    return dict(rtol=1e-4, atol=1e-4 * scale) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-9 * scale)

# --- forward and backward against the reference -----------------------------------------------------------------
@examples(80, cudasim=4)
@given(case=norm_case(), dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 1000),
       special=st.sampled_from([None, np.nan, np.inf, -np.inf]))
def test_forward_matches_the_reference(device, case, dtype, seed, special):
    kind, shape, layout, affine, eps = case
    rng = np.random.default_rng(seed)
    x, w, b = arrays(rng, kind, shape, layout, affine, dtype)
    if special is not None:   # one special value: its group turns NaN, the others stay as they are
        x.flat[rng.integers(x.size)] = special
    out = ours(kind, tensor(x, device), tensor(w, device), tensor(b, device), eps, **layout)
    assert out.dtype == dtype and out.shape == shape
    expected = naive_forward(kind, x, w, b, eps, **layout)
    np.testing.assert_allclose(out.numpy(), expected, **tolerance(dtype, 1 + (0 if w is None else np.abs(w).max())))

@examples(60, cudasim=4)
@given(case=norm_case(), dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 1000))
def test_backward_matches_the_reference(device, case, dtype, seed):
    kind, shape, layout, affine, eps = case
    rng = np.random.default_rng(seed)
    x, w, b = arrays(rng, kind, shape, layout, affine, dtype)
    g = rng.standard_normal(shape).astype(dtype)
    tx, tw, tb = (tensor(a, device, requires_grad=True) for a in (x, w, b))
    ours(kind, tx, tw, tb, eps, **layout).backward(Tensor(g, device=device))
    grad_x, grad_w, grad_b = naive_backward(kind, x, g, w, eps, **layout)
    scale = 1 + np.abs(g).sum() / max(1, x.size) * (1 if w is None else 1 + np.abs(w).max())
    np.testing.assert_allclose(tx.grad.numpy(), grad_x, **tolerance(dtype, 10 * scale))
    if affine:
        assert tw.grad.dtype == dtype and tw.grad.shape == w.shape
        np.testing.assert_allclose(tw.grad.numpy(), grad_w, **tolerance(dtype, 10 * x.size))
        np.testing.assert_allclose(tb.grad.numpy(), grad_b, **tolerance(dtype, 10 * x.size))

@pytest.mark.parametrize("kind", KINDS)
def test_a_constant_group_normalises_to_exactly_zero(device, kind):
    x = np.random.default_rng(1).standard_normal((2, 4, 3)).astype(np.float32)
    bias = np.array([0.5, -0.0, 2.0, 3.0], np.float32)
    if kind == "batch":   # channel 1 is constant over the batch
        x[:, 1] = -7.25
        out = F.batch_norm(tensor(x, device), None, None, None, tensor(bias, device), training=True).numpy()
        assert (out[:, 1] == bias[1]).all()
    elif kind == "layer":   # sample 0 is constant
        x[0] = 0.1
        assert (F.layer_norm(tensor(x, device), (4, 3)).numpy()[0] == 0).all()
    else:
        x[0] = 0.1
        out = ours(kind, tensor(x, device), None, tensor(bias, device), 1e-5, groups=2).numpy()
        assert (out[0] == bias[:, None]).all()

def test_eps_zero_and_a_constant_group_give_nan_as_in_pytorch():
    out = F.group_norm(tp.ones(1, 2, 3), 2, eps=0.0).numpy()
    assert np.isnan(out).all()

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_statistics_stay_accurate_far_from_zero(dtype):
    """A large offset and a small spread: the chunked two-pass moments keep the variance."""
    rng = np.random.default_rng(0)
    x = 1e4 + rng.standard_normal((2, 3, 5000))
    expected = naive_forward("layer", x.astype(dtype), None, None, 1e-5, normalized_dims=2)
    out = F.layer_norm(Tensor(x.astype(dtype)), (3, 5000)).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-3 if dtype == np.float32 else 1e-9, atol=1e-3 if dtype ==
                               np.float32 else 1e-9)

@pytest.mark.parametrize("kind", KINDS)
def test_long_runs_far_from_zero_keep_both_passes_accurate(device, kind):
    """Runs of several CHUNKs in float32, with a mean far from zero: the forward's chunk moments and the backward's
    chunk sums of g and g * (x - mean) run in float32 around the mean and stay within float32's rounding."""
    rng = np.random.default_rng(12)
    layout = {"groups": 2} if kind == "group" else {"normalized_dims": 2} if kind == "layer" else {}
    shape = (3, 4, 2500)
    x = 1e4 + rng.standard_normal(shape)
    w, b = (rng.standard_normal((4, 2500) if kind == "layer" else 4) for _ in range(2))
    g = rng.standard_normal(shape)
    tx, tw, tb = (tensor(a.astype(np.float32), device, True) for a in (x, w, b))
    out = ours(kind, tx, tw, tb, 1e-5, **layout)
    x32 = x.astype(np.float32).astype(np.float64)   # the reference sees the same rounded input
    np.testing.assert_allclose(out.numpy(), naive_forward(kind, x32, w.astype(np.float32), b.astype(np.float32),
                                                          1e-5, **layout), rtol=1e-4, atol=1e-4 * np.abs(w).max())
    out.backward(Tensor(g.astype(np.float32), device=device))
    grad_x, grad_w, grad_b = naive_backward(kind, x32, g.astype(np.float32), w.astype(np.float32), 1e-5, **layout)
    np.testing.assert_allclose(tx.grad.numpy(), grad_x, rtol=1e-3, atol=1e-4 * np.abs(grad_x).max())
    np.testing.assert_allclose(tw.grad.numpy(), grad_w, rtol=1e-3, atol=1e-4 * np.abs(grad_w).max())
    np.testing.assert_allclose(tb.grad.numpy(), grad_b, rtol=1e-3, atol=1e-4 * np.abs(grad_b).max())

def test_empty_batches_give_empty_outputs_and_keep_the_running_statistics():
    mean, var = tp.zeros(4), tp.ones(4)
    for out in (F.layer_norm(tp.ones(0, 3), (3,)), F.group_norm(tp.ones(0, 4, 2), 2),
                F.instance_norm(tp.ones(0, 4, 2), mean, var), F.batch_norm(tp.ones(0, 4), mean, var, training=True)):
        assert out.shape[0] == 0
    assert mean.tolist() == [0.0] * 4 and var.tolist() == [1.0] * 4

# --- finite differences ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_gradients_by_finite_differences(device, kind):
    rng = np.random.default_rng(KINDS.index(kind))
    shape, layout = (2, 4, 3), ({"groups": 2} if kind == "group" else {"normalized_dims": 2} if kind == "layer"
                                else {})
    x, w, b = arrays(rng, kind, shape, layout, True, np.float64)
    gradcheck(lambda x, w, b: ours(kind, x, w, b, 1e-5, **layout), tuple(tensor(a, device, True) for a in (x, w, b)))

def test_gradients_with_running_statistics_by_finite_differences(device):
    rng = np.random.default_rng(7)
    x, w, b = (Tensor(a, device=device, requires_grad=True) for a in (rng.standard_normal((3, 2, 4)),
                                                                       rng.standard_normal(2), rng.standard_normal(2)))
    mean, var = Tensor(rng.standard_normal(2), device=device), Tensor(rng.random(2) + 0.5, device=device)
    gradcheck(lambda x, w, b: F.batch_norm(x, mean, var, w, b, training=False), (x, w, b))
    gradcheck(lambda x, w, b: F.instance_norm(x, mean, var, w, b, use_input_stats=False), (x, w, b))

def test_gradients_without_weight_by_finite_differences(device):
    rng = np.random.default_rng(8)
    x = Tensor(rng.standard_normal((2, 4, 2)), device=device, requires_grad=True)
    gradcheck(lambda x: F.group_norm(x, 2), (x,))
    gradcheck(lambda x: F.layer_norm(x, (4, 2)), (x,))
    bias = Tensor(rng.standard_normal((4, 2)), device=device, requires_grad=True)
    gradcheck(lambda x, b: F.layer_norm(x, (4, 2), None, b), (x, bias))

# --- running statistics ----------------------------------------------------------------------------------------
def test_batch_norm_running_statistics_follow_the_definition(device):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((4, 3, 5))
    mean, var = Tensor(np.ones(3), device=device), Tensor(np.full(3, 2.0), device=device)
    F.batch_norm(Tensor(x, device=device), mean, var, training=True, momentum=0.25)
    np.testing.assert_allclose(mean.numpy(), 0.75 + 0.25 * x.mean((0, 2)), rtol=1e-12)
    np.testing.assert_allclose(var.numpy(), 1.5 + 0.25 * x.var((0, 2), ddof=1), rtol=1e-12)

@pytest.mark.parametrize("values, positions, total", [
    ((np.inf,), (2500,), np.inf), ((-np.inf,), (2500,), -np.inf), ((np.nan,), (2500,), np.nan),
    ((np.inf, -np.inf), (2500, 5000), np.nan), ((3e38, 3e38), (2500, 2501), 6e38)])
@pytest.mark.filterwarnings("ignore:overflow encountered in cast")   # the variance, 1e73, is inf in float32
def test_batch_norm_running_mean_with_special_values_is_pytorchs(device, values, positions, total):
    """The batch mean is the sum's: +-inf where one is (in any chunk), NaN for a NaN or for +inf with -inf (here in
    two chunks); finite values whose float32 sum overflows in one chunk are summed again in float64. The variance
    is NaN with an inf or NaN."""
    x = np.zeros((2, 1, 3 * 2048), np.float32)   # three chunks per sample
    for value, position in zip(values, positions):
        x[1, 0, position] = value
    running_mean, running_var = Tensor(np.zeros(1, np.float32), device=device), Tensor(np.ones(1, np.float32),
                                                                                      device=device)
    F.batch_norm(Tensor(x, device=device), running_mean, running_var, training=True, momentum=1.0)
    np.testing.assert_allclose(running_mean.numpy(), [np.float32(total / x.size)], rtol=1e-6)
    if not np.isfinite(total):
        assert np.isnan(running_var.numpy()).all()

def test_instance_norm_running_statistics_average_the_samples(device):
    rng = np.random.default_rng(10)
    x = rng.standard_normal((4, 3, 5))
    mean, var = Tensor(np.zeros(3), device=device), Tensor(np.ones(3), device=device)
    F.instance_norm(Tensor(x, device=device), mean, var, momentum=0.5)
    np.testing.assert_allclose(mean.numpy(), 0.5 * x.mean(2).mean(0), rtol=1e-12)
    np.testing.assert_allclose(var.numpy(), 0.5 + 0.5 * x.var(2, ddof=1).mean(0), rtol=1e-12)
    out = F.instance_norm(Tensor(x, device=device), mean, var, use_input_stats=False).numpy()
    expected = (x - mean.numpy()[:, None]) / np.sqrt(var.numpy()[:, None] + 1e-5)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)

def test_batchnorm_momentum_none_is_a_cumulative_average():
    rng = np.random.default_rng(11)
    layer, batches = nn.BatchNorm1d(2, momentum=None), [rng.standard_normal((5, 2)).astype(np.float32)
                                                        for _ in range(3)]
    for x in batches:
        layer(Tensor(x))
    np.testing.assert_allclose(layer.running_mean.numpy(), np.mean([x.mean(0) for x in batches], 0), rtol=1e-5,
                               atol=1e-6)
    assert int(layer.num_batches_tracked.item()) == 3

# --- modules ---------------------------------------------------------------------------------------------------
def test_module_parameters_buffers_and_state_dict_keys():
    assert list(nn.LayerNorm((2, 3)).state_dict()) == ["weight", "bias"]
    assert nn.LayerNorm(3).weight.shape == (3,) and nn.LayerNorm([2, 3]).normalized_shape == (2, 3)
    assert list(nn.LayerNorm(3, bias=False).state_dict()) == ["weight"]
    assert list(nn.LayerNorm(3, elementwise_affine=False).state_dict()) == []
    assert list(nn.GroupNorm(2, 4).state_dict()) == ["weight", "bias"]
    assert list(nn.GroupNorm(2, 4, affine=False).state_dict()) == []
    assert list(nn.InstanceNorm2d(3).state_dict()) == []
    assert list(nn.InstanceNorm2d(3, affine=True, track_running_stats=True).state_dict()) == [
        "weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert repr(nn.GroupNorm(2, 4)) == "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"
    assert repr(nn.LayerNorm((2, 3))) == "LayerNorm((2, 3), eps=1e-05, elementwise_affine=True, bias=True)"

def test_instance_norm_takes_unbatched_inputs_and_warns_on_unused_num_features():
    x = np.random.default_rng(12).standard_normal((3, 4, 5)).astype(np.float32)
    layer = nn.InstanceNorm2d(3)
    np.testing.assert_allclose(layer(Tensor(x)).numpy(), layer(Tensor(x[None])).numpy()[0], rtol=1e-6)
    with pytest.warns(UserWarning, match="num_features"):
        nn.InstanceNorm1d(2)(Tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.InstanceNorm1d(4)(Tensor(x))

def test_modules_move_to_cuda_and_agree(device):
    rng = np.random.default_rng(13)
    x = rng.standard_normal((2, 4, 3, 3)).astype(np.float32)
    for make in (lambda: nn.LayerNorm((3, 3)), lambda: nn.GroupNorm(2, 4), lambda: nn.BatchNorm2d(4),
                 lambda: nn.InstanceNorm2d(4, affine=True, track_running_stats=True)):
        cpu, moved = make(), make().to(device)
        for _ in range(2):
            np.testing.assert_allclose(moved(Tensor(x, device=device)).numpy(), cpu(Tensor(x)).numpy(), rtol=1e-5,
                                       atol=1e-5)
        for name, value in cpu.state_dict().items():
            np.testing.assert_allclose(moved.state_dict()[name].numpy(), value.numpy(), rtol=1e-5, atol=1e-6)

# --- bad inputs --------------------------------------------------------------------------------------------------
x23, x263 = tp.ones(2, 3), tp.ones(2, 6, 3)
BAD_INPUTS = {
    "layer_norm with a wrong normalized_shape": (lambda: F.layer_norm(x23, (4,)), ValueError,
                                                 "normalized_shape=(4,) expects an input of shape (*, 4)"),
    "layer_norm with a longer normalized_shape": (lambda: F.layer_norm(x23, (1, 2, 3)), ValueError,
                                                  "expects an input of shape (*, 1, 2, 3)"),
    "layer_norm with an int normalized_shape": (lambda: F.layer_norm(x23, 3), TypeError,
                                                "normalized_shape must be a tuple or list of ints, got 3"),
    "layer_norm with an empty normalized_shape": (lambda: F.layer_norm(x23, ()), ValueError, "at least one entry"),
    "layer_norm with a wrong weight": (lambda: F.layer_norm(x23, (3,), tp.ones(2)), ValueError,
                                       "weight must have shape (3,) for input (2, 3), got (2,)"),
    "layer_norm with a wrong bias": (lambda: F.layer_norm(x23, (3,), None, tp.ones(3, 1)), ValueError,
                                     "bias must have shape (3,)"),
    "layer_norm of int64": (lambda: F.layer_norm(tp.tensor([[1, 2]]), (2,)), TypeError,
                            "layer_norm: input must be float32 or float64, got int64"),
    "layer_norm with a float64 weight": (lambda: F.layer_norm(x23, (3,), tp.ones(3, dtype=tp.float64)), TypeError,
                                         "weight must have the input's dtype float32, got float64"),
    "layer_norm with a list weight": (lambda: F.layer_norm(x23, (3,), [1.0, 1.0, 1.0]), TypeError,
                                      "weight must be a Tensor"),
    "layer_norm with a negative eps": (lambda: F.layer_norm(x23, (3,), eps=-1), ValueError,
                                       "eps=-1 must be at least 0"),
    "group_norm with groups not dividing channels": (lambda: F.group_norm(x263, 4), ValueError,
                                                     "num_groups=4 must divide the 6 channels"),
    "group_norm with 0 groups": (lambda: F.group_norm(x263, 0), ValueError, "num_groups=0 must be at least 1"),
    "group_norm with a float num_groups": (lambda: F.group_norm(x263, 2.0), TypeError, "num_groups must be an int"),
    "group_norm of a 1-d input": (lambda: F.group_norm(tp.ones(4), 1), ValueError, "at least 2 dims"),
    "group_norm with a wrong weight": (lambda: F.group_norm(x263, 3, tp.ones(5)), ValueError,
                                       "weight must have shape (6,)"),
    "group_norm of one value": (lambda: F.group_norm(tp.ones(1, 2, 1), 2), ValueError, "more than 1 value per group"),
    "group_norm of int64": (lambda: F.group_norm(tp.tensor([[1, 2]]), 1), TypeError,
                                        "group_norm: input must be float32 or float64"),
    "instance_norm of one spatial element": (lambda: F.instance_norm(tp.ones(2, 3, 1)), ValueError,
                                             "more than 1 spatial element"),
    "instance_norm without statistics": (lambda: F.instance_norm(x263, use_input_stats=False), ValueError,
                                         "running_mean and running_var are needed"),
    "instance_norm with a wrong running_mean": (lambda: F.instance_norm(x263, tp.zeros(4), tp.ones(6)),
                                                ValueError, "running_mean must have shape (6,)"),
    "instance_norm with use_input_stats a string": (lambda: F.instance_norm(x263, use_input_stats="yes"),
                                                    TypeError, "use_input_stats must be True or False"),
    "batch_norm of one value per channel": (lambda: F.batch_norm(tp.ones(1, 3), None, None, training=True),
                                            ValueError, "more than 1 value per channel"),
    "batch_norm of int64": (lambda: F.batch_norm(tp.tensor([[1, 2]]), None, None, training=True), TypeError,
                            "batch_norm: input must be float32 or float64"),
    "batch_norm with float64 statistics": (lambda: F.batch_norm(x23, tp.zeros(3, dtype=tp.float64), tp.ones(3)),
                                           TypeError, "running_mean must have the input's dtype float32"),
    "batch_norm with momentum None": (lambda: F.batch_norm(x23, None, None, training=True, momentum=None),
                                      TypeError, "momentum must be a number"),
    "LayerNorm of a string shape": (lambda: nn.LayerNorm("3"), TypeError, "normalized_shape must be an int"),
    "LayerNorm of a negative size": (lambda: nn.LayerNorm(-1), ValueError, "must be at least 0"),
    "GroupNorm with groups not dividing channels": (lambda: nn.GroupNorm(3, 4), ValueError,
                                                    "num_channels=4 must be divisible by num_groups=3"),
    "InstanceNorm2d of a 2-d input": (lambda: nn.InstanceNorm2d(3)(tp.ones(4, 5)), ValueError,
                                      "expected a 3-d (C, *spatial) or 4-d (N, C, *spatial) input"),
    "affine InstanceNorm1d with other channels": (lambda: nn.InstanceNorm1d(3, affine=True)(tp.ones(2, 4, 5)),
                                                  ValueError, "expects 3 channels in dim 1"),
}

@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_inputs(case):
    assert_bad_input(case, BAD_INPUTS)

# --- PyTorch as an extra oracle --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")

@pytest.mark.parametrize("kind", KINDS)
def test_functions_match_pytorch(torch, kind):
    rng = np.random.default_rng(14)
    shape, layout = (3, 6, 4, 5), ({"groups": 3} if kind == "group" else {"normalized_dims": 3} if kind == "layer"
                                   else {})
    x, w, b = arrays(rng, kind, shape, layout, True, np.float64)
    g = rng.standard_normal(shape)
    tx, tw, tb = (Tensor(a, requires_grad=True) for a in (x, w, b))
    ours(kind, tx, tw, tb, 1e-3, **layout).backward(Tensor(g))
    px, pw, pb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    TF = torch.nn.functional
    calls = {"batch": lambda: TF.batch_norm(px, None, None, pw, pb, training=True, eps=1e-3),
             "instance": lambda: TF.instance_norm(px, weight=pw, bias=pb, eps=1e-3),
             "group": lambda: TF.group_norm(px, 3, pw, pb, eps=1e-3),
             "layer": lambda: TF.layer_norm(px, shape[1:], pw, pb, eps=1e-3)}
    expected = calls[kind]()
    expected.backward(torch.tensor(g))
    for a, e in ((ours(kind, tx, tw, tb, 1e-3, **layout), expected), (tx.grad, px.grad), (tw.grad, pw.grad),
                 (tb.grad, pb.grad)):
        np.testing.assert_allclose(a.numpy(), e.detach().numpy(), rtol=1e-10, atol=1e-10)

@pytest.mark.parametrize("name, args, shape", [
    ("LayerNorm", ((4, 5),), (3, 6, 4, 5)), ("LayerNorm", (5,), (3, 5)), ("GroupNorm", (3, 6), (3, 6, 4, 5)),
    ("GroupNorm", (2, 6), (3, 6)), ("InstanceNorm1d", (6,), (6, 7)), ("InstanceNorm2d", (6,), (3, 6, 4, 5)),
    ("InstanceNorm3d", (6,), (2, 6, 2, 3, 4)), ("BatchNorm1d", (6,), (3, 6)), ("BatchNorm3d", (6,), (2, 6, 2, 3, 4))])
@pytest.mark.parametrize("options", [{}, {"affine": True, "track_running_stats": True},
                                     {"momentum": None, "track_running_stats": True}, {"eps": 0.1}])
def test_modules_match_pytorch_over_training_and_evaluation(torch, name, args, shape, options):
    keywords = {key: value for key, value in options.items()
                if name.startswith(("Instance", "Batch")) or key == "eps"}
    ours_module, theirs = getattr(nn, name)(*args, **keywords), getattr(torch.nn, name)(*args, **keywords)
    rng = np.random.default_rng(15)
    for step in range(4):
        if step == 3:
            ours_module.eval(), theirs.eval()
        x = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
        tx, px = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, expected = ours_module(tx), theirs(px)
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-4, atol=1e-5)
        g = rng.standard_normal(shape).astype(np.float32)
        out.backward(Tensor(g)), expected.backward(torch.tensor(g))
        np.testing.assert_allclose(tx.grad.numpy(), px.grad.numpy(), rtol=1e-3, atol=1e-4)
        for (key, value), (their_key, their_value) in zip(ours_module.state_dict().items(),
                                                          theirs.state_dict().items()):
            assert key == their_key
            np.testing.assert_allclose(value.numpy(), their_value.numpy(), rtol=1e-4, atol=1e-5)
        assert len(ours_module.state_dict()) == len(theirs.state_dict())
