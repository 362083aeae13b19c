"""`save` and `load` in PyTorch's checkpoint format, so that files go both ways between tinygrad_pool and
PyTorch, and `save_file` / `load_file` for safetensors.

    tinygrad_pool.save(model.state_dict(), "model.pt")        # torch.load("model.pt") reads it
    model.load_state_dict(tinygrad_pool.load("model.pt"))     # and this reads what torch.save wrote

`save` pickles any object as `torch.save` does, with tensors stored beside the pickle. `load` reads that zip
format, PyTorch's earlier (legacy) format and the `.npz` state dicts of earlier tinygrad_pool versions. With
`weights_only=True`, the default as in PyTorch, the pickle may name no other global than the few that state
dicts need, which are resolved to this package's own functions, so that loading a file, wherever it came from,
cannot run its code; `weights_only=False` loads whole pickled modules, from trusted files only.

Saving to a path never leaves half a file under that name (see `atomic_write`). A file that is not a checkpoint,
or is truncated or damaged, raises `CheckpointError` naming it and saying what is wrong, and nothing of it is
returned.
"""
import collections.abc
import pickle
import struct
import zipfile
import zlib

from ..arguments import check_bool
from ..backends import normalize_device
from . import npz, torch_files, torch_pickle
from .files import CheckpointError, atomic_write, reading, writing
from .safetensors import load_file, save_file
from .torch_pickle import Storage, UnsafeGlobalError

__all__ = ["save", "load", "save_file", "load_file", "atomic_write", "CheckpointError", "UnsafeGlobalError",
           "Storage"]

NPY_MAGIC = b"\x93NUMPY"
ZIP_MAGIC = b"PK\x03\x04"
PICKLE_MAGIC = b"\x80"
DAMAGE = (pickle.UnpicklingError, EOFError, zipfile.BadZipFile, zlib.error, struct.error, ValueError, TypeError,
          KeyError, IndexError, AttributeError, OverflowError, RecursionError)

def save(obj, f):
    """Write `obj` (a state dict, a dict or list of tensors, numbers and strings, a whole Module) to `f`, a path
    (str or os.PathLike) or a binary file object, in the zip format of `torch.save`. A path is written
    atomically. The object is pickled before the file is opened, so an object that cannot be pickled leaves
    no file."""
    pickled, storages = torch_pickle.dumps(obj)
    with writing(f) as file:
        torch_files.write_zip(file, pickled, storages)

def load(f, map_location=None, *, weights_only=True, mmap=None):
    """The object saved in `f` (a path or a binary file object), with its tensors as tinygrad_pool Tensors.

    map_location, as in PyTorch: None puts each tensor on the device it was saved from ('cpu', or 'cuda' for
    'cuda:0'); 'cpu' or 'cuda' puts every tensor there; a dict {saved location: device} maps locations; a
    callable(storage, location) returns the storage, or `storage.cpu()` / `storage.cuda()` (None: as saved).
    weights_only=True (or None, PyTorch's default) loads only tensors, numbers, strings, None and containers of
    them; weights_only=False loads any pickle, which can run code: only for files you trust."""
    restore = _restorer(map_location)
    weights_only = check_bool(True if weights_only is None else weights_only, "weights_only", "load")
    if mmap not in (None, False):
        raise ValueError(f"load: mmap={mmap!r} is not supported: files are read into memory (use mmap=None)")
    with reading(f) as (file, name):
        result, unpickler = _read(file, name, weights_only)
    if unpickler is not None:
        unpickler.finish(lambda storage, location: restore(storage, location, name))
    return result

def _read(file, name, weights_only):
    """(the object, the Unpickler that still has to move its tensors, or None), or CheckpointError."""
    start = file.tell()
    head = file.read(len(NPY_MAGIC))
    file.seek(start)
    if not head:
        raise CheckpointError(f"{name}: not a checkpoint: the file is empty")
    if head.startswith(NPY_MAGIC):
        raise CheckpointError(f"{name}: not a checkpoint: it holds a single NumPy array (.npy), not named arrays; "
                              "write a state dict with tinygrad_pool.save(model.state_dict(), path)")
    try:
        if head.startswith(PICKLE_MAGIC):
            return torch_files.read_legacy(file, name, weights_only)
        if not head.startswith(ZIP_MAGIC):
            raise CheckpointError(f"{name}: not a checkpoint: it is neither a zip archive (torch.save, .npz) nor "
                                  "a pickle (PyTorch's legacy format)")
        try:
            archive = zipfile.ZipFile(file)
        except zipfile.BadZipFile:
            raise CheckpointError(f"{name}: truncated: the zip archive has no end record (was the save "
                                  "interrupted?)") from None
        with archive:
            if torch_files.is_torch_zip(archive):
                return torch_files.read_zip(archive, name, weights_only)
            if npz.is_npz(archive):
                return npz.read_npz(archive, name), None
            raise CheckpointError(f"{name}: not a checkpoint: the zip archive holds neither a PyTorch pickle "
                                  f"(data.pkl) nor NumPy arrays (.npy), but {archive.namelist()[:3]}")
    except CheckpointError:
        raise
    except DAMAGE as error:
        raise CheckpointError(f"{name}: damaged ({type(error).__name__}: {error})") from error

def _restorer(map_location):
    """restore(storage, saved location, file name) -> the Storage on its device, as `map_location` asks;
    map_location is checked here, before the file is read."""
    if map_location is None:
        return lambda storage, location, name: storage.to(_saved_device(location, name))
    if isinstance(map_location, str):
        device = _device(map_location)
        return lambda storage, location, name: storage.to(device)
    if isinstance(map_location, collections.abc.Mapping):
        for key, value in map_location.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(f"load: map_location must map saved locations to devices (str to str), got "
                                f"{key!r}: {value!r}")
            _device(value)
        return lambda storage, location, name: storage.to(_saved_device(map_location.get(location, location), name))
    if callable(map_location):
        def restore(storage, location, name):
            moved = map_location(storage, location)
            if moved is None:
                return storage.to(_saved_device(location, name))
            if not isinstance(moved, Storage):
                raise TypeError(f"load: map_location({location!r}) returned a {type(moved).__name__}, expected the "
                                "storage it was given, storage.cpu(), storage.cuda() or None")
            return moved
        return restore
    raise TypeError(f"load: map_location must be None, a device ('cpu', 'cuda'), a dict or a callable, got "
                    f"{type(map_location).__name__}")

def _device(map_location):
    try:
        return normalize_device(map_location)
    except ValueError as error:
        raise ValueError(f"load: map_location: {error}") from None

def _saved_device(location, name):
    try:
        return normalize_device(location)
    except ValueError:
        raise ValueError(f"{name}: tensors were saved on {location!r}, a device tinygrad_pool does not have: "
                         "load them with map_location='cpu' (or 'cuda')") from None
