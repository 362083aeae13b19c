"""`DataParallel` and `data_parallel`, PyTorch's single-process data parallelism, for the one device this library
drives.

PyTorch splits each batch along `dim` over the GPUs in `device_ids`, runs a replica of the module on each and
gathers the outputs on `output_device`. With one GPU (or none) that is the module run as it is, which is what
`DataParallel` does here: on CUDA the module and the inputs go to the GPU, as PyTorch's scatter sends them there;
without CUDA it is a plain call. Programs written for DataParallel keep working, `.module` is the wrapped module
and the state dict's keys carry PyTorch's "module." prefix. (A module whose output for a sample depends on the
other samples, as BatchNorm in training does, sees the whole batch, where PyTorch's replicas each see a part.)
"""
from ..arguments import check_int, described, is_int
from ..cuda import is_available as cuda_is_available
from ..tensor import Tensor
from .distributed import DistributedDataParallel  # noqa: F401  (torch.nn.parallel.DistributedDataParallel)
from .module import Module

def _device_index(device, name):
    """A GPU index from an int or a CUDA device ('cuda', 'cuda:0', tinygrad_pool.device); only 0 exists."""
    if is_int(device):
        index = int(device)
    elif isinstance(device, str) and device.split(":")[0] == "cuda":
        index = int(device.split(":")[1]) if ":" in device and device.split(":")[1].isdigit() else 0
    else:
        raise TypeError(f"DataParallel: {name} must hold GPU indices (ints) or CUDA devices, got {described(device)}")
    if index != 0:
        raise ValueError(f"DataParallel: {name} names GPU {index}, but one GPU is supported: use 0")
    return index

def _to_device(value, device):
    """Tensors inside value (nested in tuples, lists and dicts) moved to `device`."""
    if isinstance(value, Tensor):
        return value.to(device)
    if isinstance(value, (tuple, list)):
        return type(value)(_to_device(v, device) for v in value)
    if isinstance(value, dict):
        return {k: _to_device(v, device) for k, v in value.items()}
    return value

class DataParallel(Module):
    """DataParallel(module, device_ids=None, output_device=None, dim=0): runs `module` on the one device (see the
    module docstring). device_ids defaults to [0] when CUDA is available and is [] without it."""
    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: module must be a Module, got {type(module).__name__}")
        self.dim = check_int(dim, "dim", "DataParallel")
        self.module = module
        if not cuda_is_available():
            self.device_ids, self.output_device = [], None
            return
        if device_ids is None:
            device_ids = [0]
        if isinstance(device_ids, (str, Tensor)) or not isinstance(device_ids, (tuple, list)) or not device_ids:
            raise ValueError(f"DataParallel: device_ids must be a non-empty list of GPU indices, got {device_ids!r}")
        self.device_ids = [_device_index(device, "device_ids") for device in device_ids]
        self.output_device = _device_index(self.device_ids[0] if output_device is None else output_device,
                                           "output_device")
        module.to("cuda")

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        for tensor in list(self.module.parameters()) + list(self.module.buffers()):
            if tensor.device != "cuda":
                raise RuntimeError(f"DataParallel: the module's parameters and buffers must be on cuda:0 (device_ids"
                                   f"[0]), found one on {tensor.device}")
        return self.module(*_to_device(inputs, "cuda"), **_to_device(kwargs, "cuda"))

def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """The functional form: module(*inputs, **module_kwargs) as DataParallel(module, device_ids, output_device,
    dim) runs it (a single tensor for `inputs` is one argument)."""
    if not isinstance(inputs, tuple):
        inputs = () if inputs is None else (inputs,)
    return DataParallel(module, device_ids, output_device, dim)(*inputs, **(module_kwargs or {}))
