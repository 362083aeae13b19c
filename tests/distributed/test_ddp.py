"""DistributedDataParallel and the collectives on two ranks (run under mpiexec -n 2; see conftest.py)."""
import numpy as np
import pytest

import tinygrad_pool as tp
import tinygrad_pool.distributed as dist
import tinygrad_pool.nn as nn
from two_ranks import assert_trains_as_one_process, needs_two_ranks, process_group  # noqa: F401

pytestmark = needs_two_ranks

def rank():
    return dist.get_rank()

def test_the_group_is_mpis_world():
    assert dist.is_initialized() and dist.get_world_size() == 2 and dist.get_backend() == "mpi"
    assert rank() in (0, 1)

@pytest.mark.parametrize("op,expected", [(dist.ReduceOp.SUM, [1.0, 3.0]), (dist.ReduceOp.AVG, [0.5, 1.5]),
                                         (dist.ReduceOp.MAX, [1.0, 2.0]), (dist.ReduceOp.MIN, [0.0, 1.0]),
                                         (dist.ReduceOp.PRODUCT, [0.0, 2.0])])
def test_all_reduce_in_place(op, expected):
    t = tp.tensor([float(rank()), rank() + 1.0])
    assert dist.all_reduce(t, op) is None
    assert t.tolist() == expected

def test_all_reduce_of_a_view_writes_into_its_base_and_async_waits():
    base = tp.zeros(2, 3)
    column = base[:, 1]
    column.fill_(rank() + 1.0)
    work = dist.all_reduce(column, async_op=True)
    work.wait()
    assert work.is_completed() and base.tolist() == [[0.0, 3.0, 0.0], [0.0, 3.0, 0.0]]

def test_broadcast_reduce_gather_scatter():
    t = tp.tensor([rank() * 10.0 + 1])
    dist.broadcast(t, src=1)
    assert t.tolist() == [11.0]
    t = tp.tensor([rank() + 1.0])
    dist.reduce(t, dst=0)
    assert t.tolist() == ([3.0] if rank() == 0 else [2.0])
    gathered = [tp.zeros(2), tp.zeros(2)]
    dist.all_gather(gathered, tp.tensor([rank(), -rank()], dtype=tp.float32))
    assert [g.tolist() for g in gathered] == [[0.0, 0.0], [1.0, -1.0]]
    received = tp.zeros(2)
    dist.scatter(received, [tp.tensor([1.0, 2.0]), tp.tensor([3.0, 4.0])] if rank() == 0 else None, src=0)
    assert received.tolist() == ([1.0, 2.0] if rank() == 0 else [3.0, 4.0])
    objects = [None, None]
    dist.all_gather_object(objects, {"rank": rank()})
    assert objects == [{"rank": 0}, {"rank": 1}]

def test_bad_arguments_are_refused_on_every_rank_before_any_transfer():
    with pytest.raises(ValueError, match="src must be a rank in \\[0, 2\\), got 5"):
        dist.broadcast(tp.zeros(1), src=5)
    with pytest.raises(TypeError, match="AVG needs a floating tensor"):
        dist.all_reduce(tp.tensor([1, 2]), dist.ReduceOp.AVG)
    with pytest.raises(ValueError, match="op must be a ReduceOp"):
        dist.all_reduce(tp.zeros(1), "sum")
    with pytest.raises(ValueError, match="list of world size 2"):
        dist.all_gather([tp.zeros(1)], tp.zeros(1))
    with pytest.raises(RuntimeError, match="initialized already"):
        dist.init_process_group("mpi")

def _model():
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))

GLOBAL_BATCH = 8

def _batch(step):
    rng = np.random.default_rng(100 + step)
    x = rng.standard_normal((GLOBAL_BATCH, 1, 6, 6)).astype(np.float32)
    y = rng.integers(0, 3, GLOBAL_BATCH)
    return x, y

def test_two_ranks_train_as_one_process_on_the_whole_batch():
    tp.manual_seed(rank())   # different initial weights on each rank: DDP makes them rank 0's
    ddp = assert_trains_as_one_process(_model(), _model, [_batch(step) for step in range(10)],
                                       bucket_cap_mb=0.0005)   # 512 bytes: several buckets
    assert len(ddp._buckets) > 1

def test_no_sync_accumulates_locally_then_averages_the_sums():
    model = nn.Linear(2, 1, bias=False)
    ddp = nn.parallel.DistributedDataParallel(model)
    x = tp.tensor([[rank() + 1.0, 0.0]])
    with ddp.no_sync():
        ddp(x).sum().backward()
    assert model.weight.grad.tolist() == [[rank() + 1.0, 0.0]]   # local
    ddp(x).sum().backward()
    assert model.weight.grad.tolist() == [[3.0, 0.0]]   # the mean over ranks of 2 * (rank + 1)

def test_a_grad_reference_sees_the_mean_and_unused_parameters_need_the_flag():
    model = nn.ModuleDict({"used": nn.Linear(2, 1), "unused": nn.Linear(2, 1)})
    ddp = nn.parallel.DistributedDataParallel(model, find_unused_parameters=True)
    model["used"](tp.tensor([[1.0, float(rank())]])).sum().backward()
    assert model["used"].weight.grad.tolist() == [[1.0, 0.5]] and model["unused"].weight.grad is None
    strict = nn.parallel.DistributedDataParallel(nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 1)}))
    with pytest.raises(RuntimeError, match="got no gradient.*find_unused_parameters=True"):
        strict.module["a"](tp.ones(1, 2)).sum().backward()

def test_different_models_raise_the_same_error_on_every_rank():
    model = nn.Linear(3, 2) if rank() == 0 else nn.Linear(3, 4)
    with pytest.raises(ValueError, match=r"parameter 0 is weight \(2, 3\) float32 on rank 0 but weight \(4, 3\) "
                                         r"float32 on rank 1"):
        nn.parallel.DistributedDataParallel(model)
    deeper = nn.Sequential(nn.Linear(2, 2)) if rank() == 0 else nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    with pytest.raises(ValueError, match="rank 0 has 2 parameters that require grad, rank 1 has 4"):
        nn.parallel.DistributedDataParallel(deeper)

def test_buffers_follow_rank_0_each_training_forward():
    model = nn.BatchNorm1d(2)
    ddp = nn.parallel.DistributedDataParallel(model)
    model.running_mean.fill_(float(rank()))
    ddp(tp.ones(4, 2))
    assert model.running_mean.tolist() == pytest.approx([0.1, 0.1])   # rank 0's 0, then momentum toward 1
    ddp(tp.ones(4, 2))   # the counter of batches is a buffer too, broadcast in place at every forward
    assert model.running_mean.tolist() == pytest.approx([0.19, 0.19]) and model.num_batches_tracked.item() == 2

def test_collectives_and_ddp_on_either_device(device):
    """On CUDA the values go through host memory; the result lands in the tensor on its device."""
    t = tp.tensor([float(rank()), 1.0], device=device)
    dist.all_reduce(t, dist.ReduceOp.AVG)
    assert t.device == device and t.tolist() == [0.5, 1.0]
    t = tp.tensor([rank() + 5.0], device=device)
    dist.broadcast(t, src=1)
    assert t.tolist() == [6.0]
    model = nn.Linear(2, 1, bias=False).to(device)
    ddp = nn.parallel.DistributedDataParallel(model)
    ddp(tp.tensor([[rank() + 1.0, 0.0]], device=device)).sum().backward()
    assert model.weight.grad.device == device and model.weight.grad.tolist() == [[1.5, 0.0]]
