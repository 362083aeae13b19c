"""Checkpoints: save/load round trips with ourselves and with PyTorch in both directions (PyTorch's zip format,
its legacy format, hand-assembled files when torch is missing), `.npz` and safetensors files, restricted
unpickling against malicious pickles, every kind of bad file, atomic saves that leave nothing behind, and
Module.load_state_dict's all-or-nothing checks and casts (against PyTorch where installed); Parameters own
writable storage."""
import collections
import errno
import io
import os
import pickle
import re
import stat
import struct
import zipfile

import numpy as np
import pytest

import tinygrad_pool as tp
from tinygrad_pool import nn, optim
from tinygrad_pool.serialization import CheckpointError, UnsafeGlobalError, load, load_file, save, save_file
from tinygrad_pool.serialization import files, torch_files

def small_net():
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3))

def trained_net():
    """A net whose BatchNorm running statistics and counter have moved away from their initial values."""
    tp.manual_seed(0)
    model = small_net().train()
    for seed in range(3):
        model(tp.tensor(np.random.default_rng(seed).standard_normal((4, 1, 4, 4)).astype(np.float32)))
    return model

def snapshot(model):
    return {name: (t.dtype, t.shape, t.numpy().tobytes(), t._data) for name, t in model.state_dict().items()}

def mixed():
    """A state dict of every dtype, 0-d and empty tensors, a strided view and names np.savez could not take."""
    return collections.OrderedDict([
        ("weight", tp.tensor(np.arange(6, dtype=np.float32).reshape(2, 3))),
        ("double", tp.tensor(np.array([1 / 3, -0.0, np.inf, np.nan]))),
        ("count", tp.tensor(np.int64(2) ** 62)),
        ("int", tp.tensor(np.array([[-(2 ** 31), 2 ** 31 - 1]], np.int32))),
        ("byte", tp.tensor(np.array([0, 255, 7], np.uint8))),
        ("mask", tp.tensor(np.array([[True, False]]))),
        ("empty", tp.zeros(0, 3)),
        ("transposed", tp.from_numpy(np.arange(12.0).reshape(3, 4).T)),
        ("file", tp.ones(1)),
        ("layer/ünïcode name", tp.full((1, 1, 1), 7.0)),
    ])

def assert_same_tensors(got, expected):
    assert list(got) == list(expected)
    for name, value in expected.items():
        assert isinstance(got[name], tp.Tensor) and got[name].device == "cpu", name
        assert got[name].dtype == value.dtype and got[name].shape == value.shape, name
        assert got[name].numpy().tobytes() == np.ascontiguousarray(value.numpy()).tobytes(), name

def saved_bytes(obj):
    buffer = io.BytesIO()
    save(obj, buffer)
    return buffer.getvalue()

def loaded(raw, **kwargs):
    return load(io.BytesIO(raw), **kwargs)

# --- round trips with ourselves ----------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["str", "pathlib", "file object", "BytesIO"])
def test_a_state_dict_round_trips_in_order_with_dtypes_shapes_and_values(tmp_path, target):
    path, state = tmp_path / "state.pt", mixed()
    if target == "BytesIO":
        got = loaded(saved_bytes(state))
    elif target == "file object":
        with open(path, "wb") as f:
            save(state, f)
        with open(path, "rb") as f:
            got = load(f)
    else:
        save(state, str(path) if target == "str" else path)
        got = load(str(path) if target == "str" else path)
    assert type(got) is collections.OrderedDict
    assert_same_tensors(got, state)
    assert all(t.numpy().flags.writeable for t in got.values())

class Stream:
    """A file object that can only write, or only read: a pipe, a socket, an upload."""
    def __init__(self, data=b""):
        self.chunks, self.source = [], io.BytesIO(data)

    def write(self, data):
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def read(self, size=-1):
        return self.source.read(size)

def test_a_stream_that_cannot_seek_is_written_and_read():
    stream = Stream()
    save({"w": tp.arange(5.0)}, stream)
    assert load(Stream(b"".join(stream.chunks)))["w"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]

def test_containers_numbers_strings_and_none_round_trip_and_a_tensor_saved_twice_is_one_object():
    shared = tp.tensor([1.0, 2.0])
    obj = {"epoch": 3, "loss": 0.25, "name": "lenet", "none": None, "flags": (True, False), "big": 2 ** 70,
           "bytes": b"\x00\xff", "set": {1, 2}, "nested": [{"t": shared}, [shared, tp.tensor(5)]], 7: "int key"}
    got = loaded(saved_bytes(obj))
    assert {k: v for k, v in got.items() if k != "nested"} == {k: v for k, v in obj.items() if k != "nested"}
    first, (second, five) = got["nested"][0]["t"], got["nested"][1]
    assert first is second and first.tolist() == [1.0, 2.0] and five.item() == 5 and five.dtype == np.int64

def test_a_trained_model_with_batchnorm_buffers_round_trips_bitwise(tmp_path):
    source, target = trained_net(), small_net()
    assert int(source[1].num_batches_tracked.item()) == 3
    save(source.state_dict(), tmp_path / "model.pt")
    target.load_state_dict(load(tmp_path / "model.pt"))
    for (name, (dtype, shape, data, _)), (_, (dtype2, shape2, data2, _)) in zip(snapshot(source).items(),
                                                                                snapshot(target).items()):
        assert (dtype, shape, data) == (dtype2, shape2, data2), name
    assert target[1].num_batches_tracked.shape == () and target[1].num_batches_tracked.dtype == np.int64
    x = tp.tensor(np.random.default_rng(9).standard_normal((2, 1, 4, 4)).astype(np.float32))
    source.eval(), target.eval()
    np.testing.assert_array_equal(source(x).numpy(), target(x).numpy())

def test_a_whole_module_round_trips_with_weights_only_false_and_is_refused_otherwise(tmp_path):
    source = trained_net().eval()
    save(source, tmp_path / "model.pt")
    with pytest.raises(UnsafeGlobalError, match=r"refuses the global tinygrad_pool\.nn\.container\.Sequential"):
        load(tmp_path / "model.pt")
    model = load(tmp_path / "model.pt", weights_only=False)
    assert type(model) is nn.Sequential and type(model[0].weight) is nn.Parameter
    assert model[0].weight.requires_grad and not model[1].running_mean.requires_grad and not model.training
    x = tp.tensor(np.random.default_rng(9).standard_normal((2, 1, 4, 4)).astype(np.float32))
    np.testing.assert_array_equal(source(x).numpy(), model(x).numpy())
    model[4].weight.grad = tp.ones_like(model[4].weight)
    optim.SGD(model.parameters(), lr=0.5).step()   # loaded parameters are writable and own their storage
    np.testing.assert_array_equal(model[4].weight.numpy(), source[4].weight.numpy() - 0.5)

def test_a_non_leaf_tensor_saves_its_values_not_its_graph():
    x = tp.tensor([1.0, 2.0], requires_grad=True)
    got = loaded(saved_bytes({"y": x * 3}))["y"]
    assert got.tolist() == [3.0, 6.0] and got.requires_grad and got.is_leaf

def test_an_object_that_cannot_be_pickled_writes_no_file(tmp_path):
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        save({"f": lambda: 0}, tmp_path / "model.pt")
    assert os.listdir(tmp_path) == []

def test_f_must_be_a_path_or_a_binary_file(tmp_path):
    with pytest.raises(TypeError, match="f must be a path .* or a binary file object, got int"):
        save({}, 3)
    with pytest.raises(TypeError, match="got NoneType"):
        load(None)
    with open(tmp_path / "text", "w") as f:
        with pytest.raises(TypeError, match=r"is a text file; open it in binary mode \('wb'\)"):
            save({}, f)

@pytest.mark.parametrize("kwargs, error, message", [
    (dict(map_location="tpu"), ValueError, "load: map_location: unknown device 'tpu'"),
    (dict(map_location={"cpu": "tpu"}), ValueError, "load: map_location: unknown device 'tpu'"),
    (dict(map_location=3), TypeError, "map_location must be None, a device ('cpu', 'cuda'), a dict or a callable, "
                                      "got int"),
    (dict(map_location={"cuda:0": 1}), TypeError, "must map saved locations to devices (str to str), got 'cuda:0': 1"),
    (dict(map_location=lambda storage, location: "cpu"), TypeError, "map_location('cpu') returned a str"),
    (dict(weights_only="yes"), TypeError, "load: weights_only must be True or False, got"),
    (dict(mmap=True), ValueError, "mmap=True is not supported"),
])
def test_bad_load_arguments_are_named(kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        loaded(saved_bytes({"w": tp.ones(2)}), **kwargs)

def test_map_location_moves_storages_as_pytorch_does():
    raw, seen = saved_bytes({"w": tp.ones(2), "v": tp.zeros(3)}), []
    def record(storage, location):
        seen.append((location, len(storage), storage.dtype))
        return storage.cpu()
    for map_location in (None, "cpu", {"cpu": "cpu"}, record, lambda storage, location: None):
        got = loaded(raw, map_location=map_location)
        assert [t.device for t in got.values()] == ["cpu", "cpu"] and got["w"].tolist() == [1.0, 1.0]
    assert seen == [("cpu", 2, np.float32), ("cpu", 3, np.float32)]
    assert loaded(raw, weights_only=None)["v"].tolist() == [0.0, 0.0, 0.0]

def test_tensors_saved_on_a_device_we_lack_need_map_location():
    raw = torch_zip(dict_pickle([("w", tensor_op(storage_pid("FloatStorage", "0", 2, location="mps:0"), 0, (2,),
                                                 (1,)))]), {"0": np.ones(2, np.float32)})
    with pytest.raises(ValueError, match=re.escape("saved on 'mps:0', a device tinygrad_pool does not have: load "
                                                   "them with map_location='cpu'")):
        loaded(raw)
    assert loaded(raw, map_location="cpu")["w"].tolist() == [1.0, 1.0]
    assert loaded(raw, map_location={"mps:0": "cpu"})["w"].device == "cpu"

def test_tensors_come_back_on_the_device_they_were_saved_from_or_where_map_location_says(device):
    saved = saved_bytes({"w": tp.tensor([1.0, 2.0]), "c": tp.tensor([1, 2], device=device)})
    assert [t.device for t in loaded(saved).values()] == ["cpu", device]
    got = loaded(saved, map_location=device)
    assert [t.device for t in got.values()] == [device, device]
    assert got["w"].tolist() == [1.0, 2.0] and got["c"].tolist() == [1, 2]
    to_device = (lambda storage, location: storage.cuda()) if device == "cuda" else \
        (lambda storage, location: storage.cpu())
    assert loaded(saved, map_location=to_device)["w"].device == device
    assert [t.device for t in loaded(saved, map_location="cpu").values()] == ["cpu", "cpu"]
    assert [t.device for t in loaded(saved, map_location={"cuda:0": "cpu"}).values()] == ["cpu", "cpu"]

# --- PyTorch's format, without torch: hand-assembled pickles --------------------------------------------------------

def op_global(module, name):
    return pickle.GLOBAL + f"{module}\n{name}\n".encode()

def op_str(text):
    data = text.encode()
    return pickle.BINUNICODE + struct.pack("<I", len(data)) + data

def op_int(value):
    return pickle.BININT + struct.pack("<i", value)

def op_tuple(*items):
    return pickle.MARK + b"".join(items) + pickle.TUPLE

def storage_pid(storage_type, key, numel, location="cpu"):
    return op_tuple(op_str("storage"), op_global("torch", storage_type), op_str(key), op_str(location),
                    op_int(numel)) + pickle.BINPERSID

def tensor_op(pid, offset, size, stride, requires_grad=False):
    return (op_global("torch._utils", "_rebuild_tensor_v2")
            + op_tuple(pid, op_int(offset), op_tuple(*map(op_int, size)), op_tuple(*map(op_int, stride)),
                       pickle.NEWTRUE if requires_grad else pickle.NEWFALSE,
                       op_global("collections", "OrderedDict") + pickle.EMPTY_TUPLE + pickle.REDUCE)
            + pickle.REDUCE)

def dict_pickle(items):
    """The pickle of an OrderedDict {name: object}, each object given as its opcodes."""
    return (pickle.PROTO + b"\x02" + op_global("collections", "OrderedDict") + pickle.EMPTY_TUPLE + pickle.REDUCE
            + pickle.MARK + b"".join(op_str(k) + v for k, v in items) + pickle.SETITEMS + pickle.STOP)

def torch_zip(pickled, storages, byteorder=b"little", prefix="model", version=b"3\n"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{prefix}/data.pkl", pickled)
        if byteorder is not None:
            archive.writestr(f"{prefix}/byteorder", byteorder)
        for key, data in storages.items():
            archive.writestr(f"{prefix}/data/{key}", data.tobytes() if isinstance(data, np.ndarray) else data)
        archive.writestr(f"{prefix}/version", version)
    return buffer.getvalue()

def shared_storage_file(byteorder=b"little"):
    """A 3 x 4 float32 tensor, its transpose and its second column, all views of one storage, and an int64; the
    storages in the byte order that `byteorder` records (little-endian where there is no record)."""
    values = np.arange(12, dtype=np.float32)
    order = ">" if byteorder == b"big" else "<"
    pickled = dict_pickle([
        ("w", tensor_op(storage_pid("FloatStorage", "0", 12), 0, (3, 4), (4, 1), requires_grad=True)),
        ("t", tensor_op(storage_pid("FloatStorage", "0", 12), 0, (4, 3), (1, 4))),
        ("column", tensor_op(storage_pid("FloatStorage", "0", 12), 1, (3,), (4,))),
        ("n", tensor_op(storage_pid("LongStorage", "1", 1), 0, (), ())),
    ])
    return torch_zip(pickled, {"0": values.astype(order + "f4"), "1": np.array([-5], order + "i8")},
                     byteorder=byteorder)

@pytest.mark.parametrize("byteorder", [b"little", b"big", None], ids=["little", "big-endian marker", "no marker"])
def test_a_hand_assembled_pytorch_file_loads_with_views_sharing_one_storage(byteorder):
    got = loaded(shared_storage_file(byteorder))
    expected = np.arange(12, dtype=np.float32).reshape(3, 4)
    np.testing.assert_array_equal(got["w"].numpy(), expected)
    np.testing.assert_array_equal(got["t"].numpy(), expected.T)
    np.testing.assert_array_equal(got["column"].numpy(), expected[:, 1])
    assert got["w"].requires_grad and not got["t"].requires_grad
    assert got["n"].shape == () and got["n"].dtype == np.int64 and got["n"].item() == -5
    got["w"].numpy()[0, 1] = 100.0   # one storage, as in PyTorch
    assert got["t"].numpy()[1, 0] == 100.0 and got["column"].numpy()[0] == 100.0
    assert all(t.dtype.isnative for t in got.values())

def test_an_expanded_tensor_is_copied_so_that_in_place_updates_stay_per_element():
    raw = torch_zip(dict_pickle([("e", tensor_op(storage_pid("FloatStorage", "0", 3), 0, (2, 3), (0, 1)))]),
                    {"0": np.array([1, 2, 3], np.float32)})
    e = loaded(raw)["e"]
    assert e.tolist() == [[1, 2, 3], [1, 2, 3]]
    e.numpy()[0, 0] = 9.0
    assert e.tolist() == [[9, 2, 3], [1, 2, 3]]

# --- restricted unpickling -----------------------------------------------------------------------------------------

class Payload:
    """What a malicious checkpoint holds: unpickling it runs a shell command that creates `marker`."""
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)

SYSTEM = f"{os.system.__module__}.system"

def test_a_malicious_pickle_in_a_checkpoint_is_refused_and_does_not_run(tmp_path):
    marker = tmp_path / "ran"
    save({"w": tp.ones(2), "evil": Payload(marker)}, tmp_path / "evil.pt")
    assert not marker.exists()
    with pytest.raises(UnsafeGlobalError, match=re.escape(f"evil.pt: weights_only=True refuses the global {SYSTEM}")):
        load(tmp_path / "evil.pt")
    assert not marker.exists()
    assert load(tmp_path / "evil.pt", weights_only=False)["evil"] == 0   # the payload is real: trusted files only
    assert marker.exists()

@pytest.mark.parametrize("weights_only", [True, False])
def test_a_malicious_plain_pickle_never_runs(tmp_path, weights_only):
    """A file that is a pickle is read as PyTorch's legacy format, whose leading numbers are read with the
    restricted unpickler whatever weights_only says."""
    marker = tmp_path / "ran"
    (tmp_path / "evil.pt").write_bytes(pickle.dumps(Payload(marker), protocol=2))
    with pytest.raises(UnsafeGlobalError, match=re.escape(SYSTEM)):
        load(tmp_path / "evil.pt", weights_only=weights_only)
    assert not marker.exists()

def legacy_stream(main_pickle, storages=(), little_endian=True):
    """PyTorch's legacy format: three header pickles, the object's pickle, the storage keys, then each storage
    as its element count and its bytes. `storages` holds (key, array)."""
    order = "<" if little_endian else ">"
    headers = (torch_files.LEGACY_MAGIC, 1001, {"little_endian": little_endian})
    return (b"".join(pickle.dumps(x, protocol=2) for x in headers) + main_pickle
            + pickle.dumps([key for key, _ in storages], protocol=2)
            + b"".join(struct.pack(order + "q", a.size) + a.astype(a.dtype.newbyteorder(order)).tobytes()
                       for _, a in storages))

def legacy_pid(key, numel, view=None):
    view = pickle.NONE if view is None else op_tuple(op_str(view[0]), op_int(view[1]), op_int(view[2]))
    return op_tuple(op_str("storage"), op_global("torch", "FloatStorage"), op_str(key), op_str("cpu"),
                    op_int(numel), view) + pickle.BINPERSID

def legacy_file(little_endian=True):
    """A 2 x 2 tensor and its second column on one storage, and a tensor on a legacy view of part of it."""
    main = dict_pickle([("w", tensor_op(legacy_pid("7", 6), 0, (2, 2), (2, 1))),
                        ("column", tensor_op(legacy_pid("7", 6), 1, (2,), (2,))),
                        ("tail", tensor_op(legacy_pid("7", 6, view=("8", 4, 2)), 0, (2,), (1,)))])
    return legacy_stream(main, [("7", np.arange(6, dtype=np.float32))], little_endian)

@pytest.mark.parametrize("little_endian", [True, False], ids=["little", "big-endian"])
def test_a_hand_assembled_legacy_file_loads_with_shared_storages(little_endian):
    got = loaded(legacy_file(little_endian))
    assert got["w"].tolist() == [[0, 1], [2, 3]] and got["column"].tolist() == [1, 3]
    assert got["tail"].tolist() == [4, 5] and got["w"].dtype == np.float32
    got["w"].numpy()[0, 1] = 10.0
    assert got["column"].tolist() == [10, 3]

@pytest.mark.parametrize("module, name", [("builtins", "eval"), ("builtins", "getattr"), ("os", "system"),
                                          ("subprocess", "Popen"), ("torch._utils", "os"), ("torch", "load"),
                                          ("numpy.core.multiarray", "_reconstruct"), ("builtins", "__import__")])
@pytest.mark.parametrize("container", ["zip", "legacy"])
def test_globals_that_a_state_dict_does_not_need_are_refused(module, name, container):
    pickled = dict_pickle([("x", op_global(module, name) + op_tuple(op_str("1")) + pickle.REDUCE)])
    raw = torch_zip(pickled, {}) if container == "zip" else legacy_stream(pickled)
    with pytest.raises(UnsafeGlobalError, match=re.escape(f"refuses the global {module}.{name}")) as raised:
        loaded(raw)
    assert isinstance(raised.value, pickle.UnpicklingError) and isinstance(raised.value, CheckpointError)

def test_numpy_arrays_need_weights_only_false_as_in_pytorch():
    raw = saved_bytes({"w": np.arange(3.0)})
    with pytest.raises(UnsafeGlobalError, match="numpy"):
        loaded(raw)
    np.testing.assert_array_equal(loaded(raw, weights_only=False)["w"], np.arange(3.0))

def test_a_pickle_that_rewrites_a_tensor_it_built_is_damaged():
    tampered = tensor_op(storage_pid("FloatStorage", "0", 2), 0, (2,), (1,)) + pickle.EMPTY_DICT \
        + op_str("data") + op_str("junk") + pickle.SETITEM + pickle.BUILD
    with pytest.raises(CheckpointError, match="the pickle changes a tensor it built"):
        loaded(torch_zip(dict_pickle([("w", tampered)]), {"0": np.ones(2, np.float32)}))

def test_a_whole_pytorch_module_is_not_built_even_with_weights_only_false():
    pickled = dict_pickle([("m", op_global("torch.nn.modules.linear", "Linear") + pickle.EMPTY_TUPLE
                           + pickle.NEWOBJ)])
    with pytest.raises(CheckpointError, match=r"a PyTorch object, torch\.nn\.modules\.linear\.Linear, which "
                                              r"tinygrad_pool cannot build; save its state_dict\(\)"):
        loaded(torch_zip(pickled, {}), weights_only=False)

# --- bad files ---------------------------------------------------------------------------------------------------

def good_bytes():
    return saved_bytes({"w": tp.arange(100, dtype=tp.float64), "n": tp.tensor(3)})

def zip_of(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()

def npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()

def npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()

def flip_a_byte(raw, offset):
    damaged = bytearray(raw)
    damaged[offset] ^= 1
    return bytes(damaged)

def flip_a_storage_byte():
    raw = good_bytes()
    return flip_a_byte(raw, raw.index(b"archive/data/0") + 200)

def flip_an_npy_byte():
    raw = npz_bytes(w=np.arange(100.0))
    return flip_a_byte(raw, raw.index(b"\x93NUMPY") + 200)

def short_npy_entry():
    """A .npy header for 10 float64 values followed by only one."""
    return zip_of([("w.npy", npy_bytes(np.zeros(10))[:-80] + bytes(8))])

def one_tensor(numel, size, stride, offset=0, storage_type="FloatStorage", stored=None):
    pickled = dict_pickle([("w", tensor_op(storage_pid(storage_type, "0", numel), offset, size, stride))])
    return torch_zip(pickled, {"0": np.zeros(numel, np.float32) if stored is None else stored})

NOT_OURS = "not a checkpoint: "

BAD_FILES = [   # (what the file is, its bytes, the message after "<file>: ")
    ("empty", lambda: b"", NOT_OURS + "the file is empty"),
    ("garbage", lambda: b"certainly not a checkpoint\n" * 4, NOT_OURS + "it is neither a zip archive"),
    ("cut in half", lambda: good_bytes()[:len(good_bytes()) // 2], "truncated: the zip archive has no end record"),
    ("last byte missing", lambda: good_bytes()[:-1], "truncated: the zip archive has no end record"),
    (".npy", lambda: npy_bytes(np.ones(3)), NOT_OURS + "it holds a single NumPy array (.npy)"),
    ("plain pickle", lambda: pickle.dumps({"w": 1}, protocol=2), NOT_OURS + "it is a Python pickle but not one that "
     "torch.save wrote"),
    ("other zip", lambda: zip_of([("notes.txt", b"hello")]), NOT_OURS + "the zip archive holds neither"),
    ("flipped storage byte", flip_a_storage_byte, "damaged (BadZipFile: Bad CRC-32"),
    ("flipped pickle byte", lambda: flip_a_byte(good_bytes(), good_bytes().index(b"torch._utils") + 2), "damaged"),
    ("missing storage", lambda: torch_zip(dict_pickle([("w", tensor_op(storage_pid("FloatStorage", "9", 2), 0, (2,),
                                                                        (1,)))]), {}),
     "damaged: the storage 'model/data/9' that the pickle names is missing"),
    ("short storage", lambda: one_tensor(4, (4,), (1,), stored=np.zeros(3, np.float32)),
     "damaged: 'model/data/0' holds 12 bytes, but 4 float32 values need 16"),
    ("tensor past its storage", lambda: one_tensor(4, (2, 2), (2, 1), offset=1),
     "damaged (UnpicklingError: a tensor of size (2, 2), stride (2, 1) at offset 1 reaches past its storage"),
    ("negative stride", lambda: one_tensor(4, (2,), (-1,)), "damaged (UnpicklingError: bad tensor geometry"),
    ("bad byteorder", lambda: torch_zip(dict_pickle([]), {}, byteorder=b"middle"), "damaged: byteorder is b'middle'"),
    ("two pickles", lambda: zip_of([("a/data.pkl", dict_pickle([])), ("b/data.pkl", dict_pickle([]))]),
     "damaged: a PyTorch archive holds one data.pkl"),
    ("float16", lambda: one_tensor(2, (2,), (1,), storage_type="HalfStorage"),
     "a tensor is stored as torch.HalfStorage: float16 tensors are not supported"),
    ("pickle without STOP", lambda: torch_zip(dict_pickle([])[:-1], {}), "damaged (EOFError: Ran out of input)"),
    ("legacy cut short", lambda: legacy_file()[:-8], "truncated: storage '7' ends early"),
    ("legacy count wrong", lambda: legacy_file().replace(struct.pack("<q", 6), struct.pack("<q", 5)),
     "damaged or truncated: storage '7' should hold 6 values"),
    ("legacy keys wrong", lambda: legacy_stream(dict_pickle([("w", tensor_op(legacy_pid("7", 1), 0, (), ()))])),
     "damaged: the stored keys [] are not the storages that the pickle names, ['7']"),
    ("legacy wrong magic", lambda: b"".join(pickle.dumps(x, protocol=2) for x in (12345, 1001)),
     NOT_OURS + "it is a Python pickle but not one that torch.save wrote (its first object is not PyTorch's magic"),
    ("object array in .npz", lambda: npz_bytes(w=np.array([1, None], dtype=object)), "entry 'w': an object array"),
    ("int16 in .npz", lambda: npz_bytes(w=np.ones(2, np.int16)), "entry 'w': dtype int16 is not float32"),
    ("flipped .npz byte", flip_an_npy_byte, "entry 'w': damaged (Bad CRC-32"),
    ("short .npz entry", short_npy_entry,
     "entry 'w': truncated or damaged: shape (10,) needs 80 bytes, the entry holds 8"),
    ("duplicate .npz entry", lambda: zip_of([("w.npy", npy_bytes(np.ones(1))), ("w.npy", npy_bytes(np.ones(1)))]),
     "damaged: entry 'w' appears twice"),
]

@pytest.mark.filterwarnings("ignore:Duplicate name")
@pytest.mark.parametrize("what, make, message", BAD_FILES, ids=[row[0] for row in BAD_FILES])
@pytest.mark.parametrize("opened", [False, True], ids=["path", "file object"])
def test_a_bad_file_raises_one_error_type_naming_the_file_and_the_problem(tmp_path, what, make, message, opened):
    path = tmp_path / "model.pt"
    path.write_bytes(make())
    with pytest.raises(CheckpointError, match=re.escape(f"{path}: {message}")):
        if opened:
            with open(path, "rb") as f:
                load(f)
        else:
            load(path)
    assert issubclass(CheckpointError, ValueError)

def test_an_unnamed_file_object_is_named_by_its_type():
    with pytest.raises(CheckpointError, match=re.escape("<BytesIO>: not a checkpoint")):
        load(io.BytesIO(b"junk"))

def test_a_missing_file_or_a_folder_raise_os_errors_naming_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "nope.pt"))):
        load(tmp_path / "nope.pt")
    with pytest.raises(IsADirectoryError, match=re.escape(str(tmp_path))):
        load(tmp_path)
    with pytest.raises(IsADirectoryError, match="cannot save onto a folder: .*" + re.escape(tmp_path.name)):
        save({}, tmp_path)
    with pytest.raises(FileNotFoundError, match="folder that does not exist: .*no-such-folder"):
        save({}, tmp_path / "no-such-folder" / "model.pt")

# --- .npz state dicts ----------------------------------------------------------------------------------------------

def test_npz_files_of_earlier_versions_and_of_numpy_still_load(tmp_path):
    buffer = io.BytesIO()   # the layout earlier versions wrote: one .npy per entry, any str as a name
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, array in [("layer/ünïcode name", np.ones((1, 2), np.float32)), ("count", np.array(3))]:
            with archive.open(name + ".npy", "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, array, allow_pickle=False)
    got = loaded(buffer.getvalue())
    assert list(got) == ["layer/ünïcode name", "count"] and got["count"].shape == () and got["count"].item() == 3
    np.savez(tmp_path / "numpy.npz", b=np.arange(3), a=np.asfortranarray(np.arange(6.0).reshape(2, 3)),
             c=np.ones(2, ">f4"))
    np.savez_compressed(tmp_path / "compressed.npz", x=np.arange(4.0))
    got = load(tmp_path / "numpy.npz")
    assert list(got) == ["b", "a", "c"]
    np.testing.assert_array_equal(got["a"].numpy(), np.arange(6.0).reshape(2, 3))
    assert got["c"].dtype == np.float32 and got["c"].tolist() == [1.0, 1.0]
    assert load(tmp_path / "compressed.npz")["x"].tolist() == [0.0, 1.0, 2.0, 3.0]

# --- PyTorch both ways --------------------------------------------------------------------------------------------

@pytest.fixture
def torch():
    return pytest.importorskip("torch")

def test_pytorch_reads_our_state_dicts_with_weights_only(torch, tmp_path):
    state = mixed()
    save(state, tmp_path / "ours.pt")
    got = torch.load(tmp_path / "ours.pt", weights_only=True)
    assert list(got) == list(state)
    for name, value in state.items():
        expected = np.require(value.numpy(), requirements="C")
        assert got[name].numpy().dtype == expected.dtype and tuple(got[name].shape) == expected.shape, name
        assert got[name].stride() == tuple(s // expected.itemsize for s in expected.strides) or expected.size <= 1
        assert got[name].numpy().tobytes() == expected.tobytes(), name
    mapped = torch.load(tmp_path / "ours.pt", weights_only=True, mmap=True)   # storages are aligned
    assert torch.equal(mapped["weight"], got["weight"])

def test_pytorch_reads_our_nested_objects_and_a_model_loads_into_pytorch(torch, tmp_path):
    source = trained_net()
    obj = {"model": source.state_dict(), "epoch": 3, "losses": [0.5, 0.25], "note": None, "shape": (2, 3),
           "parameter": source[0].weight}
    save(obj, tmp_path / "ours.pt")
    got = torch.load(tmp_path / "ours.pt", weights_only=True)
    assert (got["epoch"], got["losses"], got["note"], got["shape"]) == (3, [0.5, 0.25], None, (2, 3))
    assert isinstance(got["parameter"], torch.nn.Parameter) and got["parameter"].requires_grad
    module = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.ReLU(),
                                 torch.nn.Flatten(), torch.nn.Linear(8, 3)).eval()
    module.load_state_dict(got["model"])
    x = np.random.default_rng(9).standard_normal((2, 1, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(module(torch.from_numpy(x)).detach().numpy(), source.eval()(tp.tensor(x)).numpy(),
                               rtol=1e-5, atol=1e-6)

TORCH_DTYPES = ["float32", "float64", "int64", "int32", "uint8", "bool"]

@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_we_read_what_pytorch_saves(torch, legacy):
    numbers = np.arange(-3, 9)
    state = collections.OrderedDict(
        (name, torch.from_numpy(numbers % 2 == 0 if name == "bool" else (numbers % 256).astype(name)
                                if name == "uint8" else numbers.astype(name)).reshape(3, 4))
        for name in TORCH_DTYPES)
    state["scalar"] = torch.tensor(2.5, dtype=torch.float64)
    state["transposed"] = state["float32"].t()
    state["column"] = state["float32"][:, 1]
    state["expanded"] = torch.tensor([1.0, 2.0]).expand(3, 2)
    state["empty"] = torch.zeros(0, 4)
    state._metadata = {"": {"version": 1}}
    buffer = io.BytesIO()
    torch.save(state, buffer, _use_new_zipfile_serialization=not legacy)
    got = loaded(buffer.getvalue())
    assert type(got) is collections.OrderedDict and got._metadata == {"": {"version": 1}}
    assert list(got) == list(state)
    for name, value in state.items():
        assert got[name].dtype == value.numpy().dtype and got[name].shape == tuple(value.shape), name
        np.testing.assert_array_equal(got[name].numpy(), value.numpy(), err_msg=name)
    got["float32"].numpy()[0, 1] = 100.0
    assert got["transposed"].numpy()[1, 0] == 100.0 and got["column"].numpy()[0] == 100.0

def test_a_torchvision_style_checkpoint_loads_into_our_model(torch, tmp_path):
    module = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.ReLU(),
                                 torch.nn.Flatten(), torch.nn.Linear(8, 3))
    module(torch.randn(4, 1, 4, 4))
    torch.save(module.state_dict(), tmp_path / "pretrained.pth")
    model = small_net()
    model.load_state_dict(load(tmp_path / "pretrained.pth", map_location="cpu"))
    x = np.random.default_rng(9).standard_normal((2, 1, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(model.eval()(tp.tensor(x)).numpy(),
                               module.eval()(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)

def test_pytorch_parameters_and_optimizer_state_load(torch):
    linear = torch.nn.Linear(2, 2)
    adam = torch.optim.Adam(linear.parameters(), lr=0.1)
    linear(torch.ones(1, 2)).sum().backward()
    adam.step()
    buffer = io.BytesIO()
    torch.save({"weight": linear.weight, "optimizer": adam.state_dict()}, buffer)
    got = loaded(buffer.getvalue())
    assert type(got["weight"]) is nn.Parameter and got["weight"].requires_grad
    np.testing.assert_array_equal(got["weight"].numpy(), linear.weight.detach().numpy())
    state = got["optimizer"]["state"][0]
    assert state["step"].item() == 1.0 and state["exp_avg"].shape == (2, 2)
    assert got["optimizer"]["param_groups"][0]["lr"] == 0.1 and got["optimizer"]["param_groups"][0]["params"] == [0, 1]

def test_pytorch_refuses_our_malicious_file_too(torch, tmp_path):
    marker = tmp_path / "ran"
    save({"evil": Payload(marker)}, tmp_path / "evil.pt")
    with pytest.raises(pickle.UnpicklingError):
        torch.load(tmp_path / "evil.pt", weights_only=True)
    assert not marker.exists()

def test_unsupported_pytorch_dtypes_are_named(torch):
    buffer = io.BytesIO()
    torch.save({"half": torch.ones(2, dtype=torch.float16)}, buffer)
    with pytest.raises(CheckpointError, match="torch.HalfStorage: float16 tensors are not supported"):
        loaded(buffer.getvalue())

# --- safetensors ------------------------------------------------------------------------------------------------

def test_safetensors_round_trip_with_metadata(tmp_path):
    state = mixed()
    save_file(state, tmp_path / "model.safetensors", metadata={"format": "pt"})
    got = load_file(tmp_path / "model.safetensors")
    assert sorted(got) == sorted(state)
    assert_same_tensors({name: got[name] for name in state}, state)
    raw = (tmp_path / "model.safetensors").read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    assert (8 + length) % 8 == 0 and b'"__metadata__":{"format":"pt"}' in raw[8:8 + length]

def test_safetensors_files_go_both_ways_with_the_safetensors_package(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    arrays = {name: np.ascontiguousarray(t.numpy()) for name, t in mixed().items()}
    st.save_file(arrays, str(tmp_path / "theirs.safetensors"), metadata={"a": "b"})
    got = load_file(tmp_path / "theirs.safetensors")
    assert_same_tensors({name: got[name] for name in arrays}, {k: tp.from_numpy(v) for k, v in arrays.items()})
    save_file(mixed(), tmp_path / "ours.safetensors")
    theirs = st.load_file(str(tmp_path / "ours.safetensors"))
    for name, array in arrays.items():
        assert theirs[name].dtype == array.dtype and theirs[name].tobytes() == array.tobytes(), name

def safetensors_bytes(header, data=b""):
    text = header.encode() if isinstance(header, str) else header
    return struct.pack("<Q", len(text)) + text + data

BAD_SAFETENSORS = [
    ("short", lambda: b"\x01\x00", "not a safetensors file: 2 bytes"),
    ("huge header", lambda: struct.pack("<Q", 2 ** 40), "not a safetensors file (a header of"),
    ("not JSON", lambda: safetensors_bytes("{nope"), "its header is not JSON"),
    ("truncated data", lambda: safetensors_bytes('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', bytes(4)),
     "truncated or damaged: the header describes 8 bytes of data, the file holds 4"),
    ("gap", lambda: safetensors_bytes('{"w":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}', bytes(3)),
     "'w' starts at byte 1 of the data, expected 0"),
    ("wrong size", lambda: safetensors_bytes('{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', bytes(8)),
     "'w' of shape (3,) and dtype F32 needs 12 bytes"),
    ("float16", lambda: safetensors_bytes('{"w":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}', bytes(2)),
     "'w' has dtype F16, which tinygrad_pool does not support"),
    ("bad shape", lambda: safetensors_bytes('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', bytes(4)),
     "expected lists of non-negative ints"),
    ("bad metadata", lambda: safetensors_bytes('{"__metadata__":{"a":1}}'), "__metadata__ must map str to str"),
]

@pytest.mark.parametrize("what, make, message", BAD_SAFETENSORS, ids=[row[0] for row in BAD_SAFETENSORS])
def test_a_bad_safetensors_file_raises_checkpoint_error_naming_it(tmp_path, what, make, message):
    path = tmp_path / "model.safetensors"
    path.write_bytes(make())
    with pytest.raises(CheckpointError, match=re.escape(f"{path}: ") + ".*" + re.escape(message)):
        load_file(path)

@pytest.mark.parametrize("call, error, message", [
    (lambda p: save_file([tp.ones(1)], p), TypeError, "tensors must be a dict {name: Tensor}, got list"),
    (lambda p: save_file({"w": np.ones(1)}, p), TypeError, "'w' is a ndarray, expected a Tensor"),
    (lambda p: save_file({1: tp.ones(1)}, p), TypeError, "tensor names must be str, got 1 (int)"),
    (lambda p: save_file({"w": tp.ones(1)}, p, metadata={"a": 1}), TypeError, "metadata must be None or a dict of "
                                                                              "str to str"),
    (lambda p: save_file({"__metadata__": tp.ones(1)}, p), ValueError, "the format's own entry"),
    (lambda p: save_file({"w": tp.ones(1)}, io.BytesIO()), TypeError, "filename must be a path"),
])
def test_save_file_rejects_bad_arguments_and_writes_nothing(tmp_path, call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call(tmp_path / "model.safetensors")
    assert os.listdir(tmp_path) == []

# --- atomic saves --------------------------------------------------------------------------------------------------

class FailingWriter(io.BufferedWriter):
    """A temporary file whose writes raise `error` once `budget` bytes are written: a full disk, a Ctrl-C."""
    def write(self, data):
        data = memoryview(data).cast("B")
        if len(data) > self.budget:
            super().write(data[:self.budget])
            self.budget = 0
            raise self.error
        self.budget -= len(data)
        return super().write(data)

def failing_writes(error):
    def fail(monkeypatch):
        def create(folder, name):
            file = FailingWriter(io.FileIO(os.path.join(folder, f".{name}.tmp-0123abcd"), "xb"))
            file.budget, file.error = 500, error
            return file
        monkeypatch.setattr(files, "_create_temporary", create)
    return fail

def failing_fsync(monkeypatch):
    def fsync(fd):
        raise OSError(errno.EIO, "Input/output error")
    monkeypatch.setattr(os, "fsync", fsync)

def failing_replace(monkeypatch):
    def replace(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied", dst)
    monkeypatch.setattr(os, "replace", replace)

@pytest.mark.parametrize("fail, error", [
    (failing_writes(OSError(errno.ENOSPC, "No space left on device")), OSError), (failing_fsync, OSError),
    (failing_replace, PermissionError), (failing_writes(KeyboardInterrupt()), KeyboardInterrupt)],
    ids=["disk full", "fsync", "replace", "Ctrl-C"])
@pytest.mark.parametrize("write", [lambda path: save({"a": tp.zeros(1000), "b": tp.zeros(1000)}, path),
                                   lambda path: save_file({"a": tp.zeros(1000)}, path)], ids=["save", "save_file"])
def test_a_failing_save_leaves_no_temporary_file_and_the_old_checkpoint_intact(tmp_path, monkeypatch, fail, error,
                                                                              write):
    path = tmp_path / "model.pt"
    save({"old": tp.ones(3)}, path)
    old = path.read_bytes()
    fail(monkeypatch)
    with pytest.raises(error):
        write(path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["model.pt"] and path.read_bytes() == old
    assert list(load(path)) == ["old"]

def test_save_writes_a_recognisable_temporary_file_fsyncs_it_renames_it_then_fsyncs_the_folder(tmp_path, monkeypatch):
    path, events = tmp_path / "model.pt", []
    real_fsync, real_replace, real_write = os.fsync, os.replace, torch_files._write_record
    def fsync(fd):
        events.append(("fsync", "folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"))
        real_fsync(fd)
    def replace(src, dst):
        events.append(("replace", os.path.basename(src), os.path.basename(dst)))
        real_replace(src, dst)
    def write_record(archive, file, start, name, data):
        if name.endswith("data.pkl"):
            events.append(("writing beside", sorted(os.listdir(tmp_path))))
        real_write(archive, file, start, name, data)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(torch_files, "_write_record", write_record)
    save({"w": tp.ones(2)}, path)
    (_, [temporary]), fsync_file, (_, source, target), fsync_folder = events
    assert re.fullmatch(r"\.model\.pt\.tmp-[0-9a-f]{8}", temporary) and source == temporary
    assert target == "model.pt" and fsync_file == ("fsync", "file") and fsync_folder == ("fsync", "folder")
    assert os.listdir(tmp_path) == ["model.pt"]

def test_save_follows_a_symlink_and_gives_the_file_the_usual_permissions(tmp_path):
    (tmp_path / "runs").mkdir()
    (tmp_path / "latest.pt").symlink_to(tmp_path / "runs" / "model.pt")
    old_umask = os.umask(0o022)
    try:
        save({"w": tp.ones(2)}, tmp_path / "latest.pt")
    finally:
        os.umask(old_umask)
    assert (tmp_path / "latest.pt").is_symlink()
    assert stat.S_IMODE((tmp_path / "runs" / "model.pt").stat().st_mode) == 0o644
    assert load(tmp_path / "latest.pt")["w"].tolist() == [1.0, 1.0]

# --- load_state_dict: all or nothing, casts ---------------------------------------------------------------------

def with_entry(name, value, drop=None):
    state = {k: v.numpy().copy() for k, v in trained_net().state_dict().items() if k != drop}
    if name is not None:
        state[name] = value
    return state

def bias(value):
    return lambda: with_entry("4.bias", value)   # the last entry: the 8 before it must not be assigned either

def counter(value):
    return lambda: with_entry("1.num_batches_tracked", value)

BAD_STATES = [   # (what, state dict, error type, phrase)
    ("shape", bias(np.zeros(4, np.float32)), ValueError, "4.bias has shape (4,) in the state dict, but (3,)"),
    ("strings", bias(np.array(["a", "b", "c"])), ValueError, "4.bias holds <U1 values, expected bool, int"),
    ("objects", bias(np.array([1, None, 2], dtype=object)), ValueError, "4.bias holds object values"),
    ("complex", bias(np.array([1 + 2j, 0, 0])), ValueError, "4.bias holds complex128 values"),
    ("float32 overflow", bias(np.array([0.0, 1e39, 0.0])), ValueError,
     "4.bias at (1,) is 1e+39, which the module's float32 cannot hold (it would become inf)"),
    ("fraction into int64", counter(np.float64(2.5)), ValueError,
     "1.num_batches_tracked is 2.5, which the module's int64 cannot hold (it would become 2)"),
    ("NaN into int64", counter(np.array(np.nan)), ValueError, "1.num_batches_tracked is nan"),
    ("uint64 overflow", counter(np.array(2 ** 64 - 1, np.uint64)), ValueError, "(it would become -1)"),
    ("a list", bias([0.0, 0.0, 0.0]), TypeError, "4.bias is a list, expected a Tensor or numpy array"),
    ("missing key", lambda: with_entry(None, None, drop="4.bias"), KeyError,
     "missing keys ['4.bias'], unexpected keys []"),
    ("unexpected key", lambda: with_entry("extra", np.ones(1)), KeyError, "missing keys [], unexpected keys ['extra']"),
]

@pytest.mark.parametrize("what, make_state, error, message", BAD_STATES, ids=[row[0] for row in BAD_STATES])
def test_a_failing_load_state_dict_leaves_every_parameter_and_buffer_bitwise_unchanged(what, make_state, error,
                                                                                      message):
    model = small_net()
    before = snapshot(model)
    with pytest.raises(error, match=re.escape(message)):
        model.load_state_dict(make_state())
    after = snapshot(model)
    assert after.keys() == before.keys()
    for name in before:
        assert after[name][:3] == before[name][:3] and after[name][3] is before[name][3], name

def test_every_bad_entry_is_named_in_one_error():
    state = with_entry("0.bias", np.zeros(5, np.float32))
    state["4.weight"] = np.zeros((3, 8), np.complex64)
    with pytest.raises(ValueError, match=r"0.bias has shape \(5,\).*; 4.weight holds complex64"):
        small_net().load_state_dict(state)

@pytest.mark.parametrize("state, message", [
    ([], "state_dict must be a mapping {name: Tensor or numpy array}, got list"),
    (None, "got NoneType"),
    ("0.weight", "got str"),
    ({0: np.ones(1)}, "keys must be str names such as 'fc1.weight', got 0 (int)"),
])
def test_load_state_dict_rejects_what_is_not_a_state_dict(state, message):
    with pytest.raises(TypeError, match=re.escape(message)):
        small_net().load_state_dict(state)

def test_strict_false_loads_the_matching_entries_and_an_npz_file_is_a_mapping(tmp_path):
    source, model = trained_net(), small_net()
    np.savez(tmp_path / "model.npz", **{name: t.numpy() for name, t in source.state_dict().items()})
    with np.load(tmp_path / "model.npz") as arrays:
        model.load_state_dict(arrays)
    assert snapshot(model)["1.running_mean"][2] == snapshot(source)["1.running_mean"][2]
    missing, unexpected = small_net().load_state_dict({"4.bias": np.ones(3, np.float32), "extra": 1}, strict=False)
    assert "0.weight" in missing and "4.bias" not in missing and unexpected == ["extra"]

CASTS = [   # (entry, value, what PyTorch's load_state_dict stores)
    ("4.bias", np.array([0.1, 1e-50, -2.5]), np.array([0.1, 1e-50, -2.5]).astype(np.float32)),
    ("4.bias", np.array([1, -2, 2 ** 40]), np.array([1, -2, 2 ** 40], np.float32)),
    ("4.bias", np.array([True, False, True]), np.array([1, 0, 1], np.float32)),
    ("4.bias", np.array([np.nan, np.inf, -np.inf]), np.array([np.nan, np.inf, -np.inf], np.float32)),
    ("1.num_batches_tracked", np.float64(7.0), np.int64(7)),
    ("1.num_batches_tracked", np.True_, np.int64(1)),
    ("1.num_batches_tracked", np.array(5, np.uint8), np.int64(5)),
]

@pytest.mark.parametrize("name, value, expected", CASTS)
def test_load_state_dict_casts_into_the_module_dtype_as_pytorch(name, value, expected):
    model = small_net()
    model.load_state_dict(with_entry(name, value))
    loaded = model.state_dict()[name]
    assert loaded.dtype == expected.dtype and loaded.shape == np.shape(expected)
    np.testing.assert_array_equal(loaded.numpy(), expected)

@pytest.mark.parametrize("name, value, expected", CASTS)
def test_the_casts_match_pytorch(name, value, expected):
    torch = pytest.importorskip("torch")
    module = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.ReLU(),
                                 torch.nn.Flatten(), torch.nn.Linear(8, 3))
    state = {k: torch.from_numpy(np.asarray(v)) for k, v in with_entry(name, value).items()}
    module.load_state_dict(state)
    np.testing.assert_array_equal(module.state_dict()[name].numpy(), expected)

def test_loaded_values_are_copies_and_stay_writable():
    model, state = small_net(), with_entry(None, None)
    weight = state["0.weight"]
    weight.setflags(write=False)
    model.load_state_dict(state)
    assert not np.shares_memory(model[0].weight.numpy(), weight)
    model[0].weight.grad = tp.ones_like(model[0].weight)
    optim.SGD(model.parameters(), lr=0.5).step()
    np.testing.assert_array_equal(model[0].weight.numpy(), weight - 0.5)

# --- Parameters own writable storage ---------------------------------------------------------------------------

def read_only(array):
    array = np.array(array, np.float32)
    array.setflags(write=False)
    return array

@pytest.mark.parametrize("make", [
    lambda: tp.from_numpy(read_only([1, 2, 3])),
    lambda: read_only([1, 2, 3]),
    lambda: tp.from_numpy(np.frombuffer(np.array([1, 2, 3], np.float32).tobytes(), np.float32)),
    lambda: tp.from_numpy(np.broadcast_to(np.float32(1), (3,))),
], ids=["from_numpy of a read-only array", "a read-only array", "np.frombuffer", "np.broadcast_to"])
def test_a_parameter_of_read_only_memory_gets_its_own_copy_and_an_optimizer_can_step(make):
    data = make()
    source = data.numpy() if isinstance(data, tp.Tensor) else data
    values = source.copy()
    p = nn.Parameter(data)
    p.grad = tp.ones(3)
    optim.SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.numpy(), values - 0.1, rtol=1e-6)
    np.testing.assert_array_equal(source, values)

def test_a_parameter_shares_writable_contiguous_memory_as_in_pytorch_and_copies_a_strided_view():
    array = np.ones(3, np.float32)
    p = nn.Parameter(tp.from_numpy(array))
    p.grad = tp.ones(3)
    optim.SGD([p], lr=0.5).step()
    assert array.tolist() == [0.5, 0.5, 0.5]
    strided = nn.Parameter(tp.from_numpy(np.arange(6, dtype=np.float32).reshape(2, 3).T))
    assert strided.numpy().flags.c_contiguous and strided.numpy().flags.writeable and strided.shape == (3, 2)
    assert nn.Parameter(tp.tensor(1.5)).shape == () and nn.Parameter(np.array(2.0)).shape == ()
