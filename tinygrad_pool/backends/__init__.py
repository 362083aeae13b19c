"""Backends: one package per device, each exporting the functions that `interface.py` declares.

`cpu/` stores numpy arrays; `cuda/` stores `CudaArray`s (numba.cuda device memory). A backend is imported on its
first use, so a machine without a GPU (or without numba-cuda) never pays for the CUDA one.
"""
DEVICES = ("cpu", "cuda")

class MissingKernel(AttributeError):
    """A backend lacks a function an op asked for (a new op whose kernel exists on one device only, say)."""

def missing_kernel(device, name):
    """The error a backend package raises for a name it does not export (its module `__getattr__`)."""
    return MissingKernel(f"the {device} backend has no function {name!r}: add it there "
                         f"(tinygrad_pool/backends/interface.py lists what a backend provides)")

def normalize_device(device):
    """'cpu', 'cuda' or 'cuda:0' (one GPU is supported) -> 'cpu' or 'cuda'; anything else is a ValueError."""
    text = str(device)
    if text == "cuda:0":
        text = "cuda"
    if text not in DEVICES:
        raise ValueError(f"unknown device {device!r}: use 'cpu' or 'cuda'")
    return text

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
