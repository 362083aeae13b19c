"""`Linear` (y = x W^T + b), `Flatten` and `Identity`."""
import math

import numpy as np

from ..arguments import check_bool, check_int
from . import functional as F, init
from .module import Module, Parameter

class Linear(Module):
    """weight (out_features, in_features) and bias (out_features,), both U(-1/sqrt(in), 1/sqrt(in)) as in PyTorch."""
    def __init__(self, in_features, out_features, bias=True):
        check_int(in_features, "in_features", "Linear", minimum=0)
        check_int(out_features, "out_features", "Linear", minimum=0)
        check_bool(bias, "bias", "Linear")
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(np.empty((out_features, in_features), np.float32))
        self.bias = Parameter(np.empty(out_features, np.float32)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = init.default_bias_bound(self.weight)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"

class Flatten(Module):
    def __init__(self, start_dim=1, end_dim=-1):
        check_int(start_dim, "start_dim", "Flatten")
        check_int(end_dim, "end_dim", "Flatten")
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"

class Identity(Module):
    def forward(self, input):
        return input
