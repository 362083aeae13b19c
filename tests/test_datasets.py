"""The MNIST reader: the vendored files, the search order, raw and gzip files, every kind of bad file, the
download path (with a fake network), and the DataLoader."""
import functools
import gzip
import http.client
import io
import os
import re
import urllib.error
import zlib

import numpy as np
import pytest

import tinygrad_pool as tp
from tinygrad_pool import datasets
from tinygrad_pool.datasets import DatasetError, FILES, mnist

VENDORED = datasets.REPOSITORY_DATA

@pytest.fixture(scope="module")
def data():
    return mnist()

@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """No environment folder, no repository folder, an empty cache under tmp_path, and no network."""
    monkeypatch.delenv("TINYGRAD_POOL_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(datasets, "REPOSITORY_DATA", tmp_path / "no-such-folder")

    def offline(url, timeout):
        raise urllib.error.URLError("network is unreachable")
    monkeypatch.setattr(datasets.urllib.request, "urlopen", offline)
    return tmp_path

@functools.lru_cache(maxsize=None)
def raw_bytes(key):
    name = FILES[key][0]
    with gzip.open(VENDORED / (name + ".gz")) as f:
        return f.read()

def packed(raw):
    """A gzip stream of `raw` at the fastest level: the tests need a valid stream, not a small one."""
    return gzip.compress(raw, compresslevel=1)

def write_all_raw(folder, replace=None):
    folder.mkdir(parents=True, exist_ok=True)
    for key, (name, _, _) in FILES.items():
        (folder / name).write_bytes((replace or {}).get(key, raw_bytes(key)))

def test_the_vendored_files_load_with_the_right_shapes_and_labels(data):
    assert data.train_images.shape == (60000, 28, 28) and data.train_images.dtype == np.uint8
    assert data.test_images.shape == (10000, 28, 28)
    assert data.train_labels.dtype == np.int64 and data.test_labels.shape == (10000,)
    assert data.train_labels[:8].tolist() == [5, 0, 4, 1, 9, 2, 1, 3]
    assert np.bincount(data.test_labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]

def test_raw_files_in_root_are_read_first(isolated, data):
    write_all_raw(isolated / "mine")
    loaded = mnist(isolated / "mine")
    np.testing.assert_array_equal(loaded.test_images, data.test_images)

def test_the_environment_folder_is_searched_after_root(isolated, monkeypatch, data):
    write_all_raw(isolated / "env")
    monkeypatch.setenv("TINYGRAD_POOL_DATA", str(isolated / "env"))
    assert datasets.search_path(isolated / "mine")[:2] == [isolated / "mine", isolated / "env"]
    np.testing.assert_array_equal(mnist().train_labels, data.train_labels)

@pytest.mark.parametrize("damage, message", [
    (lambda raw: raw[:-100], "truncated or corrupt"),
    (lambda raw: b"\x00\x00\x08\x05" + raw[4:], "magic number 2053 is not 2051"),
    (lambda raw: raw[:-1] + bytes([raw[-1] ^ 1]), "MD5 of the uncompressed bytes"),
])
def test_a_damaged_file_raises_an_error_naming_it_and_is_left_alone(isolated, damage, message):
    bad = damage(raw_bytes("test_images"))
    write_all_raw(isolated / "mine", {"test_images": bad})
    with pytest.raises(DatasetError, match=message) as error:
        mnist(isolated / "mine")
    assert "t10k-images-idx3-ubyte" in str(error.value)
    assert (isolated / "mine" / "t10k-images-idx3-ubyte").read_bytes() == bad

def damaged_in_the_middle(raw):
    """Good gzip data for the first half, then a deflate block of the reserved type 3: zlib stops mid-stream."""
    gzip_stream = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    good = gzip_stream.compress(raw[:len(raw) // 2]) + gzip_stream.flush(zlib.Z_FULL_FLUSH)
    return good + b"\x07" + bytes(64)

def wrong_checksum(raw):
    stream = bytearray(packed(raw))
    stream[-8] ^= 1
    return bytes(stream)

@pytest.mark.parametrize("damage, message", [
    (lambda raw: b"\x1f\x8b\x08\x00garbage", "cannot read it: the gzip data is damaged or cut short"),
    (lambda raw: b"not gzip at all", "Not a gzipped file"),
    (damaged_in_the_middle, "invalid block type"),
    (lambda raw: packed(raw)[:-1000], "Compressed file ended before the end-of-stream marker"),
    (wrong_checksum, "CRC check failed"),
], ids=["bad header", "not gzip", "damaged in the middle", "cut short", "wrong CRC"])
def test_a_damaged_gzip_file_raises_a_dataset_error_naming_it_and_is_left_alone(isolated, damage, message):
    bad = damage(raw_bytes("train_labels"))
    write_all_raw(isolated / "mine")
    (isolated / "mine" / "train-labels-idx1-ubyte").unlink()
    (isolated / "mine" / "train-labels-idx1-ubyte.gz").write_bytes(bad)
    with pytest.raises(DatasetError, match=message) as error:
        mnist(isolated / "mine")
    text = str(error.value)
    assert text.startswith(str(isolated / "mine" / "train-labels-idx1-ubyte.gz") + ": cannot read it")
    assert text.endswith("delete it to download a fresh copy")
    assert (isolated / "mine" / "train-labels-idx1-ubyte.gz").read_bytes() == bad

def test_an_unreadable_file_raises_a_dataset_error_naming_it(isolated, monkeypatch):
    write_all_raw(isolated / "mine")
    def denied(path):
        raise PermissionError(13, "Permission denied", str(path))
    monkeypatch.setattr(datasets.pathlib.Path, "read_bytes", denied)
    with pytest.raises(DatasetError, match=r"train-images-idx3-ubyte: cannot read it \(\[Errno 13\] Permission "
                                           r"denied.*make it readable, or delete it"):
        mnist(isolated / "mine")

def make_folder(path):
    path.mkdir()

def make_dangling_symlink(path):
    path.symlink_to(path.parent / "gone")

def make_symlink_to_a_folder(path):
    (path.parent / "elsewhere").mkdir()
    path.symlink_to(path.parent / "elsewhere")

@pytest.mark.parametrize("make, found", [
    (make_folder, "found a folder"),
    (make_dangling_symlink, "found a symlink to .*gone, which does not exist"),
    (make_symlink_to_a_folder, "found a folder"),
    (os.mkfifo, "found something that is not a regular file"),
], ids=["folder", "dangling symlink", "symlink to a folder", "named pipe"])
@pytest.mark.parametrize("name", ["t10k-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte"])
def test_something_other_than_a_file_where_a_file_belongs_is_an_error_even_with_a_copy_further_on(
        isolated, monkeypatch, make, found, name):
    write_all_raw(isolated / "env")                 # a good copy of every file later on the search path
    monkeypatch.setenv("TINYGRAD_POOL_DATA", str(isolated / "env"))
    write_all_raw(isolated / "mine")
    (isolated / "mine" / "t10k-images-idx3-ubyte").unlink()
    make(isolated / "mine" / name)
    with pytest.raises(DatasetError, match=re.escape(f"{isolated / 'mine' / name}: expected the MNIST file {name} "
                                                     "here, ") + found + r"; remove it"):
        mnist(isolated / "mine")

def test_a_symlink_to_a_good_file_is_read(isolated, data):
    write_all_raw(isolated / "store")
    (isolated / "mine").mkdir()
    for name, _, _ in FILES.values():
        (isolated / "mine" / name).symlink_to(isolated / "store" / name)
    np.testing.assert_array_equal(mnist(isolated / "mine").test_labels, data.test_labels)

def test_a_search_path_entry_that_is_a_file_is_an_error(isolated, monkeypatch):
    (isolated / "a-file").write_bytes(b"")
    monkeypatch.setenv("TINYGRAD_POOL_DATA", str(isolated / "a-file"))
    with pytest.raises(DatasetError, match=re.escape(f"{isolated / 'a-file'}: on the MNIST search path, but not a "
                                                     "folder")):
        mnist(isolated / "empty")

def test_missing_files_without_network_say_what_to_do(isolated):
    with pytest.raises(DatasetError, match="could not be downloaded(.|\n)*root="):
        mnist(isolated / "empty")

class Response(io.BytesIO):
    """What urlopen returns: a context manager with headers and read()."""
    headers = {}
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return False

class CutOff(Response):
    """A response whose connection drops after the first chunk."""
    def read(self, size=-1):
        if self.tell() > 0:
            raise http.client.IncompleteRead(b"", 1000)
        return super().read(size)

def test_missing_files_are_downloaded_into_the_cache(isolated, monkeypatch, data):
    served = []

    def fake_urlopen(url, timeout):
        served.append(url)
        name = url.rsplit("/", 1)[1][:-3]
        key = next(k for k, (n, _, _) in FILES.items() if n == name)
        if "ossci" in url:   # the first mirror fails in three ways, the second serves the file
            failure = ["refused", "cut off", "wrong file", "refused"][list(FILES).index(key)]
            if failure == "refused":
                raise urllib.error.URLError("down")
            return CutOff(packed(raw_bytes(key))) if failure == "cut off" else Response(packed(b"?"))
        return Response(packed(raw_bytes(key)))
    monkeypatch.setattr(datasets.urllib.request, "urlopen", fake_urlopen)
    loaded = mnist(isolated / "empty")
    np.testing.assert_array_equal(loaded.train_labels, data.train_labels)
    # the cut-off and the wrong download left no temporary file behind
    assert sorted(p.name for p in datasets.cache_dir().iterdir()) == sorted(n + ".gz" for n, _, _ in FILES.values())
    assert len(served) == 8

def test_failed_downloads_are_all_reported_and_leave_nothing_in_the_cache(isolated, monkeypatch):
    monkeypatch.setattr(datasets.urllib.request, "urlopen", lambda url, timeout: CutOff(bytes(1 << 17)))
    with pytest.raises(DatasetError, match=r"could not be downloaded:\n  https://ossci.*: IncompleteRead\(.*\)\n  "
                                           r"https://storage.*: IncompleteRead"):
        mnist(isolated / "empty")
    assert list(datasets.cache_dir().iterdir()) == []

def test_data_loader_batches_shuffles_by_seed_and_drops_the_last():
    x, y = np.arange(10).reshape(10, 1).astype(np.float32), np.arange(10)
    loader = tp.DataLoader((x, y), batch_size=4)
    assert len(loader) == 3 and [b[1].tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(tp.DataLoader((x, y), batch_size=4, drop_last=True)) == 2

    def orders(seed):
        loader = tp.DataLoader((x, y), batch_size=10, shuffle=True, seed=seed)
        return [next(iter(loader))[1].tolist() for _ in range(2)]
    first, again = orders(1), orders(1)
    assert first == again and first[0] != first[1] and sorted(first[0]) == list(range(10))
    doubled = tp.DataLoader((x, y), batch_size=5, transform=lambda a, b: (a * 2, b))
    assert next(iter(doubled))[0].numpy().ravel().tolist() == [0, 2, 4, 6, 8]

def test_data_loader_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"one length, got \[3, 2\]"):
        tp.DataLoader((np.ones(3), np.ones(2)))
    with pytest.raises(ValueError, match="batch_size=0 must be at least 1"):
        tp.DataLoader(np.ones(3), batch_size=0)
