"""`save_file` and `load_file` of the safetensors format, with the names and arguments of
`safetensors.torch`: an 8-byte little-endian header length, a JSON header {name: {"dtype", "shape",
"data_offsets"}, "__metadata__": {str: str}} and the tensors' bytes, in C order and little-endian. It holds no
code, so any file can be loaded.

The format is small enough to read and write here, which keeps the `safetensors` package an optional extra and
lets saves be atomic and damaged files raise CheckpointError, as for the other checkpoints; the tests check
that the package and this module read each other's files."""
import collections.abc
import json
import struct

import numpy as np

from ..backends import get_backend, normalize_device
from ..tensor import Tensor, bool_, float32, float64, int32, int64, uint8
from .files import CheckpointError, as_path, is_path, reading, writing

CODES = {float64: "F64", float32: "F32", int64: "I64", int32: "I32", uint8: "U8", bool_: "BOOL"}
DTYPES = {code: dtype for dtype, code in CODES.items()}
UNSUPPORTED = ("F16", "BF16", "I8", "I16", "U16", "U32", "U64", "F8_E4M3", "F8_E5M2", "C64")
MAX_HEADER = 100_000_000   # the format's limit on the JSON header
METADATA = "__metadata__"

def save_file(tensors, filename, metadata=None):
    """Write `tensors` ({name: Tensor}) to the path `filename`, atomically, with `metadata` ({str: str})."""
    header, arrays = _header(tensors, metadata)
    if not is_path(filename):
        raise TypeError(f"save_file: filename must be a path (str or os.PathLike), got {type(filename).__name__}")
    with writing(as_path(filename)) as file:
        file.write(struct.pack("<Q", len(header)) + header)
        for array in arrays:
            file.write(array.view(np.uint8).data)

def _header(tensors, metadata):
    """(the padded JSON header, the arrays in the order of their bytes). Wider dtypes come first, so that every
    tensor's bytes start at a multiple of its item size."""
    if not isinstance(tensors, collections.abc.Mapping):
        raise TypeError(f"save_file: tensors must be a dict {{name: Tensor}}, got {type(tensors).__name__}")
    for name, tensor in tensors.items():
        if not isinstance(name, str):
            raise TypeError(f"save_file: tensor names must be str, got {name!r} ({type(name).__name__})")
        if not isinstance(tensor, Tensor):
            raise TypeError(f"save_file: {name!r} is a {type(tensor).__name__}, expected a Tensor")
    if metadata is not None and (not isinstance(metadata, collections.abc.Mapping) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in metadata.items())):
        raise TypeError(f"save_file: metadata must be None or a dict of str to str, got {metadata!r}")
    if METADATA in tensors:
        raise ValueError(f"save_file: {METADATA!r} is the format's own entry, not a tensor name")
    entries, arrays, offset = {}, [], 0
    for name in sorted(tensors, key=lambda name: -tensors[name].dtype.itemsize):
        array = np.require(tensors[name].numpy(), requirements="C")
        array = array.astype(array.dtype.newbyteorder("<"), copy=False)
        entries[name] = {"dtype": CODES[tensors[name].dtype], "shape": list(array.shape),
                         "data_offsets": [offset, offset + array.nbytes]}
        arrays.append(array.reshape(-1))
        offset += array.nbytes
    if metadata:
        entries = {METADATA: dict(metadata), **entries}
    header = json.dumps(entries, separators=(",", ":")).encode("utf-8")
    return header + b" " * (-len(header) % 8), arrays

def load_file(filename, device="cpu"):
    """{name: Tensor} of the safetensors file at `filename`, on `device`, in the order of the header."""
    device = normalize_device(device)
    if not is_path(filename):
        raise TypeError(f"load_file: filename must be a path (str or os.PathLike), got {type(filename).__name__}")
    with reading(filename) as (file, name):
        header, data = _read(file, name)
    tensors = {}
    for key, entry in header.items():
        if key == METADATA:
            continue
        dtype, shape, (begin, end) = _entry(key, entry, name)
        array = np.frombuffer(data, dtype.newbyteorder("<"), (end - begin) // dtype.itemsize, begin)
        if begin % dtype.itemsize or dtype.newbyteorder("<") != dtype:   # unaligned or not native: copied
            array = array.astype(dtype)
        array = array.reshape(shape)
        tensors[key] = Tensor._wrap(array if device == "cpu" else get_backend(device).asarray(array), device)
    return tensors

def _read(file, name):
    """(the header as a dict, the data as a bytearray), after checking that the entries tile the data."""
    head = file.read(8)
    if len(head) < 8:
        raise CheckpointError(f"{name}: not a safetensors file: {len(head)} bytes, shorter than its header length")
    (length,) = struct.unpack("<Q", head)
    if length > MAX_HEADER:
        raise CheckpointError(f"{name}: not a safetensors file (a header of {length} bytes)")
    text = file.read(length)
    try:
        header = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise CheckpointError(f"{name}: not a safetensors file, or a damaged one: its header is not JSON "
                              f"({error})") from None
    if len(text) != length or not isinstance(header, dict):
        raise CheckpointError(f"{name}: damaged: the header is not a JSON object of {length} bytes")
    metadata = header.get(METADATA, {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise CheckpointError(f"{name}: damaged: {METADATA} must map str to str, got {metadata!r}")
    data = bytearray(file.read())
    spans = sorted((_entry(key, entry, name)[2], key) for key, entry in header.items() if key != METADATA)
    end = 0
    for (begin, stop), key in spans:
        if begin != end:
            raise CheckpointError(f"{name}: damaged: {key!r} starts at byte {begin} of the data, expected {end} "
                                  "(tensors must tile the data without gaps or overlaps)")
        end = stop
    if end != len(data):
        raise CheckpointError(f"{name}: truncated or damaged: the header describes {end} bytes of data, the file "
                              f"holds {len(data)}")
    return header, data

def _entry(key, entry, name):
    """(dtype, shape, (begin, end)) of one header entry, checked."""
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise CheckpointError(f"{name}: damaged: entry {key!r} is {entry!r}, expected dtype, shape, data_offsets")
    code, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if code in UNSUPPORTED:
        raise CheckpointError(f"{name}: {key!r} has dtype {code}, which tinygrad_pool does not support (tensors "
                              "hold float32, float64, int64, int32, uint8 or bool); convert it before saving")
    if code not in DTYPES:
        raise CheckpointError(f"{name}: damaged: {key!r} has an unknown dtype {code!r}")
    if not _ints(shape) or not _ints(offsets) or len(offsets) != 2:
        raise CheckpointError(f"{name}: damaged: {key!r} has shape {shape!r} and data_offsets {offsets!r}, "
                              "expected lists of non-negative ints")
    dtype, (begin, end) = DTYPES[code], offsets
    if end - begin != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize:
        raise CheckpointError(f"{name}: damaged: {key!r} of shape {tuple(shape)} and dtype {code} needs "
                              f"{int(np.prod(shape, dtype=np.int64)) * dtype.itemsize} bytes, its data_offsets "
                              f"{offsets} span {end - begin}")
    return dtype, tuple(shape), (begin, end)

def _ints(values):
    return isinstance(values, list) and all(type(v) is int and v >= 0 for v in values)
