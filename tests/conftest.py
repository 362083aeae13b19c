"""Shared fixtures: the `device` parameter runs a test on the CPU and, where CUDA works, on CUDA.

CUDA means a real GPU, or numba's simulator when NUMBA_ENABLE_CUDASIM=1 is set before numba is imported
(CI runs `pytest -m cuda` in a separate process for that). Under the simulator every GPU thread is a Python
thread, so tests keep CUDA shapes tiny, and the "cudasim" profile below draws fewer hypothesis examples.
Property tests take their example counts from `examples` below.
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

# How many examples a property test draws, as a share of its full count: 60, or what the test gives `examples`.
# CI's pass of the README command draws them all (TINYGRAD_POOL_FULL_TESTS=1 in .ci/run); a plain `pytest -q`
# draws a fifth, so that it runs in minutes, and a fresh draw each time. The simulator runs every GPU thread as a
# Python thread, and the bounds-checked pass recompiles every kernel: both draw fewer, since the full pass has
# drawn every example on the same code.
SHARES = {"full": 1.0, "default": 0.2, "boundscheck": 0.25, "cudasim": 1 / 12}
PROFILE = ("cudasim" if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1" else
           "boundscheck" if os.environ.get("NUMBA_BOUNDSCHECK") == "1" else
           "full" if os.environ.get("TINYGRAD_POOL_FULL_TESTS") == "1" else "default")

def example_count(full, cudasim=None, profile=PROFILE):
    """The examples a run of `profile` draws of a test whose full count is `full`; `cudasim` replaces the share
    under the simulator, for tests whose CUDA cases cost more than most."""
    if profile == "cudasim" and cudasim is not None:
        return cudasim
    return max(3, round(full * SHARES[profile]))

def examples(full, cudasim=None):
    """@examples(80) instead of @settings(max_examples=80): the count scales with the run (SHARES)."""
    return settings(max_examples=example_count(full, cudasim))

for _name in SHARES:
    settings.register_profile(_name, max_examples=example_count(60, profile=_name), **_quiet)
settings.load_profile(PROFILE)

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
