"""`Module` and `Parameter`: PyTorch's way of grouping tensors that learn with the code that uses them."""
from ..tensor import Tensor

class Parameter(Tensor):
    """A Tensor that a Module registers as learnable; it requires grad by default."""
    def __init__(self, data, requires_grad=True):
        source = data if isinstance(data, Tensor) else Tensor(data)
        self.data, self.device, self.grad, self._ctx = source.data, source.device, None, None
        self.requires_grad = requires_grad

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

class Module:
    """Base class: assign Parameters and Modules as attributes, write `forward`, call the module."""
    training = True

    def __setattr__(self, name, value):
        order = self.__dict__.setdefault("_order", [])
        if isinstance(value, (Parameter, Module)) and name not in order:
            order.append(name)
        object.__setattr__(self, name, value)

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

    def named_parameters(self, prefix=""):
        for name, parameter in self._members(Parameter):
            yield prefix + name, parameter
        for name, child in self.named_children():
            yield from child.named_parameters(prefix + name + ".")

    def parameters(self):
        return [parameter for _, parameter in self.named_parameters()]

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
