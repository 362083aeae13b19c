"""What running under numba's CUDA simulator (NUMBA_ENABLE_CUDASIM=1) needs, set up once on import.

The simulator runs each GPU thread of a block as a Python thread. Two of its behaviours are changed here:

- Its block manager busy-polls those threads, so each time it takes the GIL it keeps it for a whole switch
  interval (5 ms by default) and every thread waits that long to run. The interval is process-wide; 50 us runs
  simulated kernels about 10x faster (a cold tests/test_normalization.py -m cuda: 710 s to 64 s on a 2-core EPYC).
- It gives a block's threads one shared array per source line by looking the line up in a dict and, when it is
  missing, creating the array and storing it. Two threads can both find it missing and each keep its own array,
  and then neither sees the other's writes: a tiled kernel reads garbage. The finer switching above makes that
  likely (a flaky matmul under the simulator), so the lookup and store become one atomic dict.setdefault.
"""
import sys

import numpy as np
from numba.cuda import types
from numba.cuda.np import numpy_support
from numba.cuda.simulator.kernelapi import FakeCUDAShared

_simulator_shared_array = FakeCUDAShared.array

def _shared_array(self, shape, dtype, alignment=None):
    """The block's one array for the calling source line, whichever of its threads asks first."""
    if shape == 0 or alignment is not None:   # dynamic shared memory (one buffer, no lookup), or its error
        return _simulator_shared_array(self, shape, dtype, alignment)
    if isinstance(dtype, types.Type):
        dtype = numpy_support.as_dtype(dtype)
    caller = sys._getframe(1)
    line = (caller.f_code.co_filename, caller.f_lineno)
    array = self._allocations.get(line)
    if array is None:
        array = self._allocations.setdefault(line, np.empty(shape, dtype))
    return array

sys.setswitchinterval(5e-5)
FakeCUDAShared.array = _shared_array
