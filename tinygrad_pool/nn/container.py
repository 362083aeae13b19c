"""Containers: `Sequential` (modules applied one after another), `ModuleList`, `ModuleDict`, and the parameter
containers `ParameterList` and `ParameterDict`."""
import collections
import collections.abc

from ..arguments import is_int
from ..legacy import tensor_type_name
from ..tensor import Tensor
from .module import Module, Parameter

def _replace_children(container, named):
    """Make `named` ((name, module) pairs, in order) the container's children, in place of the ones it had."""
    for name, _ in list(container.named_children()):
        container.__dict__["_order"].remove(name)
        del container.__dict__[name]
    for name, module in named:
        setattr(container, name, module)

def _position(index, length, what):
    """A list position from an int index, negative ones counting from the end."""
    if not is_int(index):
        raise TypeError(f"{what} indices must be ints or slices, got {type(index).__name__}")
    if not -length <= index < length:
        raise IndexError(f"index {index} is out of range for a {what} of length {length}")
    return index % length

class Sequential(Module):
    """Sequential(conv, relu, ...) calls each module on the previous one's output; children are named 0, 1, ...,
    or, from Sequential(OrderedDict([(name, module), ...])), by the dict's names."""
    def __init__(self, *modules):
        if len(modules) == 1 and isinstance(modules[0], collections.OrderedDict):
            named = list(modules[0].items())
        else:
            named = [(str(i), module) for i, module in enumerate(modules)]
        for i, (name, module) in enumerate(named):
            if not isinstance(module, Module):
                raise TypeError(f"Sequential: argument {i} is a {type(module).__name__}, not a Module (pass names "
                                "as an OrderedDict)")
            if not isinstance(name, str) or not name or "." in name or hasattr(type(self), name):
                raise KeyError(f"Sequential: a child's name must be a non-empty str without '.' that is no "
                               f"attribute of Sequential, got {name!r}")
            setattr(self, name, module)

    def forward(self, input):
        for module in self.children():
            input = module(input)
        return input

    def __getitem__(self, index):
        """The module at `index`, or for a slice a Sequential of those modules under their names, as in PyTorch."""
        named = list(self.named_children())
        if isinstance(index, slice):
            return Sequential(collections.OrderedDict(named[index]))
        return named[_position(index, len(named), "Sequential")][1]

    def __setitem__(self, index, module):
        """Replace the module at `index`, keeping its name."""
        if not isinstance(module, Module):
            raise TypeError(f"Sequential: entry {index} must be a Module, got {type(module).__name__}")
        named = list(self.named_children())
        position = _position(index, len(named), "Sequential")
        named[position] = (named[position][0], module)
        _replace_children(self, named)

    def __delitem__(self, index):
        """Remove the module(s) at `index`; the rest are numbered 0, 1, ... again, as in PyTorch."""
        modules = list(self.children())
        if isinstance(index, slice):
            del modules[index]
        else:
            del modules[_position(index, len(modules), "Sequential")]
        _replace_children(self, [(str(i), module) for i, module in enumerate(modules)])

    def __len__(self):
        return len(list(self.children()))

    def __iter__(self):
        return iter(self.children())

    def append(self, module):
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.append: expected a Module, got {type(module).__name__}")
        setattr(self, str(len(self)), module)
        return self

    def extend(self, sequential):
        for module in sequential:
            self.append(module)
        return self

    def insert(self, index, module):
        """Put `module` at position `index` (-len <= index <= len), moving the later ones up by one."""
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.insert: expected a Module, got {type(module).__name__}")
        length = len(self)
        if not is_int(index) or not -length <= index <= length:
            raise IndexError(f"Sequential.insert: index {index!r} is out of range for length {length}")
        modules = list(self.children())
        modules.insert(index + length if index < 0 else index, module)
        _replace_children(self, [(str(i), m) for i, m in enumerate(modules)])
        return self

    def pop(self, index):
        module = self[index]
        del self[index]
        return module

    def __add__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError(f"Sequential + : the other operand must be a Sequential, got {type(other).__name__}")
        return Sequential(*self, *other)

    def __iadd__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError(f"Sequential += : the other operand must be a Sequential, got {type(other).__name__}")
        return self.extend(list(other))

    def __mul__(self, times):
        """A Sequential of this one's modules `times` times over (the same module objects, as in PyTorch)."""
        if not is_int(times) or times < 1:
            raise ValueError(f"Sequential * : the factor must be a positive int, got {times!r}")
        return Sequential(*(list(self) * times))

    __rmul__ = __mul__

class ModuleList(Module):
    """A list of modules, registered as children 0, 1, ... so that their parameters are the list's."""
    def __init__(self, modules=None):
        for module in modules or ():
            self.append(module)

    def _check(self, module, where):
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList: {where} is a {type(module).__name__}, not a Module")
        return module

    def _reset(self, modules):
        for name in [name for name, _ in self.named_children()]:
            self.__dict__["_order"].remove(name)
            del self.__dict__[name]
        for i, module in enumerate(modules):
            setattr(self, str(i), module)

    def append(self, module):
        setattr(self, str(len(self)), self._check(module, f"entry {len(self)}"))
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        modules = list(self.children())
        modules.insert(index, self._check(module, "the inserted entry"))
        self._reset(modules)

    def __getitem__(self, index):
        children = list(self.children())
        return ModuleList(children[index]) if isinstance(index, slice) else children[index]

    def __setitem__(self, index, module):
        modules = list(self.children())
        modules[index] = self._check(module, f"entry {index}")
        self._reset(modules)

    def __delitem__(self, index):
        modules = list(self.children())
        del modules[index]
        self._reset(modules)

    def __len__(self):
        return len(list(self.children()))

    def __iter__(self):
        return iter(self.children())

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward(): call its modules in your own forward()")

class ModuleDict(Module):
    """A dict of modules by name, registered as children under those names."""
    def __init__(self, modules=None):
        self.update(modules or {})

    def __setitem__(self, name, module):
        if not isinstance(name, str) or not name.isidentifier():
            raise TypeError(f"ModuleDict: keys must be str names that are valid attributes, got {name!r}")
        if not isinstance(module, Module):
            raise TypeError(f"ModuleDict: entry {name!r} is a {type(module).__name__}, not a Module")
        setattr(self, name, module)

    def __getitem__(self, name):
        return dict(self.named_children())[name]

    def __delitem__(self, name):
        self[name]   # a KeyError naming it when there is no such entry
        self.__dict__["_order"].remove(name)
        del self.__dict__[name]

    def __contains__(self, name):
        return name in dict(self.named_children())

    def __len__(self):
        return len(list(self.children()))

    def __iter__(self):
        return iter(self.keys())

    def keys(self):
        return [name for name, _ in self.named_children()]

    def values(self):
        return list(self.children())

    def items(self):
        return list(self.named_children())

    def update(self, modules):
        for name, module in (modules.items() if hasattr(modules, "items") else modules):
            self[name] = module

    def pop(self, name):
        module = self[name]
        del self[name]
        return module

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict has no forward(): call its modules in your own forward()")

def _entry_text(value, dtype_text):
    """How a parameter container shows one entry, as PyTorch's: 'Parameter containing: [float32 of size 2x3]'."""
    if not isinstance(value, Tensor):
        return f"Object of type: {type(value).__name__}"
    size = "x".join(str(s) for s in value.shape)
    device = " (cuda:0)" if value.device == "cuda" else ""
    kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
    return f"{kind} containing: [{dtype_text(value)} of size {size}{device}]"

def _as_parameter(value):
    """A Tensor that is not yet a Parameter becomes one (learnable), as PyTorch's parameter containers do."""
    return Parameter(value) if isinstance(value, Tensor) and not isinstance(value, Parameter) else value

class ParameterList(Module):
    """A list of parameters, registered as 0, 1, ... so that `parameters()` and the state dict hold them (as
    "0", "1", ..., or "name.0" inside a module). Tensors are made Parameters."""
    def __init__(self, values=None):
        object.__setattr__(self, "_length", 0)
        if values is not None:
            self.extend(values)

    def __len__(self):
        return self._length

    def __iter__(self):
        return (getattr(self, str(i)) for i in range(self._length))

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ParameterList(list(self)[index])
        return getattr(self, str(_position(index, self._length, "ParameterList")))

    def __setitem__(self, index, value):
        setattr(self, str(_position(index, self._length, "ParameterList")), _as_parameter(value))

    def append(self, value):
        object.__setattr__(self, "_length", self._length + 1)
        self[self._length - 1] = value
        return self

    def extend(self, values):
        if isinstance(values, Tensor) or not isinstance(values, collections.abc.Iterable):
            raise TypeError(f"ParameterList.extend: expected an iterable of parameters, got {type(values).__name__}")
        for value in values:
            self.append(value)
        return self

    def __iadd__(self, values):
        return self.extend(values)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ParameterList has no forward(): use its parameters in your own forward()")

    def extra_repr(self):
        return "\n".join(f"  ({i}): " + _entry_text(value, lambda t: f"tinygrad_pool.{t.dtype}")
                         for i, value in enumerate(self))

    def __repr__(self):
        text = self.extra_repr()
        return f"{type(self).__name__}(\n  " + text.replace("\n", "\n  ") + "\n)" if text else \
            f"{type(self).__name__}()"

class ParameterDict(Module):
    """A dict of parameters by str name, registered under those names (state dict keys "name", or
    "module.name"). A plain dict's entries are added in sorted key order and an OrderedDict's in its own, as in
    PyTorch. Tensors are made Parameters."""
    def __init__(self, parameters=None):
        object.__setattr__(self, "_keys", {})
        if parameters is not None:
            self.update(parameters)

    def _check_key(self, key):
        if not isinstance(key, str):
            raise TypeError(f"ParameterDict: keys must be str, got {key!r} ({type(key).__name__})")
        if not key:
            raise KeyError("ParameterDict: a key must not be the empty string")
        if "." in key:
            raise KeyError(f"ParameterDict: key {key!r} must not contain '.' (it separates names in the state dict)")
        if key not in self._keys and hasattr(self, key):
            raise KeyError(f"ParameterDict: key {key!r} is already an attribute of ParameterDict")
        return key

    def __setitem__(self, key, value):
        self._check_key(key)
        self._keys[key] = None
        setattr(self, key, _as_parameter(value))

    def __getitem__(self, key):
        if key not in self._keys:
            raise KeyError(key)
        return getattr(self, key)

    def __delitem__(self, key):
        if key not in self._keys:
            raise KeyError(key)
        del self._keys[key]
        if key in self.__dict__.get("_order", ()):
            self.__dict__["_order"].remove(key)
        del self.__dict__[key]

    def __contains__(self, key):
        return key in self._keys

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return iter(list(self._keys))

    def keys(self):
        return list(self._keys)

    def values(self):
        return [self[key] for key in self._keys]

    def items(self):
        return [(key, self[key]) for key in self._keys]

    def get(self, key, default=None):
        return self[key] if key in self._keys else default

    def pop(self, key):
        value = self[key]
        del self[key]
        return value

    def setdefault(self, key, default=None):
        if key not in self._keys:
            self[key] = default
        return self[key]

    def clear(self):
        for key in list(self._keys):
            del self[key]

    def copy(self):
        return ParameterDict(collections.OrderedDict(self.items()))

    def update(self, parameters):
        """Add entries from a mapping (a plain dict's in sorted key order) or an iterable of (key, value) pairs."""
        if isinstance(parameters, (collections.OrderedDict, ParameterDict)):
            pairs = list(parameters.items())
        elif isinstance(parameters, collections.abc.Mapping):
            pairs = sorted(parameters.items())
        elif isinstance(parameters, collections.abc.Iterable) and not isinstance(parameters, (str, Tensor)):
            pairs = list(parameters)
            for i, pair in enumerate(pairs):
                if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                    raise ValueError(f"ParameterDict.update: entry {i} must be a (key, value) pair, got {pair!r}")
        else:
            raise TypeError(f"ParameterDict.update: expected a mapping or an iterable of (key, value) pairs, got "
                            f"{type(parameters).__name__}")
        for key, value in pairs:
            self[key] = value

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ParameterDict has no forward(): use its parameters in your own forward()")

    def extra_repr(self):
        return "\n".join(f"  ({key}): " + _entry_text(value, tensor_type_name) for key, value in self.items())

    __repr__ = ParameterList.__repr__
