"""Properties of numba's CUDA simulator that the CUDA tests rely on, as tinygrad_pool sets it up."""
import os
import time

import numpy as np
import pytest

cuda = pytest.importorskip("numba.cuda")
from numba import float64  # noqa: E402

import tinygrad_pool.backends.cuda  # noqa: E402,F401  (sets the simulator up)

pytestmark = [pytest.mark.cuda,
              pytest.mark.skipif(os.environ.get("NUMBA_ENABLE_CUDASIM") != "1", reason="runs under the simulator")]

@cuda.jit
def _rotate(out):
    slots = cuda.shared.array(32, float64)
    t = cuda.threadIdx.x
    slots[t] = t
    cuda.syncthreads()
    out[cuda.blockIdx.x, t] = slots[(t + 1) % 32]

def test_a_blocks_threads_share_one_array_per_line(monkeypatch):
    """Each thread writes its slot and reads its neighbour's: every read must see the write, which fails when
    two threads of a block are handed different arrays for the same line. A slow np.empty lets every thread
    switch while its shared array is being created, where a lookup that is not atomic goes wrong."""
    empty = np.empty

    def slow_empty(*args, **kwargs):
        time.sleep(1e-3)
        return empty(*args, **kwargs)

    out = np.zeros((4, 32))
    monkeypatch.setattr(np, "empty", slow_empty)
    _rotate[4, 32](out)
    monkeypatch.undo()
    np.testing.assert_array_equal(out, np.tile((np.arange(32) + 1) % 32, (4, 1)))
