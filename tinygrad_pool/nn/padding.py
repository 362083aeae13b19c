"""Padding modules over `F.pad`: Zero, Constant, Reflection, Replication and Circular padding of 1-3 dims, with
PyTorch's `padding` argument (one int for every side, or a (left, right, top, bottom, front, back) tuple)."""
from ..arguments import check_number, is_int
from . import functional as F
from .module import Module

class _Pad(Module):
    dims = mode = None

    def __init__(self, padding, value=None):
        name, sides = type(self).__name__, 2 * type(self).dims
        if is_int(padding):
            padding = (int(padding),) * sides
        if not isinstance(padding, (tuple, list)) or len(padding) != sides or not all(is_int(p) for p in padding):
            raise TypeError(f"{name}: padding must be an int or a tuple of {sides} ints, got {padding!r}")
        self.padding = tuple(int(p) for p in padding)
        self.value = None if value is None else check_number(value, "value", name)

    def forward(self, input):
        return F.pad(input, self.padding, type(self).mode, self.value)

    def extra_repr(self):
        return f"{self.padding}" if self.value is None else f"padding={self.padding}, value={self.value}"

def _padding(name, dims, mode, with_value=False):
    def __init__(self, padding, *value):
        if with_value:
            if len(value) != 1:
                raise TypeError(f"{name} takes (padding, value)")
            _Pad.__init__(self, padding, value[0])
        else:
            if value:
                raise TypeError(f"{name} takes only padding")
            _Pad.__init__(self, padding)
    return type(name, (_Pad,), {"dims": dims, "mode": mode, "__init__": __init__,
                                "__doc__": f"F.pad with mode={mode!r} over the last {dims} dim(s)."})

ZeroPad1d, ZeroPad2d, ZeroPad3d = (_padding(f"ZeroPad{d}d", d, "constant") for d in (1, 2, 3))
ConstantPad1d, ConstantPad2d, ConstantPad3d = (_padding(f"ConstantPad{d}d", d, "constant", True) for d in (1, 2, 3))
ReflectionPad1d, ReflectionPad2d, ReflectionPad3d = (_padding(f"ReflectionPad{d}d", d, "reflect") for d in (1, 2, 3))
ReplicationPad1d, ReplicationPad2d, ReplicationPad3d = (_padding(f"ReplicationPad{d}d", d, "replicate")
                                                        for d in (1, 2, 3))
CircularPad1d, CircularPad2d, CircularPad3d = (_padding(f"CircularPad{d}d", d, "circular") for d in (1, 2, 3))
