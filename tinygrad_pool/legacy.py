"""PyTorch's legacy tensor types: FloatTensor(2, 3) is an uninitialised (2, 3) float32 CPU tensor (zeros here),
FloatTensor([1, 2]) holds those values, and isinstance(x, FloatTensor) holds for every float32 CPU tensor;
typename(x) and x.type() name them ('tinygrad_pool.FloatTensor')."""
import numpy as np

from .arguments import is_int
from .tensor import Size, Tensor, bool_, float32, float64, int32, int64, uint8

class LegacyType(type):
    """The metaclass of the legacy types: calling one makes a tensor of its dtype, isinstance tests the dtype."""
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.device == "cpu" and obj.dtype == cls.dtype

    def __call__(cls, *args, device=None):
        from .creation import empty, tensor
        if not args or all(is_int(a) for a in args):
            return empty(*args, dtype=cls.dtype, device=device or "cpu") if args else \
                empty(0, dtype=cls.dtype, device=device or "cpu")
        if len(args) == 1 and isinstance(args[0], Size):
            return empty(args[0], dtype=cls.dtype, device=device or "cpu")
        if len(args) == 1 and isinstance(args[0], Tensor):
            if args[0].dtype != cls.dtype:
                raise TypeError(f"{cls.__name__}: expected a {cls.dtype} tensor, got {args[0].dtype}; convert it with "
                                f".to({cls.dtype})")
            return args[0]
        if len(args) == 1 and isinstance(args[0], (list, tuple, np.ndarray)):
            return tensor(args[0], dtype=cls.dtype, device=device or "cpu")
        raise TypeError(f"{cls.__name__}: expected sizes (ints), a Size or data (a list, tuple or numpy array), got "
                        + ", ".join(type(a).__name__ for a in args))

class FloatTensor(metaclass=LegacyType):
    dtype = float32

class DoubleTensor(metaclass=LegacyType):
    dtype = float64

class LongTensor(metaclass=LegacyType):
    dtype = int64

class IntTensor(metaclass=LegacyType):
    dtype = int32

class ByteTensor(metaclass=LegacyType):
    dtype = uint8

class BoolTensor(metaclass=LegacyType):
    dtype = bool_

LEGACY_TYPES = (FloatTensor, DoubleTensor, LongTensor, IntTensor, ByteTensor, BoolTensor)

def tensor_type_name(tensor):
    """'tinygrad_pool.FloatTensor', or 'tinygrad_pool.cuda.FloatTensor' on CUDA, for a tensor's dtype."""
    name = next(kind.__name__ for kind in LEGACY_TYPES if kind.dtype == tensor.dtype)
    return f"tinygrad_pool.{'cuda.' if tensor.device == 'cuda' else ''}{name}"

def typename(obj):
    """The legacy type name of a tensor, else the qualified name of obj's class (its bare name for builtins)."""
    if isinstance(obj, Tensor):
        return tensor_type_name(obj)
    kind = obj if isinstance(obj, type) else type(obj)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
