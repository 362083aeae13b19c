"""Checkpoints: save/load round trips, every kind of bad file, atomic saves that leave nothing behind, and
Module.load_state_dict's all-or-nothing checks and casts (against PyTorch where installed); Parameters own
writable storage."""
import errno
import io
import os
import pickle
import re
import stat
import zipfile

import numpy as np
import pytest

import tinygrad_pool as tp
from tinygrad_pool import nn, optim
from tinygrad_pool.serialization import CheckpointError, load, save

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
    return {name: (t.dtype, t.shape, t.numpy().tobytes(), t.data) for name, t in model.state_dict().items()}

MIXED = {
    "weight": tp.tensor(np.arange(6, dtype=np.float32).reshape(2, 3)),
    "double": np.array([1 / 3, -0.0, np.inf, np.nan]),
    "count": tp.tensor(np.int64(2) ** 62),
    "mask": np.array([[True, False]]),
    "empty": np.zeros((0, 3), np.float32),
    "file": np.ones(1),                        # names np.savez's keywords could not take
    "allow_pickle": np.zeros(2, np.int64),
    "layer/ünïcode name": np.float32(7) * np.ones((1, 1, 1), np.float32),
}

# --- round trips -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["str", "pathlib", "file object", "BytesIO"])
def test_a_state_dict_round_trips_in_order_with_dtypes_shapes_and_values(tmp_path, target):
    path = tmp_path / "state.npz"
    if target == "BytesIO":
        buffer = io.BytesIO()
        save(MIXED, buffer)
        buffer.seek(0)
        loaded = load(buffer)
    elif target == "file object":
        with open(path, "wb") as f:
            save(MIXED, f)
        with open(path, "rb") as f:
            loaded = load(f)
    else:
        save(MIXED, str(path) if target == "str" else path)
        loaded = load(str(path) if target == "str" else path)
    assert list(loaded) == list(MIXED)
    for name, value in MIXED.items():
        expected = value.numpy() if isinstance(value, tp.Tensor) else value
        got = loaded[name]
        assert isinstance(got, tp.Tensor) and got.device == "cpu"
        assert got.dtype == expected.dtype and got.shape == expected.shape
        assert got.numpy().tobytes() == expected.tobytes()
        assert got.numpy().flags.writeable and got.numpy().flags.c_contiguous

def test_a_trained_model_with_batchnorm_buffers_round_trips_bitwise(tmp_path):
    source, target = trained_net(), small_net()
    assert int(source[1].num_batches_tracked.item()) == 3
    save(source.state_dict(), tmp_path / "model.npz")
    target.load_state_dict(load(tmp_path / "model.npz"))
    for (name, (dtype, shape, data, _)), (_, (dtype2, shape2, data2, _)) in zip(snapshot(source).items(),
                                                                                snapshot(target).items()):
        assert (dtype, shape, data) == (dtype2, shape2, data2), name
    assert target[1].num_batches_tracked.shape == () and target[1].num_batches_tracked.dtype == np.int64
    x = tp.tensor(np.random.default_rng(9).standard_normal((2, 1, 4, 4)).astype(np.float32))
    source.eval(), target.eval()
    np.testing.assert_array_equal(source(x).numpy(), target(x).numpy())

def test_files_are_plain_npz_that_numpy_reads_and_writes(tmp_path):
    save(MIXED, tmp_path / "ours.npz")
    with np.load(tmp_path / "ours.npz", allow_pickle=False) as arrays:
        assert arrays.files == list(MIXED)
        np.testing.assert_array_equal(arrays["mask"], MIXED["mask"])
    np.savez(tmp_path / "numpy.npz", b=np.arange(3), a=np.asfortranarray(np.arange(6.0).reshape(2, 3)),
             c=np.ones(2, ">f4"))
    np.savez_compressed(tmp_path / "compressed.npz", x=np.arange(4.0))
    loaded = load(tmp_path / "numpy.npz")
    assert list(loaded) == ["b", "a", "c"]
    np.testing.assert_array_equal(loaded["a"].numpy(), np.arange(6.0).reshape(2, 3))
    assert loaded["c"].dtype == np.float32 and loaded["c"].tolist() == [1.0, 1.0]
    assert load(tmp_path / "compressed.npz")["x"].tolist() == [0.0, 1.0, 2.0, 3.0]
    save({}, tmp_path / "empty.npz")
    assert load(tmp_path / "empty.npz") == {}

# --- bad files ---------------------------------------------------------------------------------------------------

def good_bytes():
    buffer = io.BytesIO()
    save({"w": np.arange(100, dtype=np.float64), "n": np.int64(3) * np.ones((), np.int64)}, buffer)
    return buffer.getvalue()

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

def flip_a_data_byte(raw):
    damaged = bytearray(raw)
    damaged[raw.index(b"\x93NUMPY") + 200] ^= 1
    return bytes(damaged)

def short_entry():
    """A .npy header for 10 float64 values followed by only one."""
    header = npy_bytes(np.zeros(10))[:-80]
    return zip_of([("w.npy", header + bytes(8))])

NOT_OURS = "not a tinygrad_pool checkpoint (.npz): "

BAD_FILES = [   # (what the file is, its bytes, the message after "<file>: ")
    ("empty", lambda: b"", NOT_OURS + "the file is empty"),
    ("garbage", lambda: b"certainly not a checkpoint\n" * 4, NOT_OURS + "it is not a zip archive"),
    ("cut in half", lambda: good_bytes()[:len(good_bytes()) // 2], "truncated: the zip archive has no end record"),
    ("last byte missing", lambda: good_bytes()[:-1], "truncated: the zip archive has no end record"),
    (".npy", lambda: npy_bytes(np.ones(3)), NOT_OURS + "it holds a single NumPy array (.npy)"),
    ("pickle", lambda: pickle.dumps({"w": np.ones(3)}), NOT_OURS + "it is a Python pickle, which is never loaded"),
    ("torch.save", lambda: zip_of([("model/data.pkl", b"\x80\x02}q\x00."), ("model/version", b"3")]),
     NOT_OURS + "entry 'model/data.pkl' is not a NumPy array (.npy) (a PyTorch file"),
    ("other zip", lambda: zip_of([("notes.txt", b"hello")]), NOT_OURS + "entry 'notes.txt' is not a NumPy array"),
    ("object array", lambda: npz_bytes(w=np.array([1, None], dtype=object)), "entry 'w': an object array"),
    ("int16 entry", lambda: npz_bytes(w=np.ones(2, np.int16)), "entry 'w': dtype int16 is not float32"),
    ("flipped byte", lambda: flip_a_data_byte(good_bytes()), "entry 'w': damaged (Bad CRC-32"),
    ("bad .npy header", lambda: zip_of([("w.npy", b"no npy magic here")]), "entry 'w': damaged"),
    ("short entry", short_entry, "entry 'w': truncated or damaged: shape (10,) needs 80 bytes, the entry holds 8"),
    ("duplicate entry", lambda: zip_of([("w.npy", npy_bytes(np.ones(1))), ("w.npy", npy_bytes(np.ones(1)))]),
     "damaged: entry 'w' appears twice"),
]

@pytest.mark.filterwarnings("ignore:Duplicate name")
@pytest.mark.parametrize("what, make, message", BAD_FILES, ids=[row[0] for row in BAD_FILES])
@pytest.mark.parametrize("opened", [False, True], ids=["path", "file object"])
def test_a_bad_file_raises_one_error_type_naming_the_file_and_the_problem(tmp_path, what, make, message, opened):
    path = tmp_path / "model.npz"
    path.write_bytes(make())
    with pytest.raises(CheckpointError, match=re.escape(f"{path}: {message}")):
        if opened:
            with open(path, "rb") as f:
                load(f)
        else:
            load(path)
    assert issubclass(CheckpointError, ValueError)

def test_an_unnamed_file_object_is_named_by_its_type():
    with pytest.raises(CheckpointError, match=re.escape("<BytesIO>: not a tinygrad_pool checkpoint")):
        load(io.BytesIO(b"junk"))

def test_a_missing_file_or_a_folder_raise_os_errors_naming_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "nope.npz"))):
        load(tmp_path / "nope.npz")
    with pytest.raises(IsADirectoryError, match=re.escape(str(tmp_path))):
        load(tmp_path)
    with pytest.raises(IsADirectoryError, match="cannot save onto a folder: .*" + re.escape(tmp_path.name)):
        save({}, tmp_path)
    with pytest.raises(FileNotFoundError, match="folder that does not exist: .*no-such-folder"):
        save({}, tmp_path / "no-such-folder" / "model.npz")

@pytest.mark.parametrize("obj, message", [
    (small_net(), "obj must be a state dict {name: Tensor or numpy array}, got Sequential; save its state_dict()"),
    ([np.ones(1)], "got list (arbitrary Python objects are not supported"),
    (None, "got NoneType"),
    ({1: np.ones(1)}, "keys must be str, got 1 (int)"),
    ({"w": [1.0, 2.0]}, "entry 'w' is a list; a state dict holds Tensors or numpy arrays"),
    ({"w": 1.5}, "entry 'w' is a float"),
    ({"w": np.array(["a"])}, "entry 'w' has dtype <U1"),
    ({"w": np.array([None])}, "entry 'w' has dtype object"),
    ({"w": np.ones(1, np.int16)}, "entry 'w' has dtype int16; a checkpoint holds float32, float64, int64, int32, "
                                   "uint8 or bool"),
])
def test_save_rejects_what_is_not_a_state_dict_and_writes_nothing(tmp_path, obj, message):
    with pytest.raises(TypeError, match=re.escape(message)):
        save(obj, tmp_path / "model.npz")
    assert os.listdir(tmp_path) == []

def test_f_must_be_a_path_or_a_binary_file(tmp_path):
    with pytest.raises(TypeError, match="f must be a path .* or a binary file object, got int"):
        save({}, 3)
    with pytest.raises(TypeError, match="got NoneType"):
        load(None)
    with open(tmp_path / "text", "w") as f:
        with pytest.raises(TypeError, match=r"is a text file; open it in binary mode \('wb'\)"):
            save({}, f)

# --- atomic saves --------------------------------------------------------------------------------------------------

def full_disk_after_the_first_entry(monkeypatch):
    """write_array writes the first entry, then part of the second before the disk is full."""
    real, calls = np.lib.format.write_array, []
    def write_array(fp, array, **kwargs):
        calls.append(array)
        if len(calls) == 1:
            return real(fp, array, **kwargs)
        fp.write(b"\x00" * 100)
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(np.lib.format, "write_array", write_array)

def failing_fsync(monkeypatch):
    def fsync(fd):
        raise OSError(errno.EIO, "Input/output error")
    monkeypatch.setattr(os, "fsync", fsync)

def failing_replace(monkeypatch):
    def replace(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied", dst)
    monkeypatch.setattr(os, "replace", replace)

def interrupted(monkeypatch):
    def write_array(fp, array, **kwargs):
        fp.write(b"\x00" * 100)
        raise KeyboardInterrupt
    monkeypatch.setattr(np.lib.format, "write_array", write_array)

@pytest.mark.parametrize("fail, error", [
    (full_disk_after_the_first_entry, OSError), (failing_fsync, OSError), (failing_replace, PermissionError),
    (interrupted, KeyboardInterrupt)], ids=["disk full", "fsync", "replace", "Ctrl-C"])
def test_a_failing_save_leaves_no_temporary_file_and_the_old_checkpoint_intact(tmp_path, monkeypatch, fail, error):
    path = tmp_path / "model.npz"
    save({"old": np.ones(3)}, path)
    old = path.read_bytes()
    fail(monkeypatch)
    with pytest.raises(error):
        save({"a": np.zeros(1000), "b": np.zeros(1000)}, path)
    assert os.listdir(tmp_path) == ["model.npz"] and path.read_bytes() == old
    monkeypatch.undo()
    assert list(load(path)) == ["old"]

def test_save_writes_a_recognisable_temporary_file_fsyncs_it_renames_it_then_fsyncs_the_folder(tmp_path, monkeypatch):
    path, events = tmp_path / "model.npz", []
    real_fsync, real_replace, real_write = os.fsync, os.replace, np.lib.format.write_array
    def fsync(fd):
        events.append(("fsync", "folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"))
        real_fsync(fd)
    def replace(src, dst):
        events.append(("replace", os.path.basename(src), os.path.basename(dst)))
        real_replace(src, dst)
    def write_array(fp, array, **kwargs):
        events.append(("writing beside", sorted(os.listdir(tmp_path))))
        real_write(fp, array, **kwargs)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(np.lib.format, "write_array", write_array)
    save({"w": np.ones(2)}, path)
    (_, [temporary]), fsync_file, (_, source, target), fsync_folder = events
    assert re.fullmatch(r"\.model\.npz\.tmp-[0-9a-f]{8}", temporary) and source == temporary
    assert target == "model.npz" and fsync_file == ("fsync", "file") and fsync_folder == ("fsync", "folder")
    assert os.listdir(tmp_path) == ["model.npz"]

def test_save_follows_a_symlink_and_gives_the_file_the_usual_permissions(tmp_path):
    (tmp_path / "runs").mkdir()
    (tmp_path / "latest.npz").symlink_to(tmp_path / "runs" / "model.npz")
    old_umask = os.umask(0o022)
    try:
        save({"w": np.ones(2)}, tmp_path / "latest.npz")
    finally:
        os.umask(old_umask)
    assert (tmp_path / "latest.npz").is_symlink()
    assert stat.S_IMODE((tmp_path / "runs" / "model.npz").stat().st_mode) == 0o644
    assert load(tmp_path / "latest.npz")["w"].tolist() == [1.0, 1.0]

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
    save(source.state_dict(), tmp_path / "model.npz")
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
