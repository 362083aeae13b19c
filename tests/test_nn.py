"""nn layers, containers and Module state: values against numpy formulas, gradients by finite differences,
state_dict round trips and their errors, and PyTorch as an extra oracle where installed."""
import numpy as np
import pytest

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F
from tinygrad_pool import Tensor, nn
from conftest import tolerance

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
