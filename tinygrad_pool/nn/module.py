"""`Module`, `Parameter` and `Buffer`: PyTorch's way of grouping tensors that learn, and state that is kept but not
learned, with the code that uses them."""
import collections
import collections.abc
import functools
import inspect

import numpy as np

from ..arguments import check_bool
from ..backends import get_backend, normalize_device
from ..tensor import Tensor

class Parameter(Tensor):
    """A Tensor that a Module registers as learnable; it requires grad by default. Its storage is contiguous,
    so that optimizers can update it in place."""
    def __init__(self, data, requires_grad=True):
        source = data if isinstance(data, Tensor) else Tensor(np.asarray(data))
        storage = source._data
        if isinstance(storage, np.ndarray):
            # a read-only or strided view (from_numpy of np.frombuffer, a memory map, a transpose) is copied;
            # np.ascontiguousarray would also turn a 0-d array into a 1-d one
            storage = np.require(storage, requirements="CW")
        else:
            storage = source.xp.contiguous(storage)
        self._data, self.device, self.grad, self._ctx = storage, source.device, None, None
        self.requires_grad = requires_grad

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce__(self):
        return Parameter, (self.detach(), self.requires_grad)

class _BufferType(type):
    """isinstance(t, Buffer) holds for the tensors that Buffer(...) marked, as in PyTorch."""
    def __instancecheck__(cls, instance):
        return isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False)

class Buffer(metaclass=_BufferType):
    """Buffer(data=None, *, persistent=True): a Tensor marked as a buffer, so that `module.name = Buffer(t)`
    registers it as `register_buffer(name, t, persistent)` does. Like PyTorch's, it returns a plain Tensor (on
    data's storage, keeping its requires_grad) rather than an instance of a class of its own."""
    def __new__(cls, data=None, *, persistent=True):
        check_bool(persistent, "persistent", "Buffer")
        if data is None:
            data = Tensor(np.empty(0, np.float32))
        if not isinstance(data, Tensor):
            raise TypeError(f"Buffer: data must be a Tensor or None, got {type(data).__name__}")
        tensor = data.detach()
        tensor.requires_grad = data.requires_grad
        tensor._is_buffer, tensor.persistent = True, persistent
        return tensor

def _with_factory_arguments(init):
    """The library's module constructors take PyTorch's `device=` and `dtype=` (nn.Linear(4, 2, device="cuda")):
    the module is built as usual, then its tensors move and its floating-point ones take the dtype."""
    if {"device", "dtype"} & set(inspect.signature(init).parameters):
        return init

    @functools.wraps(init)
    def __init__(self, *args, device=None, dtype=None, **kwargs):
        init(self, *args, **kwargs)
        if dtype is not None:
            self.to(dtype)
        if device is not None:
            self.to(device)
    return __init__

def _joined(prefix, name):
    return f"{prefix}.{name}" if prefix else name

class Module:
    """Base class: assign Parameters and Modules as attributes, write `forward`, call the module.
    State that is saved but not learned (BatchNorm's running statistics) goes in through `register_buffer`."""
    training = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("tinygrad_pool.") and "__init__" in cls.__dict__:
            cls.__init__ = _with_factory_arguments(cls.__dict__["__init__"])

    def __init__(self):
        """Nothing to set up: PyTorch's subclasses call super().__init__() first, and may here too."""

    def __setattr__(self, name, value):
        if isinstance(value, Buffer):
            self.register_buffer(name, value, value.persistent)
            return
        order = self.__dict__.setdefault("_order", [])
        if isinstance(value, (Parameter, Module)) and name not in order:
            order.append(name)
        object.__setattr__(self, name, value)

    def register_buffer(self, name, tensor, persistent=True):
        """A tensor kept with the module (moved by .to()); a persistent one is also in the state dict."""
        if not isinstance(name, str) or not name.isidentifier():
            raise TypeError(f"register_buffer: name must be a str that is a valid attribute name, got {name!r}")
        if not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: buffer {name!r} must be a Tensor, got {type(tensor).__name__}")
        check_bool(persistent, "persistent", "register_buffer")
        names = self.__dict__.setdefault("_buffer_names", [])
        if name not in names:
            names.append(name)
        transient = self.__dict__.setdefault("_non_persistent", set())
        (transient.discard if persistent else transient.add)(name)
        object.__setattr__(self, name, tensor)

    def register_parameter(self, name, param):
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter or None, got {type(param).__name__}")
        setattr(self, name, param)

    def add_module(self, name, module):
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module or None, got {type(module).__name__}")
        setattr(self, name, module)

    register_module = add_module

    def apply(self, fn):
        """fn(module) for every submodule, children first, then this one (weight initialisation); returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

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
        for _, module in self.named_children():
            yield module

    def named_modules(self, prefix=""):
        """(name, module) for this module ("" or `prefix`) and every submodule: "0", "0.conv", ... as PyTorch names
        them."""
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(_joined(prefix, name))

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_parameters(self, prefix=""):
        for name, parameter in self._members(Parameter):
            yield _joined(prefix, name), parameter
        for name, child in self.named_children():
            yield from child.named_parameters(_joined(prefix, name))

    def parameters(self, recurse=True):
        for _, parameter in self.named_parameters() if recurse else self._members(Parameter):
            yield parameter

    def named_buffers(self, prefix=""):
        for name in self.__dict__.get("_buffer_names", []):
            yield _joined(prefix, name), getattr(self, name)
        for name, child in self.named_children():
            yield from child.named_buffers(_joined(prefix, name))

    def buffers(self):
        for _, buffer in self.named_buffers():
            yield buffer

    def _persistent_buffer_names(self):
        transient = self.__dict__.get("_non_persistent", ())
        return [name for name in self.__dict__.get("_buffer_names", []) if name not in transient]

    def state_dict(self):
        """{name: Tensor} of every parameter and buffer in PyTorch's order (each module's own parameters, then its
        buffers, then its children), detached: they share storage with the module."""
        state = collections.OrderedDict()
        for prefix, module in self.named_modules():
            state.update((_joined(prefix, name), p.detach()) for name, p in module._members(Parameter))
            state.update((_joined(prefix, name), getattr(module, name).detach())
                         for name in module._persistent_buffer_names())
        return state

    def load_state_dict(self, state_dict, strict=True):
        """Copy the values of a mapping {name: Tensor or numpy array} into the parameters and buffers, keeping
        their device and dtype. Returns (missing_keys, unexpected_keys).

        All or nothing: the keys (when strict, a KeyError), every shape and every value are checked before
        anything is assigned, so after an error the module is exactly as it was (but lazy modules have taken
        their shapes from the checkpoint). Values are copied, never shared, and cast as PyTorch's `copy_` casts
        them: float64 into float32 rounds; ints, bools and whole-numbered floats convert. A value that the target's dtype cannot hold is a ValueError where PyTorch changes it: a fraction,
        NaN or out-of-range number into an int64 or bool buffer (PyTorch truncates or wraps it), a finite float
        beyond float32's range (PyTorch makes it inf), complex numbers (PyTorch warns and drops the imaginary
        part); strings and objects are rejected too. NaN and inf load as they are, as in PyTorch, so the checkpoint
        of a diverged run loads without a word: check `np.isfinite(t.numpy()).all()` where that matters.
        """
        check_bool(strict, "strict", "load_state_dict")
        if not isinstance(state_dict, collections.abc.Mapping):
            raise TypeError(f"load_state_dict: state_dict must be a mapping {{name: Tensor or numpy array}}, got "
                            f"{type(state_dict).__name__}")
        for key in state_dict:
            if not isinstance(key, str):
                raise TypeError(f"load_state_dict: keys must be str names such as 'fc1.weight', got {key!r} "
                                f"({type(key).__name__})")
        own = dict(self.named_parameters())
        own.update((_joined(prefix, name), getattr(module, name)) for prefix, module in self.named_modules()
                   for name in module._persistent_buffer_names())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise KeyError(f"load_state_dict into {type(self).__name__}: missing keys {missing}, "
                           f"unexpected keys {unexpected}")
        for prefix, module in list(self.named_modules()):
            if hasattr(module, "load_state_dict_shapes"):   # a lazy module takes its shapes from the checkpoint
                module.load_state_dict_shapes(state_dict, prefix + "." if prefix else "")
        values, problems = {}, []
        for name, target in own.items():
            if name in state_dict:
                value, problem = _cast_for(name, state_dict[name], target)
                if problem:
                    problems.append(problem)
                values[name] = value
        if problems:
            raise ValueError(f"load_state_dict into {type(self).__name__}: " + "; ".join(problems))
        arrays = {name: own[name].xp.asarray(value) for name, value in values.items()}   # every copy made first
        for name, array in arrays.items():
            own[name]._data = array
        return missing, unexpected

    def to(self, *args, device=None, dtype=None):
        """Move every parameter and buffer in place (as PyTorch does) to a device, and/or cast the floating-point
        ones to a float dtype: m.to('cuda'), m.to(tp.float64), m.to('cuda', tp.float64). Gradients are dropped."""
        from ..tensor import DTYPES, as_dtype
        for arg in args:
            if isinstance(arg, str) or arg is None:
                device = arg if device is None else device
            else:
                dtype = arg if dtype is None else dtype
        if dtype is not None:
            dtype = as_dtype(dtype)
            if dtype.kind != "f" or dtype not in DTYPES:
                raise TypeError(f"{type(self).__name__}.to: dtype must be float32 or float64, got {dtype}")
        target = None if device is None else normalize_device(device)
        for tensor in list(self.parameters()) + list(self.buffers()):
            if target is not None and tensor.device != target:
                tensor._data, tensor.device, tensor.grad = get_backend(target).asarray(tensor.numpy()), target, None
            if dtype is not None and tensor.dtype.kind == "f" and tensor.dtype != dtype:
                tensor._data, tensor.grad = tensor.xp.astype(tensor._data, dtype), None
        return self

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda")

    def double(self):
        return self.to(np.dtype("float64"))

    def float(self):
        return self.to(np.dtype("float32"))

    def requires_grad_(self, requires_grad=True):
        for parameter in self.parameters():
            parameter.requires_grad = requires_grad
        return self

    def train(self, mode=True):
        check_bool(mode, "mode", f"{type(self).__name__}.train")
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

def _cast_for(name, value, target):
    """(value as a new C-contiguous array of target's dtype, None), or (None, why it cannot be one)."""
    if isinstance(value, Tensor):
        value = value.numpy()
    if not isinstance(value, (np.ndarray, np.generic)):
        raise TypeError(f"load_state_dict: {name} is a {type(value).__name__}, expected a Tensor or numpy array")
    value = np.asarray(value)
    if value.dtype.kind not in "biuf":
        return None, f"{name} holds {value.dtype} values, expected bool, int or float numbers"
    if value.shape != target.shape:
        return None, f"{name} has shape {value.shape} in the state dict, but {target.shape} in the module"
    with np.errstate(over="ignore", invalid="ignore"):
        cast = value.astype(target.dtype, order="C")
        lost = np.isinf(cast) & ~np.isinf(value) if target.dtype.kind == "f" else cast != value
    if lost.any():
        index = int(np.flatnonzero(lost)[0])
        where = f" at {tuple(map(int, np.unravel_index(index, value.shape)))}" if value.ndim else ""
        return None, (f"{name}{where} is {value.reshape(-1)[index].item()!r}, which the module's {target.dtype} "
                      f"cannot hold (it would become {cast.reshape(-1)[index].item()!r})")
    return cast, None
