"""The tests in this folder run on every rank of `mpiexec -n 2 python -m pytest tests/distributed` (CI runs them so);
in a plain pytest run, with one process or without mpi4py, they skip."""
from pathlib import Path

import pytest

import tinygrad_pool.distributed as dist

def _world_size():
    if not dist.is_available():
        return 0
    from mpi4py import MPI
    return MPI.COMM_WORLD.Get_size()

HERE = Path(__file__).parent

def pytest_collection_modifyitems(config, items):
    if _world_size() != 2:
        skip = pytest.mark.skip(reason="runs under mpiexec -n 2 (see tests/distributed/conftest.py)")
        for item in items:
            if HERE in Path(item.fspath).parents:
                item.add_marker(skip)

@pytest.fixture(scope="session", autouse=True)
def process_group():
    if _world_size() == 2:
        dist.init_process_group("mpi")
        yield
        dist.destroy_process_group()
    else:
        yield
