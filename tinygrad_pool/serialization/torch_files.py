"""PyTorch's checkpoint files: the zip archive that `torch.save` writes since PyTorch 1.6, and the stream of
pickles of earlier versions (the "legacy" format, in which many pretrained weights were published).

The zip archive holds `<prefix>/data.pkl` (the pickle), one `<prefix>/data/<key>` record per storage (its raw
bytes, each record aligned to 64 bytes so that it can be memory-mapped), `byteorder` and `version`."""
import io
import struct
import zipfile

import numpy as np

from .files import CheckpointError
from .torch_pickle import Unpickler

PREFIX = "archive"
ALIGNMENT = 64
PADDING_FIELD = 0x4246   # the zip extra field that pads a local header so that the data after it is aligned
LOCAL_HEADER = 30        # bytes of a zip local file header before its name
ZIP64_FIELD = 20         # bytes of the zip64 extra field that zipfile adds to a header written with force_zip64
VERSION = b"3\n"         # the archive version torch.save writes and torch.load reads
LEGACY_MAGIC = 0x1950a86a20f9469cfc6c
LEGACY_PROTOCOL = 1001

# --- the zip archive ---------------------------------------------------------------------------------------------

def write_zip(file, pickled, storages):
    """The archive of a pickle and its SavedStorages, in torch.save's order of records."""
    start = file.tell() if _seekable(file) else None
    records = [("data.pkl", pickled), (".format_version", b"1"), (".storage_alignment", str(ALIGNMENT).encode()),
               ("byteorder", b"little")]
    records += [(f"data/{saved.key}", saved.array) for saved in storages]
    records.append(("version", VERSION))
    with zipfile.ZipFile(file, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, data in records:
            _write_record(archive, file, start, f"{PREFIX}/{name}", data)

def _write_record(archive, file, start, name, data):
    info = zipfile.ZipInfo(name)
    if start is not None and isinstance(data, np.ndarray):
        header = LOCAL_HEADER + len(name.encode("utf-8")) + 4 + ZIP64_FIELD
        padding = -(file.tell() - start + header) % ALIGNMENT
        info.extra = struct.pack("<HH", PADDING_FIELD, padding) + b"Z" * padding
    with archive.open(info, "w", force_zip64=True) as record:   # zip64: a storage may exceed 4 GiB
        record.write(data.view(np.uint8).data if isinstance(data, np.ndarray) else data)

def _seekable(file):
    return callable(getattr(file, "seekable", None)) and file.seekable()

def is_torch_zip(archive):
    return any(name.count("/") == 1 and name.endswith("/data.pkl") for name in archive.namelist())

def read_zip(archive, name, weights_only):
    """(the unpickled object, its Unpickler, to be finished)."""
    pickles = [record for record in archive.namelist() if record.count("/") == 1 and record.endswith("/data.pkl")]
    if len(pickles) != 1:
        raise CheckpointError(f"{name}: damaged: a PyTorch archive holds one data.pkl, this one {pickles}")
    prefix = pickles[0][:-len("data.pkl")]
    names = set(archive.namelist())
    order = archive.read(prefix + "byteorder") if prefix + "byteorder" in names else b"little"
    if order not in (b"little", b"big"):
        raise CheckpointError(f"{name}: damaged: byteorder is {order!r}, expected 'little' or 'big'")
    endian = "<" if order == b"little" else ">"

    def read_storage(key, dtype, numel):
        record = f"{prefix}data/{key}"
        if record not in names:
            raise CheckpointError(f"{name}: damaged: the storage {record!r} that the pickle names is missing")
        info, size = archive.getinfo(record), numel * dtype.itemsize
        if info.file_size != size:
            raise CheckpointError(f"{name}: damaged: {record!r} holds {info.file_size} bytes, but {numel} "
                                  f"{dtype} values need {size}")
        data = bytearray(size)
        with archive.open(info) as stored:
            if stored.readinto(data) != size or stored.read():   # reading to the end checks the CRC
                raise CheckpointError(f"{name}: damaged: {record!r} does not match its zip record")
        return _native(np.frombuffer(data, dtype.newbyteorder(endian)))

    unpickler = Unpickler(io.BytesIO(archive.read(pickles[0])), name, read_storage, weights_only)
    return unpickler.load(), unpickler

def _native(array):
    """The values in the machine's byte order, as a writable array."""
    return array.astype(array.dtype.newbyteorder("="), copy=False)

# --- the legacy stream of pickles --------------------------------------------------------------------------------

def read_legacy(file, name, weights_only):
    """(the unpickled object, its Unpickler, to be finished). The stream holds a magic number, a protocol
    number, the writer's sys_info, the object's pickle, the list of storage keys, and then each storage as an
    8-byte element count and its bytes."""
    if _header(file, name) != LEGACY_MAGIC:
        raise CheckpointError(f"{name}: not a checkpoint: it is a Python pickle but not one that torch.save "
                              "wrote (its first object is not PyTorch's magic number)")
    protocol = _header(file, name)
    if protocol != LEGACY_PROTOCOL:
        raise CheckpointError(f"{name}: PyTorch's legacy format of protocol {protocol!r} is not supported, only "
                              f"{LEGACY_PROTOCOL}")
    info = _header(file, name)
    little = info.get("little_endian", True) if isinstance(info, dict) else True
    endian = "<" if little else ">"
    allocated = {}

    def allocate(key, dtype, numel):   # filled once the pickle is read: its tensors view these arrays
        allocated[key] = np.empty(numel, dtype)
        return allocated[key]

    unpickler = Unpickler(file, name, allocate, weights_only)
    result = unpickler.load()
    keys = _header(file, name)
    if not isinstance(keys, list) or sorted(keys) != sorted(allocated):
        raise CheckpointError(f"{name}: damaged: the stored keys {keys!r} are not the storages that the pickle "
                              f"names, {sorted(allocated)}")
    for key in keys:
        array = allocated[key]
        count = file.read(8)
        if len(count) != 8 or struct.unpack(endian + "q", count)[0] != array.size:
            raise CheckpointError(f"{name}: damaged or truncated: storage {key!r} should hold {array.size} values")
        if file.readinto(array.view(np.uint8)) != array.nbytes:
            raise CheckpointError(f"{name}: truncated: storage {key!r} ends early")
        if not little and array.itemsize > 1:
            array.byteswap(inplace=True)
    return result, unpickler

def _header(file, name):
    """One of the small pickles around the object: plain data, read with the restricted unpickler."""
    def no_storages(key, dtype, numel):
        raise CheckpointError(f"{name}: damaged: a storage before the object's pickle")
    return Unpickler(file, name, no_storages, weights_only=True).load()
