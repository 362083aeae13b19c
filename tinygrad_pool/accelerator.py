"""`tinygrad_pool.accelerator`: PyTorch's torch.accelerator, the device-neutral query that newer examples use
(`device = torch.accelerator.current_accelerator() if torch.accelerator.is_available() else "cpu"`)."""
from . import cuda
from .device import CUDA

def is_available():
    return cuda.is_available()

def current_accelerator(check_available=False):
    """device('cuda', 0) when a GPU is there, else None."""
    return CUDA if cuda.is_available() else None

def device_count():
    return cuda.device_count()

def synchronize(device=None):
    cuda.synchronize()
