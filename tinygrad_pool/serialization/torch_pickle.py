"""The pickle inside a PyTorch checkpoint. A tensor is pickled as a call of `torch._utils._rebuild_tensor_v2`
on a storage whose bytes the container keeps beside the pickle, under a persistent id
('storage', torch.FloatStorage, key, location, numel). `Pickler` writes those names without importing torch, so
that `torch.load(f, weights_only=True)` reads our files; `Unpickler` reads them back into tinygrad_pool Tensors
with its own functions, and with `weights_only=True` resolves no other global than the few a state dict needs:
a file cannot name `os.system` or any other callable and have it run."""
import codecs
import collections
import io
import pickle

import numpy as np

from ..backends import get_backend, normalize_device
from ..nn.module import Parameter
from ..tensor import Tensor, bool_, float32, float64, int32, int64, uint8
from .files import CheckpointError

STORAGE_DTYPES = {"DoubleStorage": float64, "FloatStorage": float32, "LongStorage": int64, "IntStorage": int32,
                  "ByteStorage": uint8, "BoolStorage": bool_}
UNSUPPORTED_STORAGES = {"HalfStorage": "float16", "BFloat16Storage": "bfloat16", "ShortStorage": "int16",
                        "CharStorage": "int8", "ComplexFloatStorage": "complex64",
                        "ComplexDoubleStorage": "complex128"}
PROTOCOL = 2   # torch.save's default, read by every PyTorch version

class UnsafeGlobalError(CheckpointError, pickle.UnpicklingError):
    """A pickle that names a global which `load(..., weights_only=True)` does not resolve. It is a
    CheckpointError and, as PyTorch raises for the same file, a pickle.UnpicklingError."""

# --- writing -----------------------------------------------------------------------------------------------------

class TorchName:
    """A global written as PyTorch's `module.name`: the pickle refers to it, nothing imports it. It is callable
    only because pickle wants the function of a reduction to be."""
    __slots__ = ("module", "name")

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):
        raise TypeError(f"{self.module}.{self.name} is a name written into checkpoints, not a function")

REBUILD_TENSOR = TorchName("torch._utils", "_rebuild_tensor_v2")
REBUILD_PARAMETER = TorchName("torch._utils", "_rebuild_parameter")
STORAGE_TYPES = {dtype: TorchName("torch", name) for name, dtype in STORAGE_DTYPES.items()}

class SavedStorage:
    """The values of one tensor being saved (a 1-d little-endian array), written as `data/<key>`."""
    __slots__ = ("key", "array", "location")

    def __init__(self, key, array, location):
        self.key, self.array, self.location = key, array, location

class Pickler(pickle._Pickler):
    """pickle's Python pickler (the C one can only write globals that it can import), with tensors reduced as
    PyTorch reduces them. A Tensor pickled twice is one object when loaded; each Tensor has its own storage of
    its values in C order (a view is written as a compact copy, not with the storage it views)."""
    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file):
        super().__init__(file, protocol=PROTOCOL)
        self.storages = {}   # id(tensor._data) -> (tensor._data, its SavedStorage): tensors sharing data share one

    def persistent_id(self, obj):
        if isinstance(obj, SavedStorage):
            return ("storage", STORAGE_TYPES[obj.array.dtype.newbyteorder("=")], obj.key, obj.location,
                    obj.array.size)
        return None

    def reducer_override(self, obj):
        if isinstance(obj, Parameter):
            return REBUILD_PARAMETER, (obj.detach(), obj.requires_grad, collections.OrderedDict())
        if isinstance(obj, Tensor):
            return REBUILD_TENSOR, (self._storage(obj), 0, tuple(obj.shape), _contiguous_strides(obj.shape),
                                    obj.requires_grad, collections.OrderedDict())
        return NotImplemented

    def _storage(self, tensor):
        if id(tensor._data) not in self.storages:   # the data is held too, so that its id is not reused
            array = np.require(tensor.numpy(), requirements="C").reshape(-1)
            array = array.astype(array.dtype.newbyteorder("<"), copy=False)
            location = "cpu" if tensor.device == "cpu" else "cuda:0"
            saved = SavedStorage(str(len(self.storages)), array, location)
            self.storages[id(tensor._data)] = (tensor._data, saved)
        return self.storages[id(tensor._data)][1]

    def save_torch_name(self, obj):
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))
        self.memoize(obj)
    dispatch[TorchName] = save_torch_name

def _contiguous_strides(shape):
    """The strides in elements of a C-contiguous tensor, as PyTorch gives them (a dim of size 0 counts as 1)."""
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))

def dumps(obj):
    """(the pickle of obj, its SavedStorages)."""
    buffer = io.BytesIO()
    pickler = Pickler(buffer)
    pickler.dump(obj)
    return buffer.getvalue(), [saved for _, saved in pickler.storages.values()]

# --- reading -----------------------------------------------------------------------------------------------------

class Storage:
    """One storage of a file being loaded: its values (a 1-d numpy array) and the device its tensors go to.
    A `map_location` callable receives it with the saved location and returns it, `storage.cpu()` or
    `storage.cuda()`, as with PyTorch's storages. It cannot be changed otherwise (a pickle cannot retarget it)."""
    __slots__ = ("array", "device")

    def __init__(self, array, device):
        object.__setattr__(self, "array", array)
        object.__setattr__(self, "device", device)

    def __setattr__(self, name, value):
        raise AttributeError(f"a Storage cannot be changed (setting {name!r})")

    def __len__(self):
        return self.array.size

    @property
    def dtype(self):
        return self.array.dtype

    def cpu(self):
        return Storage(self.array, "cpu")

    def cuda(self, device=None):
        return Storage(self.array, normalize_device("cuda" if device is None or device == 0 else device))

    def to(self, device):
        return Storage(self.array, normalize_device(device))

def encode(text, encoding="latin1"):
    """`_codecs.encode`, as protocol 2 pickles bytes, restricted to that use."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError(f"_codecs.encode is resolved only for bytes objects (a str and 'latin1'), "
                                     f"got {type(text).__name__} and {encoding!r}")
    return codecs.encode(text, "latin1")

def size(dims=()):
    """torch.Size: a tuple of ints."""
    return tuple(_int(d, "a torch.Size entry") for d in dims)

def device(kind, index=None):
    """torch.device: its name, e.g. 'cuda:0'."""
    if not isinstance(kind, str):
        raise pickle.UnpicklingError(f"torch.device needs a str, got {type(kind).__name__}")
    return kind if index is None else f"{kind}:{_int(index, 'a device index')}"

SAFE_GLOBALS = {   # what weights_only=True resolves besides the tensor functions; each only builds data
    ("collections", "OrderedDict"): collections.OrderedDict, ("collections", "Counter"): collections.Counter,
    ("builtins", "set"): set, ("builtins", "frozenset"): frozenset, ("builtins", "bytearray"): bytearray,
    ("builtins", "complex"): complex, ("_codecs", "encode"): encode, ("torch", "Size"): size,
    ("torch", "device"): device,
    ("torch", "Tensor"): "Tensor", ("torch.nn.parameter", "Parameter"): "Parameter",   # inert names of types
}
SAFE_GLOBALS.update((("torch", name), name) for name in (*STORAGE_DTYPES, *UNSUPPORTED_STORAGES))
TENSOR_FUNCTIONS = {"_rebuild_tensor": "rebuild_tensor_v1", "_rebuild_tensor_v2": "rebuild_tensor",
                    "_rebuild_parameter": "rebuild_parameter",
                    "_rebuild_parameter_with_state": "rebuild_parameter_with_state"}
TENSOR_ATTRIBUTES = {"_data", "device", "_grad", "_ctx", "_requires_grad"}

def _int(value, what):
    if type(value) is not int:
        raise pickle.UnpicklingError(f"{what} must be an int, got {value!r}")
    return value

def _ints(values, what):
    if not isinstance(values, (tuple, list)):
        raise pickle.UnpicklingError(f"{what} must be a tuple of ints, got {values!r}")
    return tuple(_int(v, what) for v in values)

def _overlaps(shape, strides):
    """Whether two indices of a strided view may reach one element (an expanded tensor's stride 0): such a view
    is copied, since in-place updates through it would write one element several times."""
    reach = 0
    for stride, dim in sorted((s, d) for s, d in zip(strides, shape) if d > 1):
        if stride <= reach:
            return True
        reach += stride * (dim - 1)
    return False

class Unpickler(pickle.Unpickler):
    """Reads the pickle of a PyTorch checkpoint. `read_storage(key, dtype, numel)` gives a storage's values as
    a 1-d array. Tensors are built on the CPU, viewing their storage's array as in PyTorch, and `finish` moves
    them to the device that map_location picks once every storage has been read (the legacy format stores them
    after the pickle)."""

    def __init__(self, file, name, read_storage, weights_only):
        super().__init__(file, encoding="utf-8")
        self.name, self.read_storage, self.weights_only = name, read_storage, weights_only
        self.storages = {}    # key -> Storage: tensors of one storage view one array
        self.locations = {}   # id(storage) -> (storage, its saved location)
        self.tensors = []     # (tensor, its array, its Storage, the view of the storage it holds the values of)

    def find_class(self, module, name):
        if module == "__builtin__":   # protocol 2 writes Python 2's name of builtins
            module = "builtins"
        if module == "torch._utils" and name in TENSOR_FUNCTIONS:
            return getattr(self, TENSOR_FUNCTIONS[name])
        if module == "torch._tensor" and name == "_rebuild_from_type_v2":
            return self.rebuild_from_type
        if (module, name) in SAFE_GLOBALS:
            return SAFE_GLOBALS[module, name]
        if self.weights_only:
            raise UnsafeGlobalError(
                f"{self.name}: weights_only=True refuses the global {module}.{name} that the pickle names: only "
                "tensors, numbers, strings, None and containers of them (dicts, lists, tuples, OrderedDict) load "
                "this way. If you trust the file (loading it may run any code), load it with weights_only=False")
        if module == "torch" or module.startswith("torch."):
            raise CheckpointError(f"{self.name}: the pickle holds a PyTorch object, {module}.{name}, which "
                                  "tinygrad_pool cannot build; save its state_dict() with PyTorch and load that")
        return super().find_class(module, name)

    def persistent_load(self, pid):
        if not isinstance(pid, tuple) or len(pid) not in (5, 6) or pid[0] != "storage":
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}; expected ('storage', type, key, "
                                         "location, numel)")
        storage_type, key, location, numel = pid[1:5]
        if storage_type in UNSUPPORTED_STORAGES:
            raise CheckpointError(f"{self.name}: a tensor is stored as torch.{storage_type}: "
                                  f"{UNSUPPORTED_STORAGES[storage_type]} tensors are not supported (tensors hold "
                                  "float32, float64, int64, int32, uint8 or bool); convert it in PyTorch, e.g. "
                                  "with .float()")
        if storage_type not in STORAGE_DTYPES or not isinstance(key, str) or not isinstance(location, str):
            raise pickle.UnpicklingError(f"bad storage id {pid!r}")
        if key not in self.storages:
            array = self.read_storage(key, STORAGE_DTYPES[storage_type], _int(numel, "a storage size"))
            self.storages[key] = self._storage(array, location)
        storage = self.storages[key]
        if len(pid) == 6 and pid[5] is not None:   # the legacy format's view of part of a storage
            _, offset, count = pid[5]
            offset, count = _int(offset, "a view offset"), _int(count, "a view size")
            if offset < 0 or count < 0 or offset + count > storage.array.size:
                raise pickle.UnpicklingError(f"a view of {count} elements at {offset} is outside its storage")
            storage = self._storage(storage.array[offset:offset + count], location)
        return storage

    def _storage(self, array, location):
        storage = Storage(array, "cpu")
        self.locations[id(storage)] = (storage, location)
        return storage

    def rebuild_tensor(self, storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
        if not isinstance(storage, Storage):
            raise pickle.UnpicklingError(f"a tensor's storage must be a stored storage, got {type(storage).__name__}")
        offset, shape, strides = _int(storage_offset, "a storage offset"), _ints(size, "a size"), \
            _ints(stride, "a stride")
        if len(shape) != len(strides) or offset < 0 or min(shape + strides, default=0) < 0:
            raise pickle.UnpicklingError(f"bad tensor geometry: offset {offset}, size {shape}, stride {strides}")
        array = storage.array
        if 0 not in shape and offset + sum((n - 1) * s for n, s in zip(shape, strides)) >= array.size:
            raise pickle.UnpicklingError(f"a tensor of size {shape}, stride {strides} at offset {offset} reaches "
                                         f"past its storage of {array.size} elements")
        view = np.lib.stride_tricks.as_strided(array[offset:], shape, [s * array.itemsize for s in strides])
        tensor = Tensor._wrap(view.copy() if _overlaps(shape, strides) else view, "cpu")
        if requires_grad is not False:
            tensor.requires_grad = requires_grad
        self.tensors.append((tensor, tensor._data, storage, view))
        return tensor

    def rebuild_tensor_v1(self, storage, storage_offset, size, stride):
        return self.rebuild_tensor(storage, storage_offset, size, stride, False, None)

    def rebuild_parameter(self, data, requires_grad, backward_hooks):
        built = next((entry for entry in reversed(self.tensors) if entry[0] is data), None)
        if built is None:
            raise pickle.UnpicklingError(f"a Parameter's data must be a stored tensor, got {type(data).__name__}")
        parameter = Parameter(data, requires_grad)   # a copy where the view is not contiguous
        self.tensors.append((parameter, parameter._data, built[2], built[3]))
        return parameter

    def rebuild_parameter_with_state(self, data, requires_grad, backward_hooks, state):
        self._no_state(state)
        return self.rebuild_parameter(data, requires_grad, backward_hooks)

    def rebuild_from_type(self, function, new_type, args, state):
        """A tensor saved with its type (a Parameter) and its Python attributes, which must be none."""
        self._no_state(state)
        if function not in (self.rebuild_tensor, self.rebuild_parameter) or new_type not in ("Tensor", "Parameter"):
            raise pickle.UnpicklingError(f"cannot rebuild a tensor of type {new_type!r}")
        tensor = function(*args)
        if new_type == "Parameter" and not isinstance(tensor, Parameter):
            return self.rebuild_parameter(tensor, tensor.requires_grad, None)
        return tensor

    def _no_state(self, state):
        if state:
            raise CheckpointError(f"{self.name}: a tensor has Python attributes {sorted(state)!r}, which "
                                  "tinygrad_pool tensors cannot hold")

    def finish(self, restore):
        """Check that the pickle left every tensor as it was built, fill the tensors that copy their view (the
        legacy format's storages were read after them), then move each to the device that
        `restore(storage, saved location)` gives its storage."""
        for tensor, array, _, _ in self.tensors:
            if tensor._data is not array or set(vars(tensor)) != TENSOR_ATTRIBUTES or tensor.device != "cpu" \
                    or tensor._grad is not None or tensor._ctx is not None:
                raise CheckpointError(f"{self.name}: damaged: the pickle changes a tensor it built")
        devices = {key: restore(*place).device for key, place in self.locations.items()}
        for tensor, array, storage, view in self.tensors:
            if array is not view:
                np.copyto(array, view)
            target = devices[id(storage)]
            if target != "cpu":
                tensor._data, tensor.device = get_backend(target).asarray(np.ascontiguousarray(array)), target
