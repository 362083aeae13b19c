"""Shared fixtures: the `device` parameter runs a test on the CPU and, where CUDA works, on CUDA.

CUDA means a real GPU, or numba's simulator when NUMBA_ENABLE_CUDASIM=1 is set before numba is imported
(CI runs `pytest -m cuda` in a separate process for that). Under the simulator every GPU thread is a Python
thread, so tests keep CUDA shapes tiny, and the "cudasim" profile below draws fewer hypothesis examples.
"""
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# `device` is a plain string: sharing it across hypothesis examples is safe.
_quiet = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
# CI draws the same examples on every run (HYPOTHESIS_DERANDOMIZE=1 in .ci/run), so that its verdict is
# reproducible; a developer's run draws fresh ones and keeps exploring.
_quiet["derandomize"] = os.environ.get("HYPOTHESIS_DERANDOMIZE") == "1"
settings.register_profile("default", max_examples=60, **_quiet)
# The simulator runs every GPU thread as a Python thread, and the bounds-checked pass recompiles every kernel:
# both see fewer examples, since the default pass has already drawn the full set on the same code.
settings.register_profile("cudasim", max_examples=5, **_quiet)
settings.register_profile("boundscheck", max_examples=20, **_quiet)
settings.load_profile("cudasim" if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1" else
                      "boundscheck" if os.environ.get("NUMBA_BOUNDSCHECK") == "1" else "default")

def cuda_available():
    try:
        from numba import cuda
        return cuda.is_available()
    except Exception:  # numba-cuda missing or no driver
        return False

CUDA = cuda_available()
SIMULATED = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"

def pytest_configure(config):
    if SIMULATED:   # the simulator runs uint64 hash arithmetic in numpy scalars, which warn where a GPU just wraps
        config.addinivalue_line("filterwarnings", "ignore:overflow encountered in scalar:RuntimeWarning")
        config.addinivalue_line("filterwarnings", "ignore:invalid value encountered in scalar subtract:RuntimeWarning")

DEVICES = [
    "cpu",
    pytest.param("cuda", marks=[pytest.mark.cuda,
                                pytest.mark.skipif(not CUDA, reason="no CUDA (set NUMBA_ENABLE_CUDASIM=1)")]),
]

@pytest.fixture(scope="module", params=DEVICES)
def device(request):
    return request.param

def tolerance(dtype):
    return dict(rtol=1e-5, atol=1e-6) if np.dtype(dtype) == np.float32 else dict(rtol=1e-12, atol=1e-12)

def assert_bad_input(case, table):
    """Run row `case` of a bad-input table {case: (call, exception type, phrase of the message)}."""
    call, error, phrase = table[case]
    with pytest.raises(error) as raised:
        call()
    assert phrase in str(raised.value), f"{case}: {raised.value!s} lacks {phrase!r}"
