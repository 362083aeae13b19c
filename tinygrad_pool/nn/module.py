"""`Module` and `Parameter`: PyTorch's way of grouping tensors that learn with the code that uses them."""
import numpy as np

from ..backends import get_backend, normalize_device
from ..tensor import Tensor

class Parameter(Tensor):
    """A Tensor that a Module registers as learnable; it requires grad by default. Its storage is contiguous,
    so that optimizers can update it in place."""
    def __init__(self, data, requires_grad=True):
        source = data if isinstance(data, Tensor) else Tensor(np.ascontiguousarray(data))
        self.data, self.device, self.grad, self._ctx = source.xp.contiguous(source.data), source.device, None, None
        self.requires_grad = requires_grad

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

class Module:
    """Base class: assign Parameters and Modules as attributes, write `forward`, call the module.
    State that is saved but not learned (BatchNorm's running statistics) goes in through `register_buffer`."""
    training = True

    def __setattr__(self, name, value):
        order = self.__dict__.setdefault("_order", [])
        if isinstance(value, (Parameter, Module)) and name not in order:
            order.append(name)
        object.__setattr__(self, name, value)

    def register_buffer(self, name, tensor):
        self.__dict__.setdefault("_buffer_names", []).append(name)
        object.__setattr__(self, name, tensor)

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def _members(self, kind):
        for name in self.__dict__.get("_order", []):
            value = self.__dict__.get(name)
            if isinstance(value, kind):
                yield name, value

    def named_children(self):
        yield from self._members(Module)

    def children(self):
        return [module for _, module in self.named_children()]

    def named_modules(self, prefix=""):
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(prefix + name + ".")

    def modules(self):
        return [module for _, module in self.named_modules()]

    def named_parameters(self, prefix=""):
        for name, parameter in self._members(Parameter):
            yield prefix + name, parameter
        for name, child in self.named_children():
            yield from child.named_parameters(prefix + name + ".")

    def parameters(self):
        return [parameter for _, parameter in self.named_parameters()]

    def named_buffers(self, prefix=""):
        for name in self.__dict__.get("_buffer_names", []):
            yield prefix + name, getattr(self, name)
        for name, child in self.named_children():
            yield from child.named_buffers(prefix + name + ".")

    def buffers(self):
        return [buffer for _, buffer in self.named_buffers()]

    def state_dict(self):
        """{name: Tensor} of every parameter and buffer in PyTorch's order (each module's own parameters, then its
        buffers, then its children), detached: they share storage with the module."""
        state = {}
        for prefix, module in self.named_modules():
            state.update((prefix + name, p.detach()) for name, p in module._members(Parameter))
            state.update((prefix + name, getattr(module, name).detach())
                         for name in module.__dict__.get("_buffer_names", []))
        return state

    def load_state_dict(self, state_dict, strict=True):
        """Copy values (Tensors or numpy arrays) into the parameters and buffers, keeping their device and dtype.
        Missing or unexpected keys (when strict) and shape mismatches raise a KeyError or ValueError naming them."""
        own = dict(self.named_parameters())
        own.update(self.named_buffers())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise KeyError(f"load_state_dict into {type(self).__name__}: missing keys {missing}, "
                           f"unexpected keys {unexpected}")
        values = {}
        for name, target in own.items():
            if name not in state_dict:
                continue
            value = state_dict[name]
            value = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
            if tuple(value.shape) != target.shape:
                raise ValueError(f"load_state_dict: {name} has shape {tuple(value.shape)} in the state dict, "
                                 f"but {target.shape} in the module")
            values[name] = value
        for name, value in values.items():   # nothing changes unless every entry fits
            target = own[name]
            target.data = target.xp.asarray(np.ascontiguousarray(value, dtype=target.dtype))
        return missing, unexpected

    def to(self, device):
        """Move every parameter and buffer (in place, like PyTorch) to `device`; gradients are dropped."""
        device = normalize_device(device)
        backend = get_backend(device)
        for tensor in self.parameters() + self.buffers():
            if tensor.device != device:
                tensor.data, tensor.device, tensor.grad = backend.asarray(tensor.numpy()), device, None
        return self

    def train(self, mode=True):
        object.__setattr__(self, "training", mode)
        for child in self.children():
            child.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def zero_grad(self):
        for parameter in self.parameters():
            parameter.grad = None

    def extra_repr(self):
        return ""

    def __repr__(self):
        children = [f"  ({name}): " + repr(child).replace("\n", "\n  ") for name, child in self.named_children()]
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        return f"{type(self).__name__}(\n" + "\n".join(children) + "\n)"
