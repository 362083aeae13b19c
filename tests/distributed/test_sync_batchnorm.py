"""SyncBatchNorm on two ranks (run under mpiexec -n 2; see conftest.py): each rank holds part of a fixed batch,
and the results must be those of plain batch norm over the whole batch. Each test runs all its collectives before
it asserts, so that a failure on one rank cannot leave the other waiting in a collective."""
import numpy as np
import pytest

import tinygrad_pool as tp
import tinygrad_pool.distributed as dist
import tinygrad_pool.nn as nn
import tinygrad_pool.nn.functional as F
from tinygrad_pool.nn.sync_batchnorm import SyncBatchNorm
from two_ranks import assert_trains_as_one_process, needs_two_ranks, process_group  # noqa: F401

pytestmark = needs_two_ranks

def rank():
    return dist.get_rank()

def _rows(sizes):
    """This rank's slice of a batch split into consecutive parts of the given sizes."""
    start = sum(sizes[:rank()])
    return slice(start, start + sizes[rank()])

def _reference(cls, channels, momentum, rng):
    """A float64 plain batch norm with random affine parameters, and a SyncBatchNorm with the same."""
    reference = cls(channels, momentum=momentum).double()
    reference.weight.data = tp.tensor(rng.uniform(0.5, 1.5, channels))
    reference.bias.data = tp.tensor(rng.standard_normal(channels))
    sync = SyncBatchNorm(channels, momentum=momentum).double()
    sync.weight.data, sync.bias.data = tp.tensor(reference.weight.numpy()), tp.tensor(reference.bias.numpy())
    return reference, sync

SHAPES = [(nn.BatchNorm2d, (3, 4, 5)), (nn.BatchNorm1d, (3, 7)), (nn.BatchNorm1d, (4,))]

@pytest.mark.parametrize("cls,shape", SHAPES)
@pytest.mark.parametrize("sizes", [(3, 5), (6, 0)])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_outputs_and_running_statistics_are_those_of_the_whole_batch(cls, shape, sizes, momentum):
    rng = np.random.default_rng(0)
    reference, sync = _reference(cls, shape[0], momentum, rng)
    outputs = []
    for step in range(3):
        batch = rng.standard_normal((sum(sizes),) + shape) * (step + 1) + 10.0 * step   # a shifted mean
        outputs.append((sync(tp.tensor(batch[_rows(sizes)])).numpy(), reference(tp.tensor(batch)).numpy()))
    for out, expected in outputs:
        assert out.shape == (sizes[rank()],) + shape
        np.testing.assert_allclose(out, expected[_rows(sizes)], rtol=0, atol=1e-12)
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(sync, name).numpy(), getattr(reference, name).numpy(), rtol=1e-13)
    assert sync.num_batches_tracked.item() == 3

@pytest.mark.parametrize("cls,shape", SHAPES)
@pytest.mark.parametrize("sizes", [(3, 5), (6, 0)])
def test_gradients_are_those_of_the_whole_batch(cls, shape, sizes):
    rng = np.random.default_rng(1)
    reference, sync = _reference(cls, shape[0], 0.1, rng)
    batch = rng.standard_normal((sum(sizes),) + shape) + 3.0
    upstream = rng.standard_normal(batch.shape)
    whole = tp.tensor(batch, requires_grad=True)
    (reference(whole) * tp.tensor(upstream)).sum().backward()
    mine = tp.tensor(batch[_rows(sizes)], requires_grad=True)
    (sync(mine) * tp.tensor(upstream[_rows(sizes)])).sum().backward()
    summed = {name: getattr(sync, name).grad.clone() for name in ("weight", "bias")}
    for grad in summed.values():
        dist.all_reduce(grad)   # local sums here; their sum over ranks is the whole batch's gradient
    np.testing.assert_allclose(mine.grad.numpy(), whole.grad.numpy()[_rows(sizes)], rtol=0, atol=1e-10)
    for name, grad in summed.items():
        np.testing.assert_allclose(grad.numpy(), getattr(reference, name).grad.numpy(), rtol=1e-12, atol=1e-12)

def test_finite_differences_of_the_loss_over_both_ranks():
    rng = np.random.default_rng(2)
    sizes, shape = (2, 3), (2, 3, 2)
    sync = SyncBatchNorm(2, track_running_stats=False).double()
    weight = np.array([0.7, -1.3])
    sync.weight.data, sync.bias.data = tp.tensor(weight), tp.tensor(np.array([0.2, 0.5]))
    batch = rng.standard_normal((sum(sizes),) + shape)
    upstream = rng.standard_normal(batch.shape)[_rows(sizes)]
    x = batch[_rows(sizes)].copy()

    def global_loss(values, weight_shift=0.0):
        with tp.no_grad():
            sync.weight.data = tp.tensor(weight + weight_shift)
            total = tp.tensor(np.array([(sync(tp.tensor(values)).numpy() * upstream).sum()]))
        dist.all_reduce(total)
        return total.item()

    mine = tp.tensor(x, requires_grad=True)
    (sync(mine) * tp.tensor(upstream)).sum().backward()
    grad_x, grad_w = mine.grad.numpy(), sync.weight.grad.clone()
    dist.all_reduce(grad_w)
    h = 1e-6
    coordinates = [(0, 0, 1, 0), (1, 1, 2, 1), (0, 1, 0, 1)]
    pairs = []   # (finite difference, gradient)
    for perturbed in (0, 1):   # one rank moves one of its inputs while the other keeps its own
        for index in coordinates:
            losses = []
            for sign in (1, -1):
                values = x.copy()
                if rank() == perturbed:
                    values[index] += sign * h
                losses.append(global_loss(values))
            if rank() == perturbed:
                pairs.append(((losses[0] - losses[1]) / (2 * h), grad_x[index]))
    for channel in (0, 1):   # the weight is shared: both ranks move it
        shift = np.eye(2)[channel] * h
        pairs.append(((global_loss(x, shift) - global_loss(x, -shift)) / (2 * h), grad_w.numpy()[channel]))
    assert len(pairs) == len(coordinates) + 2
    for numeric, analytic in pairs:
        assert numeric == pytest.approx(analytic, rel=1e-6, abs=1e-8)

def test_backward_without_input_grad_needs_no_all_reduce(monkeypatch):
    sync = SyncBatchNorm(2).double()
    out = sync(tp.tensor(np.random.default_rng(3).standard_normal((3, 2))))
    monkeypatch.setattr(dist, "_comm", lambda op: pytest.fail(f"{op} communicated"))
    out.sum().backward()
    assert sync.weight.grad.shape == (2,) and sync.bias.grad.tolist() == [3.0, 3.0]

def test_convert_sync_batchnorm_keeps_parameters_buffers_and_flags():
    inner = nn.Sequential(nn.BatchNorm1d(4, momentum=None, bias=False), nn.Linear(4, 4),
                          nn.BatchNorm1d(4, affine=False, track_running_stats=False))
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2, eps=1e-3), nn.ReLU(), inner)
    model[1].running_mean.fill_(0.5)
    model[1].num_batches_tracked.fill_(7)
    inner.eval()
    converted = SyncBatchNorm.convert_sync_batchnorm(model)
    assert converted is model and converted[3] is inner   # containers stay, the norms are replaced
    assert isinstance(converted[0], nn.Conv2d) and isinstance(converted[2], nn.ReLU)
    assert isinstance(inner[1], nn.Linear)
    first, second, third = converted[1], inner[0], inner[2]
    assert all(type(m) is SyncBatchNorm for m in (first, second, third))
    assert first.eps == 1e-3 and first.training and not second.training and not third.training
    assert first.weight is not None and second.bias is None and second.momentum is None
    assert third.weight is None and not third.track_running_stats
    assert first.running_mean.tolist() == [0.5, 0.5] and first.num_batches_tracked.item() == 7
    names = [name for name, _ in converted.named_parameters()]
    assert names == ["0.weight", "0.bias", "1.weight", "1.bias", "3.0.weight", "3.1.weight", "3.1.bias"]
    assert sorted(converted.state_dict()) == sorted(nn.Sequential(
        nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Sequential(
            nn.BatchNorm1d(4, bias=False), nn.Linear(4, 4),
            nn.BatchNorm1d(4, affine=False, track_running_stats=False))).state_dict())
    lone = nn.BatchNorm3d(3)
    replaced = SyncBatchNorm.convert_sync_batchnorm(lone)
    assert type(replaced) is SyncBatchNorm and replaced.weight is lone.weight
    assert replaced.running_var is lone.running_var

def test_eval_mode_and_no_process_group_are_plain_batch_norm(monkeypatch):
    rng = np.random.default_rng(4 + rank())   # different data on each rank
    reference, sync = _reference(nn.BatchNorm2d, 3, 0.1, rng)
    reference.running_mean.data = tp.tensor(rng.standard_normal(3))
    sync.running_mean.data = tp.tensor(reference.running_mean.numpy())
    x = tp.tensor(rng.standard_normal((2, 3, 2, 2)))
    monkeypatch.setattr(dist, "_comm", lambda op: pytest.fail(f"{op} communicated"))
    reference.eval(), sync.eval()
    np.testing.assert_array_equal(sync(x).numpy(), reference(x).numpy())
    no_stats = SyncBatchNorm(3, track_running_stats=False).double().eval()   # batch statistics, but local
    np.testing.assert_allclose(no_stats(x).numpy(), F.batch_norm(x, None, None, training=True).numpy(), atol=1e-12)
    monkeypatch.setattr(dist, "is_initialized", lambda: False)   # a single process: PyTorch's fallback
    reference.train(), sync.train()
    np.testing.assert_array_equal(sync(x).numpy(), reference(x).numpy())
    np.testing.assert_array_equal(sync.running_var.numpy(), reference.running_var.numpy())

def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="num_features=0 must be at least 1"):
        SyncBatchNorm(0)
    with pytest.raises(TypeError, match="SyncBatchNorm: num_features must be an int, got 2.5"):
        SyncBatchNorm(2.5)
    with pytest.raises(ValueError, match="eps=-1 must be at least 0"):
        SyncBatchNorm(2, eps=-1)
    with pytest.raises(TypeError, match="momentum must be a number, got 'fast'"):
        SyncBatchNorm(2, momentum="fast")
    with pytest.raises(TypeError, match="affine must be True or False, got 1"):
        SyncBatchNorm(2, affine=1)
    with pytest.raises(ValueError, match="only the default process group.*got 'group1'"):
        SyncBatchNorm(2, process_group="group1")
    with pytest.raises(ValueError, match="only the default process group"):
        SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm1d(2), process_group=[0, 1])
    with pytest.raises(TypeError, match="module must be a Module, got 3"):
        SyncBatchNorm.convert_sync_batchnorm(3)
    norm = SyncBatchNorm(2)
    with pytest.raises(TypeError, match="input must be a Tensor"):
        norm([[1.0, 2.0]])
    with pytest.raises(ValueError, match=r"expected at least 2D input \(got 1D input of shape \(2,\)\)"):
        norm(tp.ones(2))
    with pytest.raises(ValueError, match="number of input channels should be non-zero"):
        norm(tp.ones(4, 0))
    with pytest.raises(ValueError, match=r"SyncBatchNorm\(2\) expects 2 channels in dim 1, got input shape \(4, 3\)"):
        norm(tp.ones(4, 3))
    with pytest.raises(TypeError, match="input must be float32 or float64, got int64"):
        norm(tp.tensor([[1, 2], [3, 4]]))
    with pytest.raises(TypeError, match="must have the input's dtype float64, got float32"):
        norm(tp.ones(4, 2, dtype=tp.float64))
    # one value per channel over both ranks: every rank raises, none waits for the other
    with pytest.raises(ValueError, match="more than 1 value per channel in training over all ranks"):
        norm(tp.ones(1 - rank(), 2))

def _model():
    return nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 4 * 4, 2))

def test_ddp_training_keeps_the_replicas_equal_and_matches_the_whole_batch():
    tp.manual_seed(rank())   # different initial weights: DDP takes rank 0's
    batches = []
    for step in range(3):
        rng = np.random.default_rng(10 + step)
        batches.append((rng.standard_normal((8, 1, 6, 6)).astype(np.float32), rng.integers(0, 2, 8)))
    assert_trains_as_one_process(SyncBatchNorm.convert_sync_batchnorm(_model()), _model, batches)
