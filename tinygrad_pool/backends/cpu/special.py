"""Special functions on the CPU: expm1, log2, log10, trunc, erf, erfc, erfinv and sinc in one parallel loop over
the formulas of `backends/scalar.py` (the same ones CUDA runs), and numpy's atan2, fmod, hypot and copysign, which
already stream memory at full speed."""
import numpy as np
from numba import njit, prange

from .compile import PARALLEL, special as _special

@njit(parallel=PARALLEL, cache=True)
def _special_kernel(x, kind, out):
    for i in prange(x.size):
        out[i] = _special(kind, x[i])

def special(x, kind):
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty_like(flat)
    _special_kernel(flat, kind, out)
    return out.reshape(x.shape)

atan2, hypot, copysign = np.arctan2, np.hypot, np.copysign

def fmod(a, b):
    """numpy's fmod, without its warning where C's fmod is NaN (an infinite a, a zero b), as CUDA's."""
    with np.errstate(invalid="ignore"):
        return np.fmod(a, b)
