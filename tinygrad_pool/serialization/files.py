"""What every checkpoint format shares: the error for a bad file, atomic writes, and how `f` may be given (a
path or a binary file object, as in PyTorch)."""
import contextlib
import errno
import io
import os
import secrets

class CheckpointError(ValueError):
    """A file that is not a checkpoint, or one that is truncated or damaged."""

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

def is_path(f):
    return isinstance(f, (str, os.PathLike))

def as_path(f):
    return os.fsdecode(os.fspath(f))

def binary_file(f, mode):
    """`f` itself, once it is known to be a binary file object with a `read` or `write` method (`mode`)."""
    if isinstance(f, io.TextIOBase):
        raise TypeError(f"f: {f!r} is a text file; open it in binary mode ('{mode[0]}b')")
    if not callable(getattr(f, mode, None)):
        raise TypeError(f"f must be a path (str or os.PathLike) or a binary file object, got {type(f).__name__}")
    return f

def file_name(f):
    """How errors name a file object: its name, else its type."""
    return getattr(f, "name", None) or f"<{type(f).__name__}>"

@contextlib.contextmanager
def writing(f):
    """A binary file to write to: atomically for a path, `f` itself for a file object."""
    if is_path(f):
        with atomic_write(as_path(f)) as file:
            yield file
    else:
        yield binary_file(f, "write")

@contextlib.contextmanager
def reading(f):
    """(seekable binary file, its name for errors). A path is opened (a missing file or a folder raises
    FileNotFoundError / IsADirectoryError); a file object that cannot seek is read into memory, since a zip
    archive is read from its end."""
    if is_path(f):
        path = as_path(f)
        with open(path, "rb") as file:
            yield file, path
        return
    file = binary_file(f, "read")
    name = file_name(f)
    if not (callable(getattr(file, "seekable", None)) and file.seekable()):
        file = io.BytesIO(file.read())
    yield file, name
