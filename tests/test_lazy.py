"""Lazy modules: sizes inferred at the first call, placeholders filled in place, checkpoints, errors."""
import numpy as np
import pytest

import tinygrad_pool as tp
from tinygrad_pool import nn
from conftest import assert_bad_input

@pytest.mark.parametrize("lazy, ordinary, shape, name, size", [
    (lambda: nn.LazyLinear(3), lambda n: nn.Linear(n, 3), (2, 7), "in_features", 7),
    (lambda: nn.LazyConv1d(4, 3), lambda n: nn.Conv1d(n, 4, 3), (2, 5, 8), "in_channels", 5),
    (lambda: nn.LazyConv2d(4, 3, padding=1, groups=2), lambda n: nn.Conv2d(n, 4, 3, padding=1, groups=2),
     (2, 6, 5, 5), "in_channels", 6),
    (lambda: nn.LazyConv2d(4, 3), lambda n: nn.Conv2d(n, 4, 3), (3, 5, 5), "in_channels", 3),   # unbatched
    (lambda: nn.LazyConv3d(2, 2), lambda n: nn.Conv3d(n, 2, 2), (1, 3, 3, 3, 3), "in_channels", 3),
    (lambda: nn.LazyBatchNorm1d(), lambda n: nn.BatchNorm1d(n), (4, 6), "num_features", 6),
    (lambda: nn.LazyBatchNorm2d(momentum=None), lambda n: nn.BatchNorm2d(n, momentum=None), (2, 3, 4, 4),
     "num_features", 3),
    (lambda: nn.LazyBatchNorm3d(affine=False), lambda n: nn.BatchNorm3d(n, affine=False), (2, 2, 2, 2, 2),
     "num_features", 2),
])
def test_the_first_call_builds_the_ordinary_module_with_the_same_numbers(lazy, ordinary, shape, name, size):
    x = tp.randn(*shape)
    tp.manual_seed(3)
    module = lazy()
    assert getattr(module, name) == 0
    out = module(x)
    tp.manual_seed(3)
    expected = ordinary(size)
    assert type(module) is type(expected) and getattr(module, name) == size and repr(module) == repr(expected)
    for (key, got), (_, want) in zip(module.state_dict().items(), expected.state_dict().items()):
        assert type(got) is type(want), key
    module_params = dict(module.named_parameters())
    for key, want in expected.named_parameters():
        assert type(module_params[key]) is nn.Parameter
        np.testing.assert_array_equal(module_params[key].numpy(), want.numpy())
    assert out.shape == expected(x).shape

def test_repr_before_the_first_call_reads_as_pytorch():
    assert repr(nn.LazyLinear(10)) == "LazyLinear(in_features=0, out_features=10, bias=True)"
    assert repr(nn.LazyConv2d(16, 3)) == "LazyConv2d(0, 16, kernel_size=(3, 3), stride=(1, 1))"
    assert repr(nn.LazyBatchNorm2d()).startswith("LazyBatchNorm2d(0, eps=1e-05")
    assert repr(nn.LazyLinear(2).weight) == "<UninitializedParameter>"
    assert repr(nn.LazyBatchNorm2d().running_mean) == "<UninitializedBuffer>"

def test_an_optimizer_made_before_the_first_call_trains_the_parameters(device):
    """Small enough for the simulator, where each of BatchNorm's (sample, channel) runs is a block of threads."""
    model = nn.Sequential(nn.LazyConv2d(2, 3, padding=1), nn.LazyBatchNorm2d(), nn.ReLU(), nn.Flatten(),
                          nn.LazyLinear(3)).to(device)
    placeholders = model.parameters()
    optimizer = tp.optim.SGD(placeholders, lr=0.1)
    x, y = tp.randn(3, 2, 4, 4, device=device), tp.tensor([0, 1, 2], device=device)
    losses = []
    for _ in range(4):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert all(a is b for a, b in zip(model.parameters(), placeholders))
    assert all(p.device == device and p.numel() for p in model.parameters())
    assert model[1].running_mean.device == device and model[1].num_batches_tracked.item() == 4
    assert losses[-1] < losses[0]

def test_a_lazy_model_loads_a_checkpoint_without_a_dry_run():
    def make():
        return nn.Sequential(nn.LazyConv2d(4, 3), nn.LazyBatchNorm2d(), nn.Flatten(), nn.LazyLinear(2))
    trained = make()
    trained(tp.randn(2, 3, 6, 6))
    fresh = make()
    fresh.load_state_dict(trained.state_dict())
    assert repr(fresh) == repr(trained)
    for (key, a), (_, b) in zip(fresh.state_dict().items(), trained.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=key)

def test_a_d2l_style_lenet_runs_with_lazy_layers():
    net = nn.Sequential(nn.LazyConv2d(6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2, 2),
                        nn.LazyConv2d(16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(2, 2), nn.Flatten(),
                        nn.LazyLinear(120), nn.Sigmoid(), nn.LazyLinear(84), nn.Sigmoid(), nn.LazyLinear(10))
    assert net(tp.randn(1, 1, 28, 28)).shape == (1, 10)
    assert [type(m).__name__ for m in net][-1] == "Linear" and net[7].in_features == 400

BAD = {
    "batch norm of a vector": (lambda: nn.LazyBatchNorm1d()(tp.randn(3)), ValueError,
                               "LazyBatchNorm1d: expected an (N, C, ...) input"),
    "a list input": (lambda: nn.LazyLinear(2)([1.0, 2.0]), TypeError, "LazyLinear: input must be a Tensor"),
    "out_features -1": (lambda: nn.LazyLinear(-1), ValueError, "out_features=-1"),
    "kernel 0": (lambda: nn.LazyConv2d(2, 0), ValueError, "kernel_size must be positive"),
    "bad momentum": (lambda: nn.LazyBatchNorm2d(momentum="x"), TypeError, "momentum must be a number"),
    "channels not divisible by groups": (lambda: nn.LazyConv2d(4, 3, groups=2)(tp.randn(1, 3, 5, 5)), ValueError,
                                         "groups=2"),
}

@pytest.mark.parametrize("case", BAD)
def test_bad_input_gets_a_clear_error(case):
    assert_bad_input(case, BAD)

def test_pytorch_has_the_same_lazy_names_and_reprs():
    torch = pytest.importorskip("torch")
    assert repr(torch.nn.LazyLinear(10)) == repr(nn.LazyLinear(10))
    assert repr(torch.nn.LazyConv2d(16, 3)) == repr(nn.LazyConv2d(16, 3))
    lazy = torch.nn.LazyConv2d(4, 3)
    lazy(torch.randn(1, 5, 6, 6))
    ours = nn.LazyConv2d(4, 3)
    ours(tp.randn(1, 5, 6, 6))
    assert repr(lazy) == repr(ours)
