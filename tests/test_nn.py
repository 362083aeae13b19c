"""nn layers, containers and Module state: values against numpy formulas and plain loops, gradients by finite
differences, state_dict round trips and their errors, the parameter containers, DataParallel, Buffer, the lazy
modules, the composite ops (bilinear, local_response_norm, channel_shuffle, rms_norm) and PyTorch's alias names,
with PyTorch as an extra oracle where installed."""
import collections
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F
from tinygrad_pool import Tensor, nn
from conftest import assert_bad_input, examples, tolerance

def test_linear_matches_formula_and_pytorch_init_bounds(device):
    tp.manual_seed(0)
    layer = nn.Linear(20, 5).to(device)
    bound = 1 / np.sqrt(20)
    for p in (layer.weight, layer.bias):
        assert p.dtype == np.float32 and p.device == device and np.abs(p.numpy()).max() <= bound
    x = np.random.default_rng(1).standard_normal((3, 20)).astype(np.float32)
    expected = x @ layer.weight.numpy().T + layer.bias.numpy()
    np.testing.assert_allclose(layer(Tensor(x, device=device)).numpy(), expected, **tolerance(np.float32))
    assert repr(layer) == "Linear(in_features=20, out_features=5, bias=True)"

@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradients_by_finite_differences(device, bias):
    rng = np.random.default_rng(2)
    x, w, b = (Tensor(rng.standard_normal(s), device=device, requires_grad=True) for s in ((4, 3), (2, 3), (2,)))
    tp.gradcheck(lambda x, w, b: F.linear(x, w, b if bias else None), (x, w, b))

def test_linear_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"\(2, 4\).*\(3, 5\)"):
        F.linear(Tensor(np.ones((2, 4), np.float32)), Tensor(np.ones((3, 5), np.float32)))

def test_sequential_runs_its_modules_in_order_and_indexes_like_a_list():
    tp.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(3, 2))
    assert len(model) == 4 and isinstance(model[1], nn.ReLU) and [type(m) for m in model][3] is nn.Linear
    x = Tensor(np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32))
    np.testing.assert_allclose(model(x).numpy(), model[3](model[1](model[0](x))).numpy())
    assert "(1): ReLU()" in repr(model) and "(2): Flatten(start_dim=1, end_dim=-1)" in repr(model)
    with pytest.raises(TypeError, match="argument 1 is a int"):
        nn.Sequential(nn.ReLU(), 3)

def test_relu_keeps_nan_and_zeroes_negatives(device):
    x = Tensor(np.array([np.nan, -1.0, 2.0, -np.inf, np.inf, 0.0], np.float32), device=device, requires_grad=True)
    y = nn.ReLU()(x)
    np.testing.assert_array_equal(y.numpy(), [np.nan, 0, 2, 0, np.inf, 0])
    y.sum().backward()
    # The gradient is masked where the output is <= 0, so NaN lets it through, as in PyTorch.
    np.testing.assert_array_equal(x.grad.numpy(), [1, 0, 1, 0, 1, 0])

def test_dropout_scales_kept_values_and_is_off_in_eval(device):
    tp.manual_seed(3)
    layer = nn.Dropout(0.25)
    x = Tensor(np.ones((200, 200), np.float32), device=device, requires_grad=True)
    y = layer(x)
    kept = y.numpy() != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.75)
    y.backward(tp.ones(200, 200, device=device))
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())       # the same mask, recomputed from the key
    layer.eval()
    assert layer(x) is x
    assert repr(layer) == "Dropout(p=0.25, inplace=False)"

def test_dropout_gradient_by_finite_differences(device):
    from tinygrad_pool.ops.activation import Dropout   # a fixed key: every evaluation draws the same mask
    x = Tensor(np.random.default_rng(8).standard_normal((4, 5)), device=device, requires_grad=True)
    tp.gradcheck(lambda x: Dropout.apply(x, 0.4, 12345), (x,))

def test_dropout_is_reproducible_under_manual_seed():
    x = Tensor(np.ones(1000, np.float32))
    tp.manual_seed(7)
    first = F.dropout(x, 0.5).numpy()
    tp.manual_seed(7)
    np.testing.assert_array_equal(F.dropout(x, 0.5).numpy(), first)
    assert not np.array_equal(F.dropout(x, 0.5).numpy(), first)

@pytest.mark.cuda
def test_dropout_masks_agree_across_devices():
    from conftest import CUDA
    if not CUDA:
        pytest.skip("no CUDA (set NUMBA_ENABLE_CUDASIM=1)")
    x = np.random.default_rng(0).standard_normal(300).astype(np.float32)
    tp.manual_seed(5)
    on_cpu = F.dropout(Tensor(x), 0.3).numpy()
    tp.manual_seed(5)
    np.testing.assert_allclose(F.dropout(Tensor(x, device="cuda"), 0.3).numpy(), on_cpu, rtol=1e-6)

@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_rejects_probabilities_outside_0_1(p):
    with pytest.raises(ValueError, match=f"p={p}"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match=f"p={p}"):
        F.dropout(Tensor(np.ones(3, np.float32)), p)

def batch_norm_reference(x, mean, var, weight, bias, eps):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * weight.reshape(shape) + bias.reshape(shape)

def test_batchnorm2d_train_and_eval_follow_the_formulas(device):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((6, 3, 4, 5)).astype(np.float32) * 3 + 1
    layer = nn.BatchNorm2d(3, momentum=0.2).to(device)
    layer.weight.data = tp.tensor([1.0, 2.0, 0.5], device=device)
    out = layer(Tensor(x, device=device)).numpy()
    mean, var = x.mean((0, 2, 3)), x.var((0, 2, 3))
    np.testing.assert_allclose(out, batch_norm_reference(x, mean, var, np.array([1, 2, 0.5]), np.zeros(3), 1e-5),
                               rtol=1e-4, atol=1e-5)
    n = x.size // 3
    np.testing.assert_allclose(layer.running_mean.numpy(), 0.2 * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.running_var.numpy(), 0.8 + 0.2 * var * n / (n - 1), rtol=1e-5)
    assert int(layer.num_batches_tracked.item()) == 1
    layer.eval()
    expected = batch_norm_reference(x, layer.running_mean.numpy(), layer.running_var.numpy(),
                                    np.array([1, 2, 0.5]), np.zeros(3), 1e-5)
    np.testing.assert_allclose(layer(Tensor(x, device=device)).numpy(), expected, rtol=1e-4, atol=1e-5)

def test_batch_norm_gradients_by_finite_differences(device):
    rng = np.random.default_rng(5)
    x = Tensor(rng.standard_normal((3, 2, 2, 3)), device=device, requires_grad=True)
    w = Tensor(rng.standard_normal(2), device=device, requires_grad=True)
    b = Tensor(rng.standard_normal(2), device=device, requires_grad=True)
    tp.gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (x, w, b))

def test_batchnorm_rejects_wrong_channel_count_and_single_values():
    with pytest.raises(ValueError, match=r"3 channels.*\(2, 4, 5, 5\)"):
        nn.BatchNorm2d(3)(Tensor(np.ones((2, 4, 5, 5), np.float32)))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm2d(3)(Tensor(np.ones((1, 3, 1, 1), np.float32)))

def test_batchnorm_matches_pytorch_over_several_steps():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    ours, theirs = nn.BatchNorm2d(4), torch.nn.BatchNorm2d(4)
    for _ in range(3):
        x = rng.standard_normal((5, 4, 3, 3)).astype(np.float32)
        np.testing.assert_allclose(ours(Tensor(x)).numpy(), theirs(torch.from_numpy(x)).detach().numpy(),
                                   rtol=1e-4, atol=1e-5)
    for name, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[name].numpy(), value.numpy(), rtol=1e-5, atol=1e-6)

def small_net():
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3))

def test_state_dict_names_and_order_follow_pytorch():
    assert list(small_net().state_dict()) == [
        "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
        "4.weight", "4.bias"]

def test_load_state_dict_round_trips_through_numpy():
    tp.manual_seed(0)
    source, target = small_net(), small_net()
    target.load_state_dict({k: v.numpy() for k, v in source.state_dict().items()})
    x = Tensor(np.random.default_rng(0).standard_normal((2, 1, 4, 4)).astype(np.float32))
    source.eval(), target.eval()
    np.testing.assert_array_equal(source(x).numpy(), target(x).numpy())

def test_load_state_dict_names_missing_unexpected_and_misshaped_keys():
    model = small_net()
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    before = model[0].weight.numpy().copy()
    with pytest.raises(KeyError, match=r"missing keys \['4.bias'\], unexpected keys \['extra'\]"):
        model.load_state_dict({**{k: v for k, v in state.items() if k != "4.bias"}, "extra": np.ones(1)})
    bad = {**state, "0.weight": np.zeros((2, 1, 3, 3)), "4.weight": np.zeros((3, 9))}
    with pytest.raises(ValueError, match=r"4.weight has shape \(3, 9\).*\(3, 8\)"):
        model.load_state_dict(bad)
    np.testing.assert_array_equal(model[0].weight.numpy(), before)     # nothing changed
    missing, unexpected = model.load_state_dict({"extra": np.ones(1)}, strict=False)
    assert "0.weight" in missing and unexpected == ["extra"]

def test_module_to_moves_parameters_and_buffers(device):
    model = small_net().to(device)
    assert {t.device for t in [*model.parameters(), *model.buffers()]} == {device}
    out = model(Tensor(np.ones((2, 1, 4, 4), np.float32), device=device))
    assert out.device == device and out.shape == (2, 3)

def test_train_eval_and_zero_grad_reach_every_child():
    model = small_net()
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    model(Tensor(np.ones((2, 1, 4, 4), np.float32))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())

# --- parameter containers, Sequential's list methods, DataParallel, Buffer ------------------------------------
def _torch_names(text):
    """Our reprs name this library where PyTorch's name torch."""
    return text.replace("tinygrad_pool.", "torch.")

def test_parameter_list_registers_its_entries_as_pytorch_names_them():
    torch = pytest.importorskip("torch")
    ours = nn.ParameterList([nn.Parameter(tp.ones(3)), tp.zeros(2, 3, dtype=tp.float64)])
    theirs = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(3)), torch.zeros(2, 3, dtype=torch.float64)])
    assert isinstance(ours[1], nn.Parameter) and ours[1].requires_grad and ours[1].dtype == np.float64
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["0", "1"]
    assert _torch_names(repr(ours)) == repr(theirs)
    holder, their_holder = nn.Module(), torch.nn.Module()
    holder.weights, their_holder.weights = ours, theirs
    assert [n for n, _ in holder.named_parameters()] == [n for n, _ in their_holder.named_parameters()]
    assert _torch_names(repr(holder)) == repr(their_holder)
    ours.append(tp.ones(1))
    ours.extend([tp.ones(2), tp.ones(4)])
    ours[0] = tp.full((3,), 2.0)
    assert len(ours) == 5 and [p.shape[0] for p in ours] == [3, 2, 1, 2, 4] and ours[0].tolist() == [2.0] * 3
    assert [p.shape for p in ours[1:3]] == [(2, 3), (1,)] and ours[-1].shape == (4,)
    assert repr(nn.ParameterList()) == repr(torch.nn.ParameterList()) == "ParameterList()"

def test_parameter_list_parameters_train_and_load():
    weights = nn.ParameterList([tp.ones(2), tp.ones(3)])
    optimizer = tp.optim.SGD(weights.parameters(), lr=0.5)
    (weights[0].sum() + (weights[1] * 2).sum()).backward()
    optimizer.step()
    assert weights[0].tolist() == [0.5, 0.5] and weights[1].tolist() == [0.0] * 3
    copy = nn.ParameterList([tp.zeros(2), tp.zeros(3)])
    copy.load_state_dict(weights.state_dict())
    assert copy[1].tolist() == [0.0] * 3 and copy[0].tolist() == [0.5, 0.5]

def test_parameter_dict_orders_and_names_its_entries_as_pytorch_does():
    torch = pytest.importorskip("torch")
    ours = nn.ParameterDict({"b": nn.Parameter(tp.ones(3)), "a": tp.zeros(2, 3)})
    theirs = torch.nn.ParameterDict({"b": torch.nn.Parameter(torch.ones(3)), "a": torch.zeros(2, 3)})
    assert list(ours.keys()) == list(theirs.keys()) == ["a", "b"]   # a plain dict's keys, sorted
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert _torch_names(repr(ours)) == repr(theirs)
    ordered = nn.ParameterDict(collections.OrderedDict([("z", tp.ones(1)), ("y", tp.ones(2))]))
    assert list(ordered) == ["z", "y"]
    ordered.update([("x", tp.ones(3))])
    ordered["w"] = tp.ones(4)
    assert list(ordered) == ["z", "y", "x", "w"] and "x" in ordered and len(ordered) == 4
    assert ordered.pop("y").shape == (2,) and list(ordered) == ["z", "x", "w"]
    del ordered["z"]
    assert [n for n, _ in ordered.named_parameters()] == ["x", "w"] and ordered.get("q") is None
    assert ordered.setdefault("v", tp.ones(5)).shape == (5,) and isinstance(ordered["v"], nn.Parameter)
    assert list(ordered.copy()) == list(ordered)
    ordered.clear()
    assert len(ordered) == 0 and list(ordered.parameters()) == []

def test_sequential_takes_names_from_an_ordered_dict_and_keeps_them_in_slices():
    torch = pytest.importorskip("torch")

    def build(library):
        layers = [("conv", library.nn.Conv2d(1, 2, 3)), ("relu", library.nn.ReLU()),
                  ("fc", library.nn.Linear(2, 2))]
        return library.nn.Sequential(collections.OrderedDict(layers))
    ours, theirs = build(tp), build(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["conv.weight", "conv.bias", "fc.weight",
                                                                      "fc.bias"]
    assert repr(ours[1:]) == repr(theirs[1:]) and repr(ours[-1]) == repr(theirs[-1])
    steps = [lambda s, L: s.__delitem__(0), lambda s, L: s.insert(1, L.nn.Tanh()), lambda s, L: s.pop(0),
             lambda s, L: s.extend(L.nn.Sequential(L.nn.ReLU())), lambda s, L: s.append(L.nn.Sigmoid()),
             lambda s, L: s.insert(-1, L.nn.ReLU6()), lambda s, L: s.__setitem__(-1, L.nn.Identity()),
             lambda s, L: s.__delitem__(slice(1, 3))]
    for step in steps:
        step(ours, tp)
        step(theirs, torch)
        assert repr(ours) == repr(theirs)
    assert repr(nn.Sequential(nn.ReLU(), nn.Tanh()) + nn.Sequential(nn.Sigmoid())) == \
        repr(torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Tanh()) + torch.nn.Sequential(torch.nn.Sigmoid()))
    assert repr(nn.Sequential(nn.ReLU()) * 3) == repr(torch.nn.Sequential(torch.nn.ReLU()) * 3)
    grown = nn.Sequential(nn.ReLU())
    grown += nn.Sequential(nn.Tanh())
    assert [type(m).__name__ for m in grown] == ["ReLU", "Tanh"]
    named = nn.Sequential(collections.OrderedDict([("first", nn.Linear(3, 4)), ("act", nn.Tanh())]))
    x = tp.randn(2, 3)
    np.testing.assert_array_equal(named(x).numpy(), named.act(named.first(x)).numpy())

def test_data_parallel_runs_the_module_and_prefixes_the_state_dict(device):
    tp.manual_seed(0)
    inner = nn.Linear(3, 2)
    model = nn.DataParallel(inner)
    assert model.module is inner and list(model.state_dict()) == ["module.weight", "module.bias"]
    assert repr(model) == "DataParallel(\n  (module): Linear(in_features=3, out_features=2, bias=True)\n)"
    x = tp.randn(4, 3)
    out = model(x)
    if device == "cuda":
        assert model.device_ids == [0] and model.output_device == 0 and inner.weight.device == "cuda"
        assert out.device == "cuda"
    np.testing.assert_allclose(out.numpy(), inner(x.to(inner.weight.device)).numpy(), rtol=1e-6)
    out.sum().backward()
    assert inner.weight.grad is not None
    restored = nn.DataParallel(nn.Linear(3, 2))
    restored.load_state_dict(model.state_dict())
    np.testing.assert_array_equal(restored.module.weight.numpy(), inner.weight.numpy())

def test_data_parallel_without_cuda_has_no_devices(monkeypatch):
    monkeypatch.setattr("tinygrad_pool.nn.parallel.cuda_is_available", lambda: False)
    model = nn.DataParallel(nn.ReLU(), device_ids=[0, 1], dim=1)
    assert model.device_ids == [] and model.output_device is None and model.dim == 1
    assert model(tp.tensor([-1.0, 2.0])).tolist() == [0.0, 2.0]
    assert nn.parallel.DataParallel is nn.DataParallel
    out = nn.parallel.data_parallel(nn.Linear(2, 2), tp.ones(3, 2))
    assert out.shape == (3, 2)
    assert nn.parallel.data_parallel(nn.Bilinear(2, 2, 1), (tp.ones(3, 2), tp.ones(3, 2))).shape == (3, 1)

def test_buffer_registers_a_buffer_and_persistent_false_leaves_the_state_dict():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Module(), torch.nn.Module()
    for module, library in ((ours, tp), (theirs, torch)):
        module.kept = library.nn.Buffer(library.ones(2))
        module.scratch = library.nn.Buffer(library.ones(1), persistent=False)
        module.register_buffer("also_scratch", library.zeros(1), persistent=False)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["kept"]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert ours.load_state_dict({"kept": np.zeros(2)}) == ([], [])
    assert isinstance(ours.kept, nn.Buffer) and not isinstance(tp.ones(1), nn.Buffer)
    assert type(ours.kept) is Tensor and nn.Buffer().shape == (0,)
    assert nn.Buffer(tp.ones(2, requires_grad=True)).requires_grad
    ours.kept = tp.ones(2) * 3   # a plain tensor assigned to a buffer's name stays that buffer
    assert ours.state_dict()["kept"].tolist() == [3.0, 3.0]

# --- Bilinear, LocalResponseNorm, ChannelShuffle, RMSNorm --------------------------------------------------------
def bilinear_reference(x1, x2, w, b):
    out = np.zeros(x1.shape[:-1] + (w.shape[0],))
    for index in np.ndindex(*x1.shape[:-1]):
        for o in range(w.shape[0]):
            out[index + (o,)] = sum(x1[index + (i,)] * w[o, i, j] * x2[index + (j,)]
                                    for i in range(w.shape[1]) for j in range(w.shape[2])) + (b[o] if b is not None
                                                                                            else 0.0)
    return out

def lrn_reference(x, size, alpha, beta, k):
    out = np.empty(x.shape)
    channels = x.shape[1]
    for index in np.ndindex(*x.shape):
        c = index[1]
        window = range(max(c - size // 2, 0), min(c + (size - 1) // 2, channels - 1) + 1)
        mean = sum(x[index[:1] + (j,) + index[2:]] ** 2 for j in window) / size
        out[index] = x[index] / (k + alpha * mean) ** beta
    return out

def shuffle_reference(x, groups):
    out = np.empty(x.shape)
    per_group = x.shape[1] // groups
    for c in range(x.shape[1]):   # output channel c comes from group c % groups, position c // groups
        out[:, c] = x[:, (c % groups) * per_group + c // groups]
    return out

def rms_reference(x, dims, weight, eps):
    flat = x.reshape(-1, int(np.prod(x.shape[-dims:])))
    out = np.array([[v / math.sqrt(sum(u * u for u in row) / len(row) + eps) for v in row] for row in flat])
    out = out.reshape(x.shape)
    return out if weight is None else out * weight

@given(lead=st.sampled_from([(), (3,), (2, 2)]), bias=st.booleans(), seed=st.integers(0, 2**31))
@examples(20)
def test_bilinear_matches_the_reference(lead, bias, seed):
    rng = np.random.default_rng(seed)
    x1, x2, w, b = rng.normal(size=lead + (3,)), rng.normal(size=lead + (2,)), rng.normal(size=(4, 3, 2)), \
        rng.normal(size=4)
    out = F.bilinear(Tensor(x1), Tensor(x2), Tensor(w), Tensor(b) if bias else None)
    np.testing.assert_allclose(out.numpy(), bilinear_reference(x1, x2, w, b if bias else None), rtol=1e-12)

@given(shape=st.sampled_from([(2, 5, 3), (1, 4, 2, 3), (2, 3, 1, 2, 2)]), size=st.integers(1, 6),
       seed=st.integers(0, 2**31))
@examples(25)
def test_local_response_norm_matches_the_reference(shape, size, seed):
    x = np.random.default_rng(seed).normal(size=shape) * 3
    np.testing.assert_allclose(F.local_response_norm(Tensor(x), size, 0.3, 0.6, 1.5).numpy(),
                               lrn_reference(x, size, 0.3, 0.6, 1.5), rtol=1e-12)

@given(groups=st.sampled_from([1, 2, 3, 6]), spatial=st.sampled_from([(1,), (2, 3)]), seed=st.integers(0, 2**31))
@examples(20)
def test_channel_shuffle_matches_the_reference(groups, spatial, seed):
    x = np.random.default_rng(seed).normal(size=(2, 6) + spatial)
    np.testing.assert_array_equal(F.channel_shuffle(Tensor(x), groups).numpy(), shuffle_reference(x, groups))

@given(shape=st.sampled_from([(3, 4), (2, 3, 4), (5,)]), dims=st.integers(1, 2), affine=st.booleans(),
       eps=st.sampled_from([None, 0.1]), seed=st.integers(0, 2**31))
@examples(25)
def test_rms_norm_matches_the_reference(shape, dims, affine, eps, seed):
    dims = min(dims, len(shape))
    rng = np.random.default_rng(seed)
    x, weight = rng.normal(size=shape), rng.normal(size=shape[-dims:])
    out = F.rms_norm(Tensor(x), shape[-dims:], Tensor(weight) if affine else None, eps)
    expected = rms_reference(x, dims, weight if affine else None, np.finfo(np.float64).eps if eps is None else eps)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)

def test_composites_pass_gradcheck():
    rng = np.random.default_rng(3)
    x1, x2, w, b = (Tensor(rng.normal(size=s), requires_grad=True) for s in ((2, 3), (2, 2), (4, 3, 2), (4,)))
    assert tp.gradcheck(F.bilinear, [x1, x2, w, b])
    x = Tensor(rng.normal(size=(2, 4, 3)), requires_grad=True)
    assert tp.gradcheck(lambda t: F.local_response_norm(t, 3, 0.5, 0.75, 1.0), [x])
    assert tp.gradcheck(lambda t: F.channel_shuffle(t, 2), [x])
    weight = Tensor(rng.normal(size=(4, 3)), requires_grad=True)
    assert tp.gradcheck(lambda t, v: F.rms_norm(t, (4, 3), v), [x, weight])

COMPOSITES = {   # name: (call on our F or torch's, the input shapes)
    "bilinear": (lambda T, a, b, w, c: T.bilinear(a, b, w, c), ((2, 5, 3), (2, 5, 2), (4, 3, 2), (4,))),
    "bilinear 1-d": (lambda T, a, b, w: T.bilinear(a, b, w), ((3,), (2,), (4, 3, 2))),
    "local_response_norm 3-d": (lambda T, x: T.local_response_norm(x, 3), ((2, 5, 4),)),
    "local_response_norm 4-d": (lambda T, x: T.local_response_norm(x, 2, 1e-2, 0.5, 2.0), ((2, 5, 3, 3),)),
    "local_response_norm 5-d": (lambda T, x: T.local_response_norm(x, 4), ((1, 6, 2, 2, 3),)),
    "channel_shuffle": (lambda T, x: T.channel_shuffle(x, 3), ((2, 6, 2, 2),)),
    "rms_norm": (lambda T, x, w: T.rms_norm(x, (3, 4), w), ((2, 3, 4), (3, 4))),
    "rms_norm eps": (lambda T, x: T.rms_norm(x, [4], eps=1e-3), ((2, 3, 4),)),
}

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", COMPOSITES)
def test_composites_match_pytorch_with_gradients(name, dtype):
    torch = pytest.importorskip("torch")
    call, shapes = COMPOSITES[name]
    rng = np.random.default_rng(5)
    arrays = [rng.normal(size=s).astype(dtype) * 2 for s in shapes]
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    out = call(F, *ours)
    out.backward(tp.ones(*out.shape, dtype=out.dtype))
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    expected = call(torch.nn.functional, *theirs)
    expected.backward(torch.ones_like(expected))
    tolerance = dict(rtol=2e-5, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), **tolerance)
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), **tolerance)

def test_composites_agree_between_cpu_and_cuda(device):
    if device == "cpu":
        pytest.skip("compares the CUDA result with the CPU one")
    rng = np.random.default_rng(6)
    for name, (call, shapes) in COMPOSITES.items():
        arrays = [rng.normal(size=s).astype(np.float32) for s in shapes]
        results = []
        for where in ("cpu", device):
            tensors = [Tensor(a, device=where, requires_grad=True) for a in arrays]
            out = call(F, *tensors)
            out.sum().backward()
            results.append([out.numpy()] + [t.grad.numpy() for t in tensors])
        for cpu, gpu in zip(*results):
            np.testing.assert_allclose(gpu, cpu, rtol=1e-5, atol=1e-6, err_msg=name)

def test_composite_modules_match_pytorchs_constructors_and_reprs():
    torch = pytest.importorskip("torch")
    pairs = [(nn.Bilinear(2, 3, 4), torch.nn.Bilinear(2, 3, 4)),
             (nn.Bilinear(2, 3, 4, bias=False), torch.nn.Bilinear(2, 3, 4, bias=False)),
             (nn.LocalResponseNorm(2), torch.nn.LocalResponseNorm(2)),
             (nn.LocalResponseNorm(3, 1e-3, 0.5, 2.0), torch.nn.LocalResponseNorm(3, 1e-3, 0.5, 2.0)),
             (nn.ChannelShuffle(3), torch.nn.ChannelShuffle(3)), (nn.RMSNorm(4), torch.nn.RMSNorm(4)),
             (nn.RMSNorm([2, 3], eps=1e-5, elementwise_affine=False),
              torch.nn.RMSNorm([2, 3], eps=1e-5, elementwise_affine=False))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
            [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    tp.manual_seed(0)
    layer = nn.Bilinear(9, 2, 3)
    assert np.abs(layer.weight.numpy()).max() <= 1 / 3 and np.abs(layer.bias.numpy()).max() <= 1 / 3
    x1, x2 = tp.randn(5, 9), tp.randn(5, 2)
    np.testing.assert_array_equal(layer(x1, x2).numpy(), F.bilinear(x1, x2, layer.weight, layer.bias).numpy())
    x = tp.randn(2, 6, 3)
    np.testing.assert_array_equal(nn.ChannelShuffle(2)(x).numpy(), F.channel_shuffle(x, 2).numpy())
    np.testing.assert_array_equal(nn.LocalResponseNorm(2)(x).numpy(), F.local_response_norm(x, 2).numpy())
    norm = nn.RMSNorm(3)
    np.testing.assert_array_equal(norm(x).numpy(), F.rms_norm(x, (3,), norm.weight).numpy())
    assert F.local_response_norm(tp.zeros(0, 3, 4), 2).shape == (0, 3, 4)

# --- the lazy transposed convolutions and instance norms -------------------------------------------------------
def test_lazy_conv_transpose_takes_in_channels_from_the_first_input():
    torch = pytest.importorskip("torch")
    tp.manual_seed(0)
    lazy = nn.LazyConvTranspose2d(4, 3, stride=2, padding=1, output_padding=1)
    assert repr(lazy) == repr(torch.nn.LazyConvTranspose2d(4, 3, stride=2, padding=1, output_padding=1))
    x = tp.randn(2, 5, 3, 3)
    out = lazy(x)
    assert type(lazy) is nn.ConvTranspose2d and lazy.in_channels == 5 and lazy.weight.shape == (5, 4, 3, 3)
    np.testing.assert_allclose(out.numpy(), F.conv_transpose2d(x, lazy.weight, lazy.bias, 2, 1, 1).numpy())
    unbatched = nn.LazyConvTranspose1d(4, 3)
    assert unbatched(tp.randn(3, 5)).shape == (4, 7) and unbatched.weight.shape == (3, 4, 3)
    loaded = nn.LazyConvTranspose3d(2, 1, groups=2)
    loaded.load_state_dict({"weight": np.ones((6, 1, 1, 1, 1)), "bias": np.zeros(2)})
    assert type(loaded) is nn.ConvTranspose3d and loaded.in_channels == 6

def test_lazy_instance_norm_takes_num_features_from_the_first_input():
    torch = pytest.importorskip("torch")
    lazy = nn.LazyInstanceNorm2d()
    assert repr(lazy) == repr(torch.nn.LazyInstanceNorm2d())
    x = tp.randn(2, 3, 4, 4)
    out = lazy(x)
    assert type(lazy) is nn.InstanceNorm2d and lazy.num_features == 3 and lazy.running_mean.shape == (3,)
    assert list(lazy.state_dict()) == list(torch.nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
                                           .state_dict())
    np.testing.assert_allclose(out.numpy().mean((2, 3)), 0, atol=1e-5)
    unbatched = nn.LazyInstanceNorm1d(affine=False)
    unbatched(tp.randn(3, 5))
    assert unbatched.num_features == 3 and unbatched.weight is None
    loaded = nn.LazyInstanceNorm3d()
    loaded.load_state_dict({"weight": np.ones(4), "bias": np.zeros(4), "running_mean": np.zeros(4),
                            "running_var": np.ones(4), "num_batches_tracked": np.zeros((), np.int64)})
    assert type(loaded) is nn.InstanceNorm3d and loaded.num_features == 4

# --- the pooling and upsampling aliases --------------------------------------------------------------------------
def test_with_indices_forms_return_values_and_indices():
    x = tp.randn(1, 2, 6, 6)
    for alias, function, args in ((F.max_pool2d_with_indices, F.max_pool2d, (2,)),
                                  (F.adaptive_max_pool2d_with_indices, F.adaptive_max_pool2d, (3,))):
        values, indices = alias(x, *args)
        expected_values, expected_indices = function(x, *args, return_indices=True)
        np.testing.assert_array_equal(values.numpy(), expected_values.numpy())
        np.testing.assert_array_equal(indices.numpy(), expected_indices.numpy())
    for dims in (1, 3):
        shape = (1, 2) + (4,) * dims
        for name in ("max_pool", "adaptive_max_pool"):
            values, indices = getattr(F, f"{name}{dims}d_with_indices")(tp.randn(*shape), 2)
            assert values.shape == indices.shape and indices.dtype == np.int64
    samples = tp.rand(1, 2, 2, dtype=tp.float32)
    values, indices = F.fractional_max_pool2d_with_indices(x, 2, output_size=3, _random_samples=samples)
    expected = F.fractional_max_pool2d(x, 2, output_size=3, return_indices=True, _random_samples=samples)
    np.testing.assert_array_equal(indices.numpy(), expected[1].numpy())
    values, indices = F.fractional_max_pool3d_with_indices(tp.randn(1, 1, 4, 4, 4), 2, output_size=2)
    assert values.shape == indices.shape == (1, 1, 2, 2, 2)

def test_upsample_aliases_warn_and_interpolate_as_pytorch():
    torch = pytest.importorskip("torch")
    x = np.arange(12.0).reshape(1, 1, 3, 4)
    cases = [(lambda T, t: T.upsample(t, scale_factor=2, mode="bilinear", align_corners=False)),
             (lambda T, t: T.upsample(t, size=(5, 5))), (lambda T, t: T.upsample_nearest(t, scale_factor=2)),
             (lambda T, t: T.upsample_bilinear(t, size=(4, 7)))]
    for call in cases:
        with pytest.warns(UserWarning, match="deprecated"):
            ours = call(F, Tensor(x)).numpy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = call(torch.nn.functional, torch.tensor(x)).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)

BAD = {
    "ParameterList.extend of a tensor": (lambda: nn.ParameterList().extend(tp.ones(2)), TypeError,
                                         "iterable of parameters, got Tensor"),
    "ParameterList index 2 of 1": (lambda: nn.ParameterList([tp.ones(1)])[2], IndexError,
                                   "index 2 is out of range for a ParameterList of length 1"),
    "ParameterDict with an int key": (lambda: nn.ParameterDict().__setitem__(3, tp.ones(1)), TypeError,
                                      "keys must be str, got 3"),
    "ParameterDict with a dotted key": (lambda: nn.ParameterDict({"a.b": tp.ones(1)}), KeyError, "must not contain"),
    "ParameterDict with an empty key": (lambda: nn.ParameterDict({"": tp.ones(1)}), KeyError, "empty string"),
    "ParameterDict with the key 'update'": (lambda: nn.ParameterDict({"update": tp.ones(1)}), KeyError,
                                            "'update' is already an attribute"),
    "ParameterDict.update with a triple": (lambda: nn.ParameterDict().update([("a", tp.ones(1), 3)]), ValueError,
                                           "entry 0 must be a (key, value) pair"),
    "ParameterDict of a missing key": (lambda: nn.ParameterDict()["q"], KeyError, "q"),
    "Sequential of a plain dict": (lambda: nn.Sequential({"a": nn.ReLU()}), TypeError, "argument 0 is a dict"),
    "Sequential with a child named forward": (lambda: nn.Sequential(collections.OrderedDict(forward=nn.ReLU())),
                                              KeyError, "got 'forward'"),
    "Sequential index 3 of 1": (lambda: nn.Sequential(nn.ReLU())[3], IndexError, "index 3 is out of range"),
    "Sequential.insert at 5 of 1": (lambda: nn.Sequential(nn.ReLU()).insert(5, nn.ReLU()), IndexError,
                                    "index 5 is out of range for length 1"),
    "Sequential + 3": (lambda: nn.Sequential(nn.ReLU()) + 3, ValueError, "must be a Sequential, got int"),
    "Sequential * 0": (lambda: nn.Sequential(nn.ReLU()) * 0, ValueError, "positive int, got 0"),
    "Sequential.append of a function": (lambda: nn.Sequential().append(F.relu), TypeError,
                                        "expected a Module, got function"),
    "DataParallel of a function": (lambda: nn.DataParallel(F.relu), TypeError, "module must be a Module"),
    "DataParallel with a float dim": (lambda: nn.DataParallel(nn.ReLU(), dim=0.5), TypeError, "dim must be an int"),
    "Buffer of a list": (lambda: nn.Buffer([1.0]), TypeError, "data must be a Tensor or None, got list"),
    "register_buffer with persistent 'no'": (lambda: nn.Module().register_buffer("a", tp.ones(1), persistent="no"),
                                             TypeError, "persistent must be True or False"),
    "bilinear with a wrong weight": (lambda: F.bilinear(tp.ones(2, 3), tp.ones(2, 4), tp.ones(5, 2, 4)), ValueError,
                                     "weight must have shape (out_features, 3, 4)"),
    "bilinear of different batches": (lambda: F.bilinear(tp.ones(2, 3), tp.ones(3, 4), tp.ones(5, 3, 4)), ValueError,
                                      "same leading dims"),
    "bilinear of different dims": (lambda: F.bilinear(tp.ones(2, 3), tp.ones(2, 3, 4), tp.ones(5, 3, 4)),
                                   ValueError, "same number of dims"),
    "bilinear with a wrong bias": (lambda: F.bilinear(tp.ones(2, 3), tp.ones(2, 4), tp.ones(5, 3, 4), tp.ones(4)),
                                   ValueError, "bias must have shape (5,)"),
    "channel_shuffle of a 2-d input": (lambda: F.channel_shuffle(tp.ones(2, 4), 2), ValueError,
                                       "more than 2 dims, got shape (2, 4)"),
    "channel_shuffle with 3 groups of 4": (lambda: F.channel_shuffle(tp.ones(2, 4, 3), 3), ValueError,
                                           "groups=3 must divide the 4 channels"),
    "channel_shuffle with 0 groups": (lambda: F.channel_shuffle(tp.ones(2, 4, 3), 0), ValueError,
                                      "groups=0 must be at least 1"),
    "local_response_norm of a 2-d input": (lambda: F.local_response_norm(tp.ones(2, 3), 2), ValueError,
                                           "at least 3 dims, got shape (2, 3)"),
    "local_response_norm with size 0": (lambda: F.local_response_norm(tp.ones(2, 3, 4), 0), ValueError,
                                        "size=0 must be at least 1"),
    "rms_norm of another shape": (lambda: F.rms_norm(tp.ones(2, 3), [4]), ValueError,
                                  "normalized_shape=(4,) expects an input of shape (*, 4), got (2, 3)"),
    "rms_norm with a wrong weight": (lambda: F.rms_norm(tp.ones(2, 3), [3], tp.ones(2)), ValueError,
                                     "weight must have the shape normalized_shape=(3,), got (2,)"),
    "rms_norm of int64": (lambda: F.rms_norm(tp.tensor([1, 2]), [2]), TypeError, "float32 or float64, got int64"),
    "rms_norm with an empty shape": (lambda: F.rms_norm(tp.ones(2, 3), []), ValueError, "at least one entry"),
    "RMSNorm with a string eps": (lambda: nn.RMSNorm(3, eps="x"), TypeError, "eps must be a number"),
    "LocalResponseNorm with size 2.5": (lambda: nn.LocalResponseNorm(2.5), TypeError, "size must be an int"),
    "ChannelShuffle with groups 2.0": (lambda: nn.ChannelShuffle(2.0), TypeError, "groups must be an int"),
    "Bilinear with a negative size": (lambda: nn.Bilinear(2, -1, 3), ValueError, "in2_features=-1 must be at least 0"),
    "LazyInstanceNorm2d of a 2-d input": (lambda: nn.LazyInstanceNorm2d()(tp.ones(2, 3)), ValueError,
                                          "3-d (C, *spatial) or 4-d"),
}

@pytest.mark.parametrize("case", BAD)
def test_bad_arguments_are_named(case):
    assert_bad_input(case, BAD)
