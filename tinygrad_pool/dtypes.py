"""The default float dtype and what each dtype can hold: PyTorch's get_default_dtype, set_default_dtype, finfo and
iinfo.

The default dtype is what a python float becomes (tensor([1.5]), full(size, 1.5)), the dtype of zeros, ones,
rand, randn and the other float creation ops when none is given, and the result of integer inputs to float
functions (exp, true division). It is float32 unless set_default_dtype changes it, for the whole process.
"""
import numpy as np

FLOAT_DTYPES = (np.dtype("float32"), np.dtype("float64"))
INT_DTYPES = (np.dtype("int64"), np.dtype("int32"), np.dtype("uint8"))
_default = {"dtype": FLOAT_DTYPES[0]}

def get_default_dtype():
    return _default["dtype"]

def set_default_dtype(d):
    """Make `d` (float32 or float64) the default float dtype."""
    resolved = _resolve(d, "set_default_dtype")
    if resolved not in FLOAT_DTYPES:
        raise TypeError(f"set_default_dtype: only float32 and float64 can be the default dtype, got {resolved}")
    _default["dtype"] = resolved

def _resolve(dtype, op):
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{op}: {dtype!r} is not a dtype; use tinygrad_pool.float32, float64, int64, ...") from None

class finfo:
    """The limits of a float dtype (the default one when none is given): bits, eps (the gap from 1 to the next
    float), max, min (the most negative), tiny and smallest_normal (the smallest positive normal number),
    resolution (10 ** -decimal digits) and dtype (its name)."""
    def __init__(self, type=None):
        dtype = get_default_dtype() if type is None else _resolve(type, "finfo")
        if dtype not in FLOAT_DTYPES:
            raise TypeError(f"finfo: {dtype} is not a floating-point dtype; use iinfo for integer and bool dtypes")
        info = np.finfo(dtype)
        self.bits, self.dtype = info.bits, dtype.name
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -info.precision

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")

class iinfo:
    """The limits of an integer dtype: bits, max, min and dtype (its name)."""
    def __init__(self, type):
        dtype = _resolve(type, "iinfo")
        if dtype not in INT_DTYPES:
            raise TypeError(f"iinfo: {dtype} is not an integer dtype (bool has none either); use finfo for float "
                            "dtypes")
        info = np.iinfo(dtype)
        self.bits, self.min, self.max, self.dtype = info.bits, int(info.min), int(info.max), dtype.name

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
