"""The MNIST reader: the vendored files, the search order, raw and gzip files, every kind of bad file, the
download path (with a fake network), and the DataLoader."""
import gzip
import io
import urllib.error

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

def raw_bytes(key):
    name = FILES[key][0]
    with gzip.open(VENDORED / (name + ".gz")) as f:
        return f.read()

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

def test_a_corrupt_gzip_file_raises_an_error_naming_it(isolated):
    write_all_raw(isolated / "mine")
    (isolated / "mine" / "train-labels-idx1-ubyte").unlink()
    (isolated / "mine" / "train-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(DatasetError, match="train-labels-idx1-ubyte.gz: cannot read it"):
        mnist(isolated / "mine")

def test_missing_files_without_network_say_what_to_do(isolated):
    with pytest.raises(DatasetError, match="could not be downloaded(.|\n)*root="):
        mnist(isolated / "empty")

def test_missing_files_are_downloaded_into_the_cache(isolated, monkeypatch, data):
    served = []

    class Response(io.BytesIO):
        headers = {}
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return False

    def fake_urlopen(url, timeout):
        served.append(url)
        if "ossci" in url:   # the first mirror fails, the second serves the file
            raise urllib.error.URLError("down")
        name = url.rsplit("/", 1)[1][:-3]
        key = next(k for k, (n, _, _) in FILES.items() if n == name)
        return Response(gzip.compress(raw_bytes(key)))
    monkeypatch.setattr(datasets.urllib.request, "urlopen", fake_urlopen)
    loaded = mnist(isolated / "empty")
    np.testing.assert_array_equal(loaded.train_labels, data.train_labels)
    assert sorted(p.name for p in datasets.cache_dir().iterdir()) == sorted(n + ".gz" for n, _, _ in FILES.values())
    assert len(served) == 8

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
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        tp.DataLoader(np.ones(3), batch_size=0)
