"""tinygrad_pool.distributed without a job (its errors), and jobs launched here with `mpiexec -n 2` that must end,
not hang, when a rank fails: an uncaught exception aborts every rank with its traceback, a killed rank ends the
job. (The collectives and DistributedDataParallel are tested on two ranks in tests/distributed.)"""
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import tinygrad_pool as tp
import tinygrad_pool.distributed as dist

ROOT = Path(__file__).resolve().parent.parent
MPIEXEC = shutil.which("mpiexec") or (str(Path(sys.executable).parent / "mpiexec")
                                      if (Path(sys.executable).parent / "mpiexec").exists() else None)
needs_mpi = pytest.mark.skipif(not dist.is_available() or MPIEXEC is None,
                               reason="needs mpi4py and mpiexec: pip install -e '.[distributed]'")

def test_without_a_group_every_call_says_to_initialize_one():
    for call in (dist.get_rank, dist.get_world_size, dist.barrier, lambda: dist.all_reduce(tp.zeros(1))):
        with pytest.raises(RuntimeError, match="init_process_group"):
            call()
    assert not dist.is_initialized()

def test_only_the_mpi_backend_exists():
    with pytest.raises(ValueError, match="backend 'nccl' is not available; the backend is 'mpi'"):
        dist.init_process_group("nccl")

def test_a_collective_checks_its_tensor_first():
    with pytest.raises(TypeError, match=r"tensor must be a Tensor, got \[1.0\] \(list\)"):
        dist.all_reduce([1.0])

@needs_mpi
def test_a_world_size_or_rank_other_than_mpis_is_refused():
    with pytest.raises(ValueError, match="world_size=3, but mpiexec started this process as world_size 1"):
        dist.init_process_group("mpi", world_size=3)
    assert not dist.is_initialized()

TRAINING = """
import os, sys
sys.path.insert(0, {root!r})
import tinygrad_pool as tp, tinygrad_pool.distributed as dist, tinygrad_pool.nn as nn
import tinygrad_pool.nn.functional as F
dist.init_process_group("mpi")
model = nn.parallel.DistributedDataParallel(nn.Linear(4, 2))
for step in range(1000000):
    F.mse_loss(model(tp.randn(8, 4)), tp.zeros(8, 2)).backward()
    if step == 20 and dist.get_rank() == 1:
        {failure}
"""

def _run_job(failure, timeout=60):
    script = TRAINING.format(root=str(ROOT), failure=failure)
    env = dict(os.environ, NUMBA_NUM_THREADS="1")
    start = time.perf_counter()
    done = subprocess.run([MPIEXEC, "-n", "2", sys.executable, "-c", textwrap.dedent(script)], env=env,
                          capture_output=True, text=True, timeout=timeout)
    return done, time.perf_counter() - start

@needs_mpi
def test_an_exception_on_one_rank_aborts_the_job_with_its_traceback():
    done, seconds = _run_job('raise ValueError("rank 1 fails here")')
    assert done.returncode != 0
    assert "ValueError: rank 1 fails here" in done.stderr and "aborting every rank" in done.stderr
    assert seconds < 30

@needs_mpi
def test_a_killed_rank_ends_the_job_within_seconds():
    done, seconds = _run_job("os.kill(os.getpid(), 9)")
    assert done.returncode != 0
    assert seconds < 30

@pytest.mark.parametrize("call,error,phrase", [
    (lambda nn: nn.parallel.DistributedDataParallel(3), TypeError, "module must be a Module, got 3"),
    (lambda nn: nn.parallel.DistributedDataParallel(nn.Linear(1, 1), bucket_cap_mb=0), ValueError,
     "bucket_cap_mb must be positive, got 0"),
    (lambda nn: nn.parallel.DistributedDataParallel(nn.Linear(1, 1), process_group="g"), ValueError,
     "only the default process group"),
    (lambda nn: nn.parallel.DistributedDataParallel(nn.Linear(1, 1), find_unused_parameters=1), TypeError,
     "find_unused_parameters"),
    (lambda nn: nn.parallel.DistributedDataParallel(nn.Linear(1, 1)), RuntimeError, "init_process_group"),
])
def test_distributed_data_parallel_checks_its_arguments_before_any_communication(call, error, phrase):
    import tinygrad_pool.nn as nn
    with pytest.raises(error, match=phrase):
        call(nn)
