"""The per-element formulas of `backends/scalar.py`, compiled for the CPU kernels.

`inline="always"` puts a formula's body into the loop of each kernel that calls it, as if it were written there.
max_wins is the exception: inlined that early, the max pooling loops around it no longer become vector code
(measured: the index pass of 3x3 max pooling twice as slow), while as a plain function LLVM inlines it later,
into loops that do.

Numba's on-disk cache keys a kernel by its own source file only: after a change to `backends/scalar.py`, the
kernels that call its formulas keep their cached code until their own files change, so clear the Numba cache
(the `__pycache__` folders, or NUMBA_CACHE_DIR) when editing a formula.
"""
from numba import njit

from .. import scalar

def _inlined(formula):
    return njit(inline="always", cache=True)(formula)

split_index = _inlined(scalar.split_index)
uniform_hash = _inlined(scalar.uniform_hash)
max_wins = njit(cache=True)(scalar.max_wins)
sgd_update = _inlined(scalar.sgd_update)
adam_update = _inlined(scalar.adam_update)
adadelta_update = _inlined(scalar.adadelta_update)
activation = _inlined(scalar.activation)
activation_grad = _inlined(scalar.activation_grad)
