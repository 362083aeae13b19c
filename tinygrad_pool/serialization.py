"""`save` and `load`: a state dict ({name: Tensor or numpy array}) as a NumPy `.npz` file, with PyTorch's names.

    tinygrad_pool.save(model.state_dict(), "model.npz")
    model.load_state_dict(tinygrad_pool.load("model.npz"))

Unlike `torch.save`, only state dicts are supported, not arbitrary Python objects: the file holds one `.npy`
array per entry and never a pickle, so loading a file, wherever it came from, cannot run code. `np.load` reads
the files too, and `load` reads `.npz` files that `np.savez` wrote from float32, float64, int64, int32, uint8 or bool arrays.

Saving to a path never leaves half a file under that name (see `atomic_write`). A file that is not a checkpoint,
or is truncated or damaged, raises `CheckpointError` naming it and saying what is wrong.
"""
import collections.abc
import contextlib
import errno
import io
import os
import secrets
import zipfile
import zlib

import numpy as np

from .creation import from_numpy
from .tensor import DTYPES, Tensor

NPY_MAGIC = b"\x93NUMPY"
ZIP_MAGIC = b"PK\x03\x04"
PICKLE_MAGIC = b"\x80"

class CheckpointError(ValueError):
    """A file that is not a tinygrad_pool checkpoint, or one that is truncated or damaged."""

def save(obj, f):
    """Write the state dict `obj` ({name: Tensor or numpy array} of float32, float64, int64, int32, uint8 or bool) to `f`, a
    path (str or os.PathLike) or a binary file object, as `.npz`. A path is written atomically."""
    arrays = _arrays_to_save(obj)
    if _is_path(f):
        with atomic_write(_as_path(f)) as file:
            _write_npz(file, arrays)
    else:
        _write_npz(_binary_file(f, "write"), arrays)

def load(f):
    """The state dict in `f` (a path or a binary file object) as {name: Tensor} on the CPU, in the saved order.
    `model.load_state_dict` moves each value to its parameter's device."""
    if _is_path(f):
        path = _as_path(f)
        with open(path, "rb") as file:   # a missing file or a folder raises FileNotFoundError / IsADirectoryError
            return _read_npz(file, path)
    file = _binary_file(f, "read")
    if not file.seekable():   # a zip archive is read from its end
        file = io.BytesIO(file.read())
    return _read_npz(file, getattr(f, "name", f"<{type(f).__name__}>"))

@contextlib.contextmanager
def atomic_write(path):
    """A binary file that replaces `path` only when the `with` block completes, so that a reader finds the old
    file or the new one, never part of one. It is written as `.<name>.tmp-<8 hex digits>` in the same folder,
    flushed and fsynced, renamed onto `path`, and the folder is fsynced where the OS allows it. On any exception,
    including KeyboardInterrupt and a full disk, the temporary file is removed and `path` is left as it was; only
    a killed process or a power cut leaves a `.<name>.tmp-*` file behind, which is safe to delete. A symlink at
    `path` is followed: its target is replaced."""
    path = os.path.realpath(path)
    folder, name = os.path.split(path)
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "cannot save onto a folder", path)
    if not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, "cannot save into a folder that does not exist", folder)
    file = _create_temporary(folder, name)
    try:
        with file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(file.name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(file.name)
        raise
    _fsync_folder(folder)

def _create_temporary(folder, name):
    while True:
        try:   # "x": created here, never another process's file
            return open(os.path.join(folder, f".{name}.tmp-{secrets.token_hex(4)}"), "xb")
        except FileExistsError:
            continue

def _fsync_folder(folder):
    """Make the rename itself durable. Windows cannot open a folder, and some file systems cannot fsync one."""
    if os.name == "nt":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise
    finally:
        os.close(descriptor)

def _is_path(f):
    return isinstance(f, (str, os.PathLike))

def _as_path(f):
    return os.fsdecode(os.fspath(f))

def _binary_file(f, mode):
    if isinstance(f, io.TextIOBase):
        raise TypeError(f"f: {f!r} is a text file; open it in binary mode ('{mode[0]}b')")
    if not callable(getattr(f, mode, None)):
        raise TypeError(f"f must be a path (str or os.PathLike) or a binary file object, got {type(f).__name__}")
    return f

def _arrays_to_save(obj):
    """{name: C-contiguous numpy array}, every entry checked before anything is written."""
    if not isinstance(obj, collections.abc.Mapping):
        hint = "; save its state_dict()" if hasattr(obj, "state_dict") else ""
        raise TypeError(f"save: obj must be a state dict {{name: Tensor or numpy array}}, got {type(obj).__name__}"
                        f"{hint} (arbitrary Python objects are not supported: a checkpoint holds no pickle)")
    arrays = {}
    for name, value in obj.items():
        if not isinstance(name, str):
            raise TypeError(f"save: state dict keys must be str, got {name!r} ({type(name).__name__})")
        if isinstance(value, Tensor):
            value = value.numpy()
        if not isinstance(value, (np.ndarray, np.generic)):
            raise TypeError(f"save: entry {name!r} is a {type(value).__name__}; a state dict holds Tensors or "
                            "numpy arrays")
        value = np.asarray(value)
        if value.dtype not in DTYPES:
            raise TypeError(f"save: entry {name!r} has dtype {value.dtype}; a checkpoint holds float32, float64, "
                            "int64, int32, uint8 or bool (convert it with .astype)")
        arrays[name] = np.require(value, requirements="C")   # np.ascontiguousarray would make 0-d arrays 1-d
    return arrays

def _write_npz(file, arrays):
    """The layout of np.savez (one uncompressed .npy per entry), written here so that any str is a valid name."""
    with zipfile.ZipFile(file, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, array, allow_pickle=False)

def _read_npz(file, name):
    start = file.tell()
    head = file.read(len(NPY_MAGIC))
    file.seek(start)
    not_ours = f"{name}: not a tinygrad_pool checkpoint (.npz)"
    if not head:
        raise CheckpointError(f"{not_ours}: the file is empty")
    if head.startswith(NPY_MAGIC):
        raise CheckpointError(f"{not_ours}: it holds a single NumPy array (.npy), not named arrays; write a state "
                              "dict with tinygrad_pool.save(model.state_dict(), path)")
    try:
        archive = zipfile.ZipFile(file)
    except zipfile.BadZipFile:
        if head.startswith(ZIP_MAGIC):
            raise CheckpointError(f"{name}: truncated: the zip archive has no end record (was the save "
                                  "interrupted?)") from None
        if head.startswith(PICKLE_MAGIC):
            raise CheckpointError(f"{not_ours}: it is a Python pickle, which is never loaded because loading one "
                                  "can run code") from None
        raise CheckpointError(f"{not_ours}: it is not a zip archive") from None
    state = {}
    with archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                torch_hint = (" (a PyTorch file: load it with torch.load and save {name: t.numpy()} with "
                              "tinygrad_pool.save)" if info.filename.endswith("data.pkl") else "")
                raise CheckpointError(f"{not_ours}: entry {info.filename!r} is not a NumPy array (.npy)"
                                      + torch_hint)
            key = info.filename[:-len(".npy")]
            if key in state:
                raise CheckpointError(f"{name}: damaged: entry {key!r} appears twice")
            state[key] = from_numpy(_read_entry(archive, info, f"{name}: entry {key!r}"))
    return state

def _read_entry(archive, info, where):
    """One .npy entry as a writable C-contiguous array of one of the supported dtypes."""
    try:
        with archive.open(info) as entry:
            version = np.lib.format.read_magic(entry)
            if version not in ((1, 0), (2, 0)):
                raise CheckpointError(f"{where}: .npy format version {version} is not supported")
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                np.lib.format.read_array_header_2_0
            shape, fortran_order, dtype = read_header(entry)
            if dtype.hasobject:
                raise CheckpointError(f"{where}: an object array (pickled Python objects), which a checkpoint "
                                      "never holds")
            if dtype.newbyteorder("=") not in DTYPES:
                raise CheckpointError(f"{where}: dtype {dtype} is not float32, float64, int64, int32, uint8 or bool")
            size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            stored = info.file_size - entry.tell()
            if size != stored:
                raise CheckpointError(f"{where}: truncated or damaged: shape {shape} needs {size} bytes, the entry "
                                      f"holds {stored}")
            data = bytearray(size)
            if entry.readinto(data) != size or entry.read():   # reading to the end checks the CRC
                raise CheckpointError(f"{where}: truncated or damaged: its data does not match its zip record")
            array = np.frombuffer(data, dtype)
            array = array.reshape(shape[::-1]).T if fortran_order else array.reshape(shape)
    except CheckpointError:
        raise
    except (ValueError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError) as error:
        raise CheckpointError(f"{where}: damaged ({error})") from error
    return array.astype(dtype.newbyteorder("="), order="C", copy=False)
