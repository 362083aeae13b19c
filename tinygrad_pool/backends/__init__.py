"""Backends: one module per device, each offering the same functions over its own array type.

`cpu` stores numpy arrays; `cuda` stores `CudaArray`s (numba.cuda device memory). The CUDA module is imported on
first use, so a machine without a GPU (or without numba-cuda) never pays for it.
"""
import importlib

DEVICES = ("cpu", "cuda")

def normalize_device(device):
    """'cpu', 'cuda' or 'cuda:0' (one GPU is supported) -> 'cpu' or 'cuda'; anything else is a ValueError."""
    text = str(device)
    if text in ("cuda:0",):
        text = "cuda"
    if text not in DEVICES:
        raise ValueError(f"unknown device {device!r}: use 'cpu' or 'cuda'")
    return text

def get_backend(device):
    """The backend module for a normalized device name."""
    return importlib.import_module(f"tinygrad_pool.backends.{device}")
