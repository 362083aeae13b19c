"""Activation modules over `nn.functional`."""
from ..arguments import check_int
from . import functional as F
from .module import Module

class ReLU(Module):
    def forward(self, input):
        return F.relu(input)

class LogSoftmax(Module):
    def __init__(self, dim):
        self.dim = check_int(dim, "dim", type(self).__name__)

    def forward(self, input):
        return F.log_softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"

class Softmax(LogSoftmax):
    def forward(self, input):
        return F.softmax(input, self.dim)
