"""Containers: `Sequential` (modules applied one after another), `ModuleList` and `ModuleDict`."""
from .module import Module

class Sequential(Module):
    """Sequential(conv, relu, ...) calls each module on the previous one's output; children are named 0, 1, ..."""
    def __init__(self, *modules):
        for i, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(f"Sequential: argument {i} is a {type(module).__name__}, not a Module")
            setattr(self, str(i), module)

    def forward(self, input):
        for module in self.children():
            input = module(input)
        return input

    def __getitem__(self, index):
        """The module at `index`, or for a slice a Sequential of those modules, as in PyTorch."""
        modules = list(self.children())
        return Sequential(*modules[index]) if isinstance(index, slice) else modules[index]

    def __len__(self):
        return len(list(self.children()))

    def __iter__(self):
        return iter(self.children())

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
