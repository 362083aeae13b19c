"""Lazy modules: `LazyLinear`, `LazyConv1d/2d/3d`, `LazyConvTranspose1d/2d/3d`, `LazyBatchNorm1d/2d/3d` and
`LazyInstanceNorm1d/2d/3d` infer their input size (in_features, in_channels, num_features) from the first input,
as d2l's models let PyTorch do.

Until then each parameter is an `UninitializedParameter`: an empty placeholder that an optimizer may already hold,
and that `.to(device)` moves. The first call builds the ordinary module for the input it sees (drawing its
initial values then, as PyTorch does), fills the placeholders in place with its tensors, so every reference to
them stays valid, and turns the lazy module into that ordinary module (`type(m)` becomes `Linear`, ...).
`load_state_dict` does the same from the checkpoint's shapes, so a lazy model loads a saved one without a dry
run.
"""
import numpy as np

from ..arguments import check_tensor
from ..backends import get_backend
from ..tensor import Tensor
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Linear
from .module import Module, Parameter
from .normalization import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d

class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet: empty, float32, on its module's device."""
    def __init__(self):
        super().__init__(np.empty(0, np.float32))

    def __repr__(self):
        return "<UninitializedParameter>"

class UninitializedBuffer(Tensor):
    """A buffer (BatchNorm's running statistics) whose shape is not known yet."""
    def __init__(self):
        super().__init__(np.empty(0, np.float32))

    def __repr__(self):
        return "<UninitializedBuffer>"

def _ordinary(lazy_class):
    """The module class a lazy class becomes: LazyConv2d -> Conv2d."""
    return next(c for c in lazy_class.__mro__ if issubclass(c, Module) and not issubclass(c, _Lazy))

class _Lazy:
    """Mixed in before the ordinary module class, which the module becomes at its first call."""
    _size_name = None        # the constructor argument inferred from the input: "in_features", ...

    def _start_lazy(self, args, kwargs):
        """Swap the parameters and buffers that the ordinary constructor made for placeholders."""
        self._lazy_arguments = (args, kwargs)
        for name, value in list(self.__dict__.items()):
            if isinstance(value, Parameter):
                object.__setattr__(self, name, UninitializedParameter())
            elif name in self.__dict__.get("_buffer_names", ()) and name != "num_batches_tracked":
                object.__setattr__(self, name, UninitializedBuffer())
        object.__setattr__(self, self._size_name, 0)

    def reset_parameters(self):
        """Nothing to reset until the shapes are known: the first call initialises."""

    def _size_of_input(self, input):
        raise NotImplementedError

    def _size_of_state(self, state):
        raise NotImplementedError

    def _materialize(self, size):
        """Become the ordinary module with input size `size`, keeping the placeholder objects."""
        ordinary = _ordinary(type(self))
        args, kwargs = self._lazy_arguments
        built = ordinary(*self._construct(size, args), **kwargs)
        state = {name: value for name, value in built.__dict__.items() if not isinstance(value, Tensor)}
        for name, placeholder in self.__dict__.items():
            if isinstance(placeholder, (UninitializedParameter, UninitializedBuffer)):
                real = built.__dict__[name]
                placeholder._data = get_backend(placeholder.device).asarray(real.numpy())
                placeholder.__class__ = type(real)
        for kept in ("_order", "_buffer_names", "training"):
            state.pop(kept, None)
        del self.__dict__["_lazy_arguments"]
        self.__dict__.update(state)
        self.__class__ = ordinary

    def _construct(self, size, args):
        return (size,) + tuple(args)

    def __call__(self, input, *args, **kwargs):
        check_tensor(input, "input", type(self).__name__)
        self._materialize(self._size_of_input(input))
        return self(input, *args, **kwargs)

    def load_state_dict_shapes(self, state_dict, prefix):
        """Materialize from the shapes of the entries under `prefix`, when there are any."""
        own = {key[len(prefix):]: value for key, value in state_dict.items() if key.startswith(prefix)}
        size = self._size_of_state(own)
        if size is not None:
            self._materialize(size)

def _shape(state, name):
    value = state.get(name)
    return None if value is None else np.shape(value.numpy() if hasattr(value, "numpy") else value)

class LazyLinear(_Lazy, Linear):
    """Linear whose in_features is the last dim of the first input."""
    _size_name = "in_features"

    def __init__(self, out_features, bias=True):
        Linear.__init__(self, 0, out_features, bias)
        self._start_lazy((out_features,), dict(bias=bias))

    def _size_of_input(self, input):
        return input.shape[-1] if input.ndim else 1

    def _size_of_state(self, state):
        shape = _shape(state, "weight")
        return None if shape is None or len(shape) != 2 else shape[1]

class _LazyConv(_Lazy):
    _size_name = "in_channels"

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros"):
        kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups, bias=bias,
                      padding_mode=padding_mode)
        _ordinary(type(self)).__init__(self, 0, out_channels, kernel_size, **kwargs)
        self._start_lazy((out_channels, kernel_size), kwargs)

    def _size_of_input(self, input):
        return input.shape[1] if input.ndim == type(self).dims + 2 else input.shape[0] if input.ndim else 0

    def _size_of_state(self, state):
        shape = _shape(state, "weight")
        return None if shape is None or len(shape) != type(self).dims + 2 else shape[1] * self.groups

class LazyConv1d(_LazyConv, Conv1d):
    pass

class LazyConv2d(_LazyConv, Conv2d):
    pass

class LazyConv3d(_LazyConv, Conv3d):
    pass

class _LazyConvTranspose(_LazyConv):
    """A transposed convolution's weight is (in_channels, out_channels / groups, *kernel_size)."""
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                 dilation=1, padding_mode="zeros"):
        kwargs = dict(stride=stride, padding=padding, output_padding=output_padding, groups=groups, bias=bias,
                      dilation=dilation, padding_mode=padding_mode)
        _ordinary(type(self)).__init__(self, 0, out_channels, kernel_size, **kwargs)
        self._start_lazy((out_channels, kernel_size), kwargs)

    def _size_of_state(self, state):
        shape = _shape(state, "weight")
        return None if shape is None or len(shape) != type(self).dims + 2 else shape[0]

class LazyConvTranspose1d(_LazyConvTranspose, ConvTranspose1d):
    pass

class LazyConvTranspose2d(_LazyConvTranspose, ConvTranspose2d):
    pass

class LazyConvTranspose3d(_LazyConvTranspose, ConvTranspose3d):
    pass

class _LazyBatchNorm(_Lazy):
    _size_name = "num_features"

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, *, bias=True):
        kwargs = dict(eps=eps, momentum=momentum, affine=affine, track_running_stats=track_running_stats, bias=bias)
        _ordinary(type(self)).__init__(self, 1, **kwargs)   # checks the arguments; the size comes later
        self._start_lazy((), kwargs)

    def _size_of_input(self, input):
        if input.ndim < 2:
            raise ValueError(f"{type(self).__name__}: expected an (N, C, ...) input to take num_features from, got "
                             f"shape {input.shape}")
        return input.shape[1]

    def _size_of_state(self, state):
        for name in ("weight", "running_mean"):
            shape = _shape(state, name)
            if shape is not None and len(shape) == 1:
                return shape[0]
        return None

class LazyBatchNorm1d(_LazyBatchNorm, BatchNorm1d):
    pass

class LazyBatchNorm2d(_LazyBatchNorm, BatchNorm2d):
    pass

class LazyBatchNorm3d(_LazyBatchNorm, BatchNorm3d):
    pass

class _LazyInstanceNorm(_LazyBatchNorm):
    """PyTorch's lazy instance norms default to affine=True and track_running_stats=True, unlike InstanceNorm.
    num_features is the channel count of a batched (N, C, *spatial) or an unbatched (C, *spatial) input."""
    def _size_of_input(self, input):
        dims = type(self).spatial_dims
        if input.ndim not in (dims + 1, dims + 2):
            raise ValueError(f"{type(self).__name__}: expected a {dims + 1}-d (C, *spatial) or {dims + 2}-d (N, C, "
                             f"*spatial) input to take num_features from, got shape {input.shape}")
        return input.shape[1 if input.ndim == dims + 2 else 0]

class LazyInstanceNorm1d(_LazyInstanceNorm, InstanceNorm1d):
    pass

class LazyInstanceNorm2d(_LazyInstanceNorm, InstanceNorm2d):
    pass

class LazyInstanceNorm3d(_LazyInstanceNorm, InstanceNorm3d):
    pass
