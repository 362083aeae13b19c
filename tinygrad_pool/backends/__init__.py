"""Backends: one package per device, each exporting the functions that `interface.py` declares.

`cpu/` stores numpy arrays; `cuda/` stores `CudaArray`s (numba.cuda device memory). A backend is imported on its
first use, so a machine without a GPU (or without numba-cuda) never pays for the CUDA one.
"""
from ..device import CPU, CUDA, device as as_device

DEVICES = ("cpu", "cuda")

class MissingKernel(AttributeError):
    """A backend lacks a function an op asked for (a new op whose kernel exists on one device only, say)."""

def missing_kernel(device, name):
    """The error a backend package raises for a name it does not export (its module `__getattr__`)."""
    return MissingKernel(f"the {device} backend has no function {name!r}: add it there "
                         f"(tinygrad_pool/backends/interface.py lists what a backend provides)")

_NAMED = {"cpu": CPU, "cuda": CUDA, "cuda:0": CUDA}

def normalize_device(device):
    """'cpu', 'cuda', 'cuda:0' or a tinygrad_pool.device -> the device object of that backend (a str equal to
    'cpu' or 'cuda'); anything else is a ValueError."""
    if device is CPU or device is CUDA:
        return device
    if type(device) is str and device in _NAMED:
        return _NAMED[device]
    try:
        resolved = as_device(device)
    except TypeError:
        raise ValueError(f"unknown device {device!r}: use 'cpu' or 'cuda'") from None
    return CPU if resolved.type == "cpu" else CUDA

_loaded = {}

def get_backend(device):
    """The backend package for a normalized device name."""
    try:
        return _loaded[device]
    except KeyError:
        pass
    if device == "cpu":
        from . import cpu as backend
    else:
        from . import cuda as backend
    _loaded[device] = backend
    return backend

# PyTorch's torch.backends.cudnn and .mps settings and queries, for programs that set or ask them
from . import cudnn, mps  # noqa: E402,F401
