"""PyTorch's default initialisation of Linear and Conv layers, from the library's seeded generator."""
import math

import numpy as np

from ..seeding import generator

def uniform(shape, bound):
    """float32 samples, uniform in [-bound, bound)."""
    return generator().uniform(-bound, bound, shape).astype(np.float32)

def fan_in_bound(fan_in):
    """kaiming_uniform_(a=sqrt(5)) reduces to U(-1/sqrt(fan_in), 1/sqrt(fan_in)); PyTorch's biases use it too."""
    return 1 / math.sqrt(fan_in) if fan_in else 0.0
