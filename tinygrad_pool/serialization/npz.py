"""Reading `.npz` state dicts: the format of earlier tinygrad_pool checkpoints and of `np.savez`, one `.npy`
array per entry and never a pickle."""
import zipfile
import zlib

import numpy as np

from ..creation import from_numpy
from ..tensor import DTYPES
from .files import CheckpointError

def is_npz(archive):
    names = archive.namelist()
    return bool(names) and all(name.endswith(".npy") for name in names)

def read_npz(archive, name):
    """{entry name: Tensor} in the stored order."""
    state = {}
    for info in archive.infolist():
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
