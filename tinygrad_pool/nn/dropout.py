"""Dropout modules: `Dropout` zeroes elements with probability p in training and scales the rest by 1/(1-p);
`Dropout1d/2d/3d` zero whole channels; `AlphaDropout` and `FeatureAlphaDropout` keep a SELU network's mean and
variance; in eval all pass their input through."""
from ..arguments import check_bool, check_number
from . import functional as F
from .module import Module

class Dropout(Module):
    function = staticmethod(F.dropout)

    def __init__(self, p=0.5, inplace=False):
        check_number(p, "p", type(self).__name__)
        check_bool(inplace, "inplace", type(self).__name__)
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__} probability p={p} must lie in [0, 1]")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return type(self).function(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"

class Dropout1d(Dropout):
    function = staticmethod(F.dropout1d)

class Dropout2d(Dropout):
    function = staticmethod(F.dropout2d)

class Dropout3d(Dropout):
    function = staticmethod(F.dropout3d)

class AlphaDropout(Dropout):
    """Dropout for SELU networks: dropped elements take SELU's saturation value and the result is rescaled so
    that mean and variance stay as they were."""
    function = staticmethod(F.alpha_dropout)

class FeatureAlphaDropout(Dropout):
    function = staticmethod(F.feature_alpha_dropout)
