"""`Sequential`: modules applied one after another."""
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
        return self.children()[index]

    def __len__(self):
        return len(self.children())

    def __iter__(self):
        return iter(self.children())
