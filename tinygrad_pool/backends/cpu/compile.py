"""The per-element formulas of `backends/scalar.py`, compiled for the CPU kernels.

`inline="always"` puts a formula's body into the loop of each kernel that calls it, as if it were written there.
max_wins is the exception: inlined that early, the max pooling loops around it no longer become vector code
(measured: the index pass of 3x3 max pooling twice as slow), while as a plain function LLVM inlines it later,
into loops that do.

Numba's on-disk cache keys a kernel by its own source file only: after a change to `backends/scalar.py`, the
kernels that call its formulas keep their cached code until their own files change, so clear the Numba cache
(the `__pycache__` folders, or NUMBA_CACHE_DIR) when editing a formula.
"""
import os

from numba import njit

from .. import scalar

# TINYGRAD_POOL_SERIAL_KERNELS=1 compiles every parallel kernel with parallel=False, so that its prange loops run
# as plain loops: NUMBA_BOUNDSCHECK=1 checks no index inside a parallel loop, and checks all of them then. Numba's
# cache does not tell the two builds apart, so that mode keeps its own cache (NUMBA_CACHE_DIR).
PARALLEL = os.environ.get("TINYGRAD_POOL_SERIAL_KERNELS") != "1"
if not PARALLEL and not os.environ.get("NUMBA_CACHE_DIR"):
    raise RuntimeError("TINYGRAD_POOL_SERIAL_KERNELS=1 needs NUMBA_CACHE_DIR set to a folder of its own: Numba's "
                       "cache would mix the serial kernels with the parallel ones")

def _inlined(formula):
    return njit(inline="always", cache=True)(formula)

split_index = _inlined(scalar.split_index)
uniform_hash = _inlined(scalar.uniform_hash)
max_wins = njit(cache=True)(scalar.max_wins)
sgd_update = _inlined(scalar.sgd_update)
adam_update = _inlined(scalar.adam_update)
adadelta_update = _inlined(scalar.adadelta_update)
rmsprop_update = _inlined(scalar.rmsprop_update)
adagrad_update = _inlined(scalar.adagrad_update)
adamax_update = _inlined(scalar.adamax_update)
nadam_update = _inlined(scalar.nadam_update)
radam_update = _inlined(scalar.radam_update)
activation = _inlined(scalar.activation)
activation_grad = _inlined(scalar.activation_grad)
grid_tap = _inlined(scalar.grid_tap)
scatter_combine = _inlined(scalar.scatter_combine)
special = _inlined(scalar.special)
