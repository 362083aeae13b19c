"""Activation modules over `nn.functional`."""
from . import functional as F
from .module import Module

class ReLU(Module):
    def forward(self, input):
        return F.relu(input)

class LogSoftmax(Module):
    def __init__(self, dim):
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"

class Softmax(LogSoftmax):
    def forward(self, input):
        return F.softmax(input, self.dim)
