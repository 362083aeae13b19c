"""The backend packages: each exports exactly the declared interface, and each module imports on its own."""
import importlib
import importlib.util
import inspect
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_pool as tp
from tinygrad_pool.autograd import Function
from tinygrad_pool.backends import MissingKernel, interface

BACKENDS_DIR = Path(tp.__file__).parent / "backends"

def _has_numba_cuda():
    """Whether the numba-cuda package is installed (the `cuda` extra): numba itself still ships an older
    numba.cuda, which imports but lacks what the CUDA backend uses."""
    return importlib.util.find_spec("numba_cuda") is not None

def _backend(device):
    if device == "cuda" and not _has_numba_cuda():
        pytest.skip("numba-cuda is not installed")
    return importlib.import_module(f"tinygrad_pool.backends.{device}")

def _parameters(function):
    if isinstance(function, np.ufunc):   # np.add and the like: numpy fixes their arguments
        return None
    return list(inspect.signature(function).parameters)

@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_backend_exports_exactly_the_interface(device):
    backend = _backend(device)
    assert backend.name == device
    assert sorted(backend.__all__) == sorted(interface.FUNCTIONS)
    public = {name for name, value in vars(backend).items() if not name.startswith("_") and callable(value)}
    assert public == set(interface.FUNCTIONS), public ^ set(interface.FUNCTIONS)
    for name in interface.FUNCTIONS:
        provided = getattr(backend, name)
        assert callable(provided), name
        parameters = _parameters(provided)
        if parameters is not None:
            assert tuple(parameters) == interface.FUNCTIONS[name].parameters, f"{device}.{name}{parameters}"

def _backend_modules():
    """Every module under tinygrad_pool/backends/, by dotted name."""
    names = []
    for info in pkgutil.walk_packages([str(BACKENDS_DIR)], prefix="tinygrad_pool.backends."):
        names.append(info.name)
    return ["tinygrad_pool.backends"] + sorted(names)

# One fresh interpreter imports the third-party libraries, then forks a child per module that imports it: each child
# starts with none of this package loaded, as a fresh interpreter would, without paying numpy's, scipy's and
# numba's imports again (about half of the second a fresh interpreter took here). The children run side by side,
# on every core, and the parent prints one line per module, "name rc", in order; tracebacks go to stderr.
_FORK_EACH = """
import os, sys, traceback
import numpy, scipy.linalg, numba
try:
    import numba.cuda
except ImportError:
    pass
children = []
for module in sys.argv[1:]:
    pid = os.fork()
    if pid == 0:
        try:
            __import__(module)
        except BaseException:
            traceback.print_exc()
            sys.stderr.flush()
            os._exit(1)
        os._exit(0)
    children.append((module, pid))
for module, pid in children:
    print(module, os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
"""

@pytest.fixture(scope="module")
def imported_alone():
    """{module: exit code} for every backend module imported in a fresh child, and the children's stderr."""
    modules = [m for m in _backend_modules() if ".cuda" not in m or _has_numba_cuda()]
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")   # CUDA modules import without a GPU under the simulator
    result = subprocess.run([sys.executable, "-c", _FORK_EACH, *modules], env=env, capture_output=True, text=True)
    codes = dict(line.split() for line in result.stdout.splitlines())
    return {module: int(code) for module, code in codes.items()}, result.stderr

@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.parametrize("module", _backend_modules())
def test_every_backend_module_imports_alone_in_a_fresh_interpreter(module, imported_alone):
    if ".cuda" in module and not _has_numba_cuda():
        pytest.skip("numba-cuda is not installed")
    codes, stderr = imported_alone
    assert codes.get(module) == 0, stderr

def test_a_kernel_a_backend_lacks_fails_at_once_naming_op_and_device():
    class Frobnicate(Function):
        def forward(self, x):
            return self.xp.frobnicate(x)

    with pytest.raises(MissingKernel, match=r"Frobnicate on cpu: the cpu backend has no function 'frobnicate'"):
        Frobnicate.apply(tp.ones(2))

def test_a_missing_backward_kernel_names_op_and_device():
    class HalfKnown(Function):
        def forward(self, x):
            return self.xp.neg(x)

        def backward(self, g):
            return self.xp.frobnicate_backward(g)

    y = HalfKnown.apply(tp.ones(2, requires_grad=True)).sum()
    with pytest.raises(MissingKernel, match=r"HalfKnown backward on cpu: .*'frobnicate_backward'"):
        y.backward()

@pytest.mark.parametrize("path", sorted((BACKENDS_DIR / "cpu").glob("*.py")), ids=lambda p: p.name)
def test_every_parallel_cpu_kernel_follows_the_serial_switch(path):
    """A kernel written parallel=True would skip the serial, bounds-checked pass (compile.PARALLEL)."""
    source = path.read_text()
    assert "parallel=True" not in source, f"{path.name}: write @njit(parallel=PARALLEL, cache=True)"
    for decorator in ("@njit(", "@cuda.jit("):
        for line in source.splitlines():
            if line.lstrip().startswith(decorator) and "inline=" not in line:
                assert "cache=True" in line or "**" in line, f"{path.name}: {line.strip()} lacks cache=True"
