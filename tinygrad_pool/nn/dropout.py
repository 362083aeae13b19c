"""`Dropout`: zeroes elements with probability p in training and scales the rest by 1/(1-p); eval passes through."""
from ..arguments import check_number
from . import functional as F
from .module import Module

class Dropout(Module):
    def __init__(self, p=0.5):
        check_number(p, "p", "Dropout")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout probability p={p} must lie in [0, 1]")
        self.p = p

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"
