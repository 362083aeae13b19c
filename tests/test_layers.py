"""Layers built from other ops: channel dropout, pixel_shuffle/unshuffle, one_hot, embedding, Unflatten and the
containers ModuleList and ModuleDict; against plain-loop references and PyTorch, with gradients and bad inputs."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_pool as tp
import tinygrad_pool.nn as nn
import tinygrad_pool.nn.functional as F
from tinygrad_pool import Tensor, gradcheck
from conftest import assert_bad_input, examples

def reference_pixel_shuffle(x, r):
    *lead, channels, height, width = x.shape
    out = np.empty(tuple(lead) + (channels // (r * r), height * r, width * r), x.dtype)
    for index in np.ndindex(*out.shape):
        *rest, c, h, w = index
        out[index] = x[tuple(rest) + (c * r * r + (h % r) * r + w % r, h // r, w // r)]
    return out

@given(r=st.integers(1, 3), channels=st.integers(1, 2), height=st.integers(1, 3), width=st.integers(1, 3),
       batched=st.booleans())
@examples(30)
def test_pixel_shuffle_matches_the_reference_and_unshuffle_inverts_it(r, channels, height, width, batched):
    shape = ((2,) if batched else ()) + (channels * r * r, height, width)
    x = np.random.default_rng(r).normal(size=shape)
    out = F.pixel_shuffle(Tensor(x), r).numpy()
    np.testing.assert_array_equal(out, reference_pixel_shuffle(x, r))
    np.testing.assert_array_equal(F.pixel_unshuffle(Tensor(out), r).numpy(), x)

def test_pixel_shuffle_matches_pytorch_with_gradients():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).normal(size=(2, 8, 3, 5))
    a = Tensor(x, requires_grad=True)
    (F.pixel_shuffle(a, 2) * Tensor(np.arange(2 * 2 * 6 * 10.0).reshape(2, 2, 6, 10))).sum().backward()
    t = torch.tensor(x, requires_grad=True)
    (torch.nn.functional.pixel_shuffle(t, 2) * torch.arange(2 * 2 * 6 * 10.0).reshape(2, 2, 6, 10)).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), t.grad.numpy())
    np.testing.assert_array_equal(F.pixel_unshuffle(Tensor(x), 1).numpy(), x)
    assert nn.PixelShuffle(2)(Tensor(x)).shape == (2, 2, 6, 10) and nn.PixelUnshuffle(3)(tp.ones(1, 9, 9)).shape \
        == (9, 3, 3)

@pytest.mark.parametrize("function, dims", [(F.dropout1d, 1), (F.dropout2d, 2), (F.dropout3d, 3)])
def test_channel_dropout_zeroes_whole_channels(function, dims, device):
    tp.manual_seed(1)
    x = tp.ones(*((4, 50) + (3,) * dims), device=device, requires_grad=True)
    out = function(x, 0.4)
    values = out.numpy().reshape(4, 50, -1)
    kept = values[:, :, 0] != 0
    assert (values == values[:, :, :1]).all() and 0.35 < 1 - kept.mean() < 0.65
    np.testing.assert_allclose(values[kept][:, 0], 1 / 0.6, rtol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy().reshape(4, 50, -1)[:, :, 0], kept / 0.6, rtol=1e-6)
    assert function(x, 0.4, training=False) is x
    unbatched = function(tp.ones(*((6,) + (2,) * dims), device=device), 0.5).numpy().reshape(6, -1)
    assert (unbatched == unbatched[:, :1]).all()
    assert np.count_nonzero(function(tp.ones(*((2, 3) + (2,) * dims)), 1.0).numpy()) == 0

def test_dropout_modules():
    layer = nn.Dropout2d(0.3)
    assert repr(layer) == "Dropout2d(p=0.3, inplace=False)"
    x = tp.ones(2, 4, 3, 3)
    assert layer.eval()(x) is x

def test_one_hot_matches_pytorch():
    torch = pytest.importorskip("torch")
    labels = np.array([[0, 3], [2, 1]])
    np.testing.assert_array_equal(F.one_hot(Tensor(labels)).numpy(),
                                  torch.nn.functional.one_hot(torch.tensor(labels)).numpy())
    assert F.one_hot(Tensor(labels), 6).shape == (2, 2, 6) and F.one_hot(Tensor(labels)).dtype == tp.int64

def test_embedding_looks_up_rows_and_skips_the_padding_gradient(device):
    weight = Tensor(np.arange(12.0).reshape(4, 3), device=device, requires_grad=True)
    indices = Tensor([[1, 3], [1, 0]], device=device)
    out = F.embedding(indices, weight, padding_idx=1)
    np.testing.assert_array_equal(out.numpy(), np.arange(12.0).reshape(4, 3)[[[1, 3], [1, 0]]])
    out.sum().backward()
    np.testing.assert_array_equal(weight.grad.numpy()[:, 0], [1, 0, 0, 1])
    assert gradcheck(lambda w: F.embedding(Tensor([2, 2, 0]), w), [Tensor(np.random.rand(3, 2), requires_grad=True)])

def test_embedding_module_matches_pytorchs_layout():
    tp.manual_seed(0)
    layer = nn.Embedding(10, 4, padding_idx=-1)
    assert layer.padding_idx == 9 and layer.weight.shape == (10, 4) and layer.weight.numpy()[9].tolist() == [0] * 4
    assert repr(layer) == "Embedding(10, 4, padding_idx=9)"
    assert layer(Tensor([[1, 2, 9]])).shape == (1, 3, 4)
    assert abs(nn.Embedding(2000, 50).weight.numpy().std() - 1) < 0.02

def test_unflatten_inverts_flatten():
    x = tp.randn(2, 12, 5)
    assert nn.Unflatten(1, (3, 4))(x).shape == (2, 3, 4, 5) and nn.Unflatten(-1, (5, 1))(x).shape == (2, 12, 5, 1)
    np.testing.assert_array_equal(nn.Flatten(1, 2)(nn.Unflatten(1, (3, -1))(x)).numpy(), x.numpy())

def test_module_list_and_dict_register_their_modules():
    layers = nn.ModuleList([nn.Linear(2, 3), nn.ReLU()])
    layers.append(nn.Linear(3, 1))
    layers.insert(1, nn.Identity())
    assert len(layers) == 4 and isinstance(layers[1], nn.Identity) and isinstance(layers[-1], nn.Linear)
    assert [name for name, _ in layers.named_parameters()] == ["0.weight", "0.bias", "3.weight", "3.bias"]
    del layers[1]
    assert [name for name, _ in layers.named_children()] == ["0", "1", "2"] and len(layers[0:2]) == 2
    blocks = nn.ModuleDict({"conv": nn.Conv2d(1, 2, 3), "act": nn.ReLU()})
    blocks["head"] = nn.Linear(2, 1)
    assert list(blocks) == ["conv", "act", "head"] and "conv" in blocks and len(blocks) == 3
    assert [name for name, _ in blocks.named_parameters()] == ["conv.weight", "conv.bias", "head.weight",
                                                               "head.bias"]
    assert isinstance(blocks.pop("act"), nn.ReLU) and blocks.keys() == ["conv", "head"]

    class Net(nn.Module):
        def __init__(self):
            self.blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
        def forward(self, x):
            for block in self.blocks:
                x = block(x)
            return x
    net = Net()
    assert len(list(net.parameters())) == 6 and net(tp.ones(1, 2)).shape == (1, 2)
    assert set(net.state_dict()) == {f"blocks.{i}.{p}" for i in range(3) for p in ("weight", "bias")}

BAD = {
    "pixel_shuffle of 3 channels by 2": (lambda: F.pixel_shuffle(tp.ones(1, 3, 2, 2), 2), ValueError,
                                         "must be divisible by upscale_factor^2 = 4"),
    "pixel_shuffle by 0": (lambda: F.pixel_shuffle(tp.ones(1, 4, 2, 2), 0), ValueError, "a positive int"),
    "pixel_unshuffle of an odd width": (lambda: F.pixel_unshuffle(tp.ones(1, 1, 2, 3), 2), ValueError,
                                        "divisible by downscale_factor = 2"),
    "pixel_shuffle of a 2-d input": (lambda: F.pixel_shuffle(tp.ones(4, 4), 2), ValueError, "at least 3 dims"),
    "dropout2d of a 2-d input": (lambda: F.dropout2d(tp.ones(2, 3)), ValueError, "3-d (C, *spatial)"),
    "dropout1d with p 2": (lambda: F.dropout1d(tp.ones(2, 3), 2.0), ValueError, "p=2.0 must lie in [0, 1]"),
    "Dropout3d with inplace a string": (lambda: nn.Dropout3d(0.5, inplace="y"), TypeError,
                                        "inplace must be True or False"),
    "one_hot of floats": (lambda: F.one_hot(tp.tensor([1.0])), TypeError, "int64 indices"),
    "one_hot of an index beyond num_classes": (lambda: F.one_hot(tp.tensor([3]), 3), ValueError,
                                               "index 3 is out of range for num_classes=3"),
    "one_hot of an empty tensor": (lambda: F.one_hot(tp.zeros(0, dtype=tp.int64)), ValueError,
                                   "needs num_classes"),
    "embedding of an index beyond the table": (lambda: F.embedding(tp.tensor([4]), tp.ones(4, 2)), IndexError,
                                               "index 4 is out of range for 4 embeddings"),
    "embedding of a 1-d weight": (lambda: F.embedding(tp.tensor([0]), tp.ones(4)), ValueError, "must be 2-d"),
    "Embedding with padding_idx 10 of 10": (lambda: nn.Embedding(10, 2, padding_idx=10), ValueError,
                                            "padding_idx=10"),
    "ModuleList of a function": (lambda: nn.ModuleList([len]), TypeError, "entry 0 is a builtin_function"),
    "ModuleDict with an int key": (lambda: nn.ModuleDict({1: nn.ReLU()}), TypeError, "keys must be str"),
    "ModuleDict without the entry": (lambda: nn.ModuleDict()["a"], KeyError, "a"),
    "Unflatten to a float size": (lambda: nn.Unflatten(1, (2.0, 3)), TypeError, "must be an int"),
}

@pytest.mark.parametrize("case", BAD)
def test_bad_arguments_are_named(case):
    assert_bad_input(case, BAD)

def test_sum_and_mean_take_a_dtype():
    x = tp.tensor([1.5, 2.25], requires_grad=True)
    total = x.sum(dtype=tp.float64)
    assert total.dtype == tp.float64 and total.item() == 3.75
    total.backward()
    assert x.grad.dtype == tp.float32 and x.grad.tolist() == [1.0, 1.0]
    assert tp.tensor([1, 2]).mean(dtype=tp.float32).item() == 1.5 and tp.tensor([[1, 2]]).sum(1, dtype=tp.float64)\
        .dtype == tp.float64

def test_batch_norm_3d_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(4).normal(size=(2, 3, 2, 3, 4)).astype(np.float32)
    ours, theirs = nn.BatchNorm3d(3, momentum=None), torch.nn.BatchNorm3d(3, momentum=None)
    for _ in range(2):
        out, expected = ours(Tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), rtol=1e-5)
    with pytest.raises(ValueError, match="5-d"):
        ours(tp.ones(2, 3, 4, 4))
