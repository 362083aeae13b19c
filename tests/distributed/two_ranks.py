"""What the tests in this folder share. They run on every rank of `mpiexec -n 2 python -m pytest tests/distributed`
(CI runs them so) and skip in a plain pytest run, with one process or without mpi4py. (A conftest.py here would
shadow tests/conftest.py, which the other test files import as `conftest`.)"""
import numpy as np
import pytest

import tinygrad_pool as tp
import tinygrad_pool.distributed as dist
import tinygrad_pool.nn as nn
import tinygrad_pool.nn.functional as F
from tinygrad_pool import optim

def _world_size():
    if not dist.is_available():
        return 0
    from mpi4py import MPI
    return MPI.COMM_WORLD.Get_size()

needs_two_ranks = pytest.mark.skipif(_world_size() != 2, reason="runs under mpiexec -n 2 (see two_ranks.py)")

@pytest.fixture(autouse=True)
def process_group():
    """The MPI job's group, joined by the first test that runs and kept until the process ends."""
    if not dist.is_initialized():
        dist.init_process_group("mpi")

def assert_trains_as_one_process(model, make_reference, batches, **ddp_options):
    """Train `model` in DDP on this rank's half of each (x, y) of `batches`, and make_reference() from rank 0's
    initial state on whole batches, with SGD and momentum; then compare every entry of the state dicts."""
    initial = [{k: v.numpy().copy() for k, v in model.state_dict().items()}]
    dist.broadcast_object_list(initial, src=0)
    ddp = nn.parallel.DistributedDataParallel(model, **ddp_options)
    reference = make_reference()
    reference.load_state_dict({k: tp.tensor(v) for k, v in initial[0].items()})
    optimizer = optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    reference_optimizer = optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    for x, y in batches:
        half = len(x) // 2
        mine = slice(dist.get_rank() * half, (dist.get_rank() + 1) * half)
        optimizer.zero_grad()
        F.cross_entropy(ddp(tp.tensor(x[mine])), tp.tensor(y[mine])).backward()
        optimizer.step()
        reference_optimizer.zero_grad()
        F.cross_entropy(reference(tp.tensor(x)), tp.tensor(y)).backward()
        reference_optimizer.step()
    ours = {k: v.numpy() for k, v in model.state_dict().items()}
    everyone = [None, None]
    dist.all_gather_object(everyone, ours)
    for name, value in ours.items():
        np.testing.assert_array_equal(everyone[0][name], everyone[1][name])   # the replicas are identical
        np.testing.assert_allclose(value, reference.state_dict()[name].numpy(), rtol=1e-5, atol=1e-5)
    return ddp
