"""tinygrad_pool.vision.datasets on tiny generated files: torchvision's layout and attributes, checksums on load,
downloads from a local HTTP server (never the internet), the restricted CIFAR unpickler, FakeData, ImageFolder."""
import functools
import gzip
import hashlib
import http.server
import io
import os
import pickle
import tarfile
import threading

import numpy as np
import pytest

from tinygrad_pool.vision import datasets
from tinygrad_pool.vision.datasets import DatasetError, DatasetNotFoundError
from tinygrad_pool.vision.datasets.cifar import read_batch
from tinygrad_pool.vision.datasets.vision import Image

def idx(array, magic):
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()

def md5(data):
    return hashlib.md5(data).hexdigest()

def mnist_files(n_train=5, n_test=3, seed=0):
    """{file name: gzip bytes} of a tiny MNIST-like set, and the arrays."""
    rng = np.random.default_rng(seed)
    arrays = {"train": (rng.integers(0, 256, (n_train, 28, 28)), rng.integers(0, 10, n_train)),
              "t10k": (rng.integers(0, 256, (n_test, 28, 28)), rng.integers(0, 10, n_test))}
    files = {}
    for prefix, (images, labels) in arrays.items():
        files[f"{prefix}-images-idx3-ubyte"] = idx(images, 2051)
        files[f"{prefix}-labels-idx1-ubyte"] = idx(labels, 2049)
    return {name + ".gz": gzip.compress(raw, mtime=0) for name, raw in files.items()}, files, arrays

@pytest.fixture
def tiny_mnist(monkeypatch):
    """The tiny files, with their checksums patched into every MNIST-like class."""
    archives, raws, arrays = mnist_files()
    for cls in (datasets.MNIST, datasets.FashionMNIST, datasets.KMNIST):
        monkeypatch.setattr(cls, "resources", [(name, md5(data)) for name, data in archives.items()])
    monkeypatch.setattr(datasets.MNIST, "raw_md5", {name: md5(data) for name, data in raws.items()})
    return archives, raws, arrays

def write(folder, files):
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)

@pytest.mark.parametrize("cls", [datasets.MNIST, datasets.FashionMNIST, datasets.KMNIST])
def test_mnist_like_sets_load_from_root_class_raw_with_torchvisions_attributes(tmp_path, tiny_mnist, cls):
    archives, _, arrays = tiny_mnist
    write(tmp_path / cls.__name__ / "raw", archives)
    train, test = cls(tmp_path), cls(str(tmp_path), train=False)
    assert train.data.dtype == "uint8" and train.data.shape == (5, 28, 28) and len(test) == 3
    np.testing.assert_array_equal(train.data.numpy(), arrays["train"][0])
    assert train.targets.dtype == "int64" and train.targets.numpy().tolist() == arrays["train"][1].tolist()
    assert len(train.classes) == 10 and train.class_to_idx[train.classes[3]] == 3
    image, target = test[-1]
    assert type(target) is int and target == arrays["t10k"][1][-1]
    pixels = np.asarray(image)
    assert pixels.dtype == np.uint8 and pixels.shape == (28, 28)
    np.testing.assert_array_equal(pixels, arrays["t10k"][0][-1])
    if Image is not None:
        assert isinstance(image, Image.Image) and image.mode == "L"
    assert "Split: Test" in repr(test) and f"Dataset {cls.__name__}" in repr(test)

def test_transforms_apply_to_the_image_and_the_target(tmp_path, tiny_mnist):
    write(tmp_path / "MNIST" / "raw", tiny_mnist[0])
    ds = datasets.MNIST(tmp_path, transform=lambda im: np.asarray(im).sum(), target_transform=lambda t: t + 100)
    assert ds[0] == (tiny_mnist[2]["train"][0][0].sum(), tiny_mnist[2]["train"][1][0] + 100)

def test_extracted_files_are_read_and_checked(tmp_path, tiny_mnist):
    _, raws, arrays = tiny_mnist
    write(tmp_path / "MNIST" / "raw", raws)
    np.testing.assert_array_equal(datasets.MNIST(tmp_path).data.numpy(), arrays["train"][0])
    bad = bytearray(raws["t10k-images-idx3-ubyte"])
    bad[-1] ^= 1
    (tmp_path / "MNIST" / "raw" / "t10k-images-idx3-ubyte").write_bytes(bytes(bad))
    with pytest.raises(DatasetError, match=r"t10k-images-idx3-ubyte: MD5 is [0-9a-f]{32}, expected"):
        datasets.MNIST(tmp_path, train=False)

def test_a_damaged_archive_is_an_error_naming_it_and_is_left_alone(tmp_path, tiny_mnist):
    archives = dict(tiny_mnist[0])
    archives["train-labels-idx1-ubyte.gz"] = b"not the file"
    write(tmp_path / "MNIST" / "raw", archives)
    with pytest.raises(DatasetError, match=r"train-labels-idx1-ubyte.gz: MD5 is .*delete it"):
        datasets.MNIST(tmp_path)
    assert (tmp_path / "MNIST" / "raw" / "train-labels-idx1-ubyte.gz").read_bytes() == b"not the file"

def test_missing_files_say_to_download(tmp_path):
    with pytest.raises(RuntimeError, match="train-images-idx3-ubyte.gz .*not found in .*download=True"):
        datasets.MNIST(tmp_path)
    with pytest.raises(DatasetNotFoundError, match="cifar-10-batches-py.data_batch_1 not found"):
        datasets.CIFAR10(tmp_path)

@pytest.mark.parametrize("argument", ["train", "download"])
def test_flags_must_be_bools(tmp_path, argument):
    with pytest.raises(TypeError, match=f"MNIST: {argument} must be True or False, got 1"):
        datasets.MNIST(tmp_path, **{argument: 1})

@pytest.fixture
def server(tmp_path, monkeypatch):
    """An HTTP server on 127.0.0.1 serving tmp_path/served; yields (folder, base URL)."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    folder = tmp_path / "served"
    folder.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join()

def test_download_tries_each_mirror_verifies_and_renames_into_place(tmp_path, tiny_mnist, server, monkeypatch):
    served, url = server
    write(served / "good", tiny_mnist[0])
    write(served / "wrong", {name: b"corrupt" for name in tiny_mnist[0]})
    monkeypatch.setenv("TINYGRAD_POOL_MIRRORS_MNIST", f"{url}missing/ {url}wrong/ {url}good/")
    ds = datasets.MNIST(tmp_path / "root", download=True)
    np.testing.assert_array_equal(ds.data.numpy(), tiny_mnist[2]["train"][0])
    raw = tmp_path / "root" / "MNIST" / "raw"
    assert sorted(os.listdir(raw)) == sorted(tiny_mnist[0])   # no temporary file is left behind
    assert all((raw / name).read_bytes() == data for name, data in tiny_mnist[0].items())
    assert datasets.MNIST(tmp_path / "root", train=False, download=True).data.shape == (3, 28, 28)

def test_a_failed_download_reports_every_mirror_and_leaves_nothing(tmp_path, tiny_mnist, server, monkeypatch):
    served, url = server
    write(served / "wrong", {name: b"corrupt" for name in tiny_mnist[0]})
    monkeypatch.setenv("TINYGRAD_POOL_MIRRORS_MNIST", f"{url}missing/ {url}wrong/")
    with pytest.raises(DatasetError, match=r"could not download it into .*raw:\n  http://127.0.0.1:\d+/missing/"
                                           r"train-images-idx3-ubyte.gz: HTTP Error 404.*\n  .*wrong.*checksum "
                                           r"mismatch\nSet \$TINYGRAD_POOL_MIRRORS_MNIST"):
        datasets.MNIST(tmp_path, download=True)
    assert os.listdir(tmp_path / "MNIST" / "raw") == []

def test_download_never_overwrites_an_existing_file(tmp_path, tiny_mnist, server, monkeypatch):
    served, url = server
    write(served, tiny_mnist[0])
    monkeypatch.setenv("TINYGRAD_POOL_MIRRORS_MNIST", url)
    write(tmp_path / "MNIST" / "raw", {"train-images-idx3-ubyte.gz": b"mine"})
    with pytest.raises(DatasetError, match=r"train-images-idx3-ubyte.gz: MD5 is .* left as it is"):
        datasets.MNIST(tmp_path, download=True)
    assert (tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte.gz").read_bytes() == b"mine"

def test_the_mirror_lists_are_module_configuration(monkeypatch):
    monkeypatch.delenv("TINYGRAD_POOL_MIRRORS_KMNIST", raising=False)
    monkeypatch.setitem(datasets.MIRRORS, "KMNIST", ["http://127.0.0.1:1/"])
    assert datasets.download.mirrors("KMNIST") == ["http://127.0.0.1:1/"]

def cifar_batch(n, label_key, classes, seed):
    rng = np.random.default_rng(seed)
    return {"batch_label": "tiny batch", label_key: rng.integers(0, classes, n).tolist(),
            "data": rng.integers(0, 256, (n, 3072)).astype(np.uint8), "filenames": [b"x.png"] * n}

@pytest.fixture(params=["CIFAR10", "CIFAR100"])
def tiny_cifar(request, monkeypatch, tmp_path):
    """A tarball of tiny protocol-2 pickles in the layout of the real one, checksums patched in."""
    cls = getattr(datasets, request.param)
    classes = 10 if cls is datasets.CIFAR10 else 100
    names = [name for name, _ in cls.train_list + cls.test_list]
    batches = {name: cifar_batch(2 + i, cls.label_key, classes, i) for i, name in enumerate(names)}
    meta = {cls.meta["key"]: [f"class {i}" for i in range(classes)]}
    files = {name: pickle.dumps(batch, protocol=2) for name, batch in batches.items()}
    files[cls.meta["filename"]] = pickle.dumps(meta, protocol=2)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{cls.base_folder}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    tarball = buffer.getvalue()
    monkeypatch.setattr(cls, "train_list", [[n, md5(files[n])] for n, _ in cls.train_list])
    monkeypatch.setattr(cls, "test_list", [[n, md5(files[n])] for n, _ in cls.test_list])
    monkeypatch.setattr(cls, "meta", {**cls.meta, "md5": md5(files[cls.meta["filename"]])})
    monkeypatch.setattr(cls, "tgz_md5", md5(tarball))
    return cls, batches, tarball

def test_cifar_downloads_extracts_and_reads_the_pickles_like_torchvision(tmp_path, tiny_cifar, server, monkeypatch):
    cls, batches, tarball = tiny_cifar
    served, url = server
    (served / cls.filename).write_bytes(tarball)
    monkeypatch.setenv(f"TINYGRAD_POOL_MIRRORS_{cls.__name__}", url)
    train = cls(tmp_path, download=True)
    train_batches = [batches[name] for name, _ in cls.train_list]
    assert len(train) == sum(len(b["data"]) for b in train_batches)
    first = train_batches[0]["data"][0]
    assert train.data.dtype == np.uint8 and train.data.shape == (len(train), 32, 32, 3)
    np.testing.assert_array_equal(train.data[0], first.reshape(3, 32, 32).transpose(1, 2, 0))
    assert train.targets == sum((b[cls.label_key] for b in train_batches), [])
    assert train.classes[:2] == ["class 0", "class 1"] and train.class_to_idx["class 5"] == 5
    image, target = train[0]
    assert target == train.targets[0] and np.asarray(image).shape == (32, 32, 3)
    if Image is not None:
        assert image.mode == "RGB"
    assert (tmp_path / cls.filename).read_bytes() == tarball
    test = cls(tmp_path, train=False)
    assert test.targets == batches[cls.test_list[0][0]][cls.label_key]

class RunsCode:
    def __reduce__(self):
        return (os.system, ("touch pwned",))

@pytest.mark.parametrize("payload, message", [
    (RunsCode(), "names the global posix.system"),
    ({"data": np.array([object()], dtype=object)}, "dtype 'O8'"),
    ({"data": np.zeros(3, np.float64)}, "dtype 'f8'"),
    ([1, 2], "holds a list, not a dict"),
])
def test_the_cifar_unpickler_builds_only_plain_data(tmp_path, monkeypatch, payload, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "batch").write_bytes(pickle.dumps(payload, protocol=2))
    with pytest.raises(DatasetError, match=f"batch: not a CIFAR batch: .*({message})"):
        read_batch(tmp_path / "batch")
    assert not (tmp_path / "pwned").exists()

def test_a_cifar_batch_with_the_wrong_checksum_is_an_error(tmp_path, tiny_cifar, server, monkeypatch):
    cls, _, tarball = tiny_cifar
    served, url = server
    (served / cls.filename).write_bytes(tarball)
    monkeypatch.setenv(f"TINYGRAD_POOL_MIRRORS_{cls.__name__}", url)
    cls(tmp_path, download=True)
    path = tmp_path / cls.base_folder / cls.test_list[0][0]
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(DatasetError, match=f"{cls.test_list[0][0]}: MD5 is"):
        cls(tmp_path, train=False)

def test_fake_data_is_reproducible_per_index():
    ds = datasets.FakeData(size=4, image_size=(3, 5, 7), num_classes=3)
    image, target = ds[2]
    assert np.asarray(image).shape == (5, 7, 3) and 0 <= target < 3 and len(ds) == 4
    np.testing.assert_array_equal(np.asarray(ds[2][0]), np.asarray(image))
    assert not np.array_equal(np.asarray(ds[1][0]), np.asarray(image))
    shifted = datasets.FakeData(size=4, image_size=(3, 5, 7), num_classes=3, random_offset=1)
    np.testing.assert_array_equal(np.asarray(shifted[1][0]), np.asarray(image))
    assert np.asarray(datasets.FakeData(2, (1, 4, 4))[0][0]).shape == (4, 4)
    with pytest.raises(IndexError, match="FakeData index out of range"):
        ds[4]
    with pytest.raises(ValueError, match=r"image_size must be \(channels, height, width\)"):
        datasets.FakeData(image_size=(224, 224))

def test_image_folder_sorts_classes_and_files_with_a_custom_loader(tmp_path):
    for cls, files in {"cat": ["b.npy", "a.npy", "notes.txt"], "ant": ["x.npy"]}.items():
        (tmp_path / cls).mkdir()
        for f in files:
            if f.endswith(".npy"):
                np.save(tmp_path / cls / f, np.full(2, len(f)))
            else:
                (tmp_path / cls / f).write_bytes(b"")
    ds = datasets.ImageFolder(tmp_path, loader=np.load, is_valid_file=lambda p: p.endswith(".npy"),
                              target_transform=str)
    assert ds.classes == ["ant", "cat"] and ds.class_to_idx == {"ant": 0, "cat": 1}
    assert [(os.path.relpath(p, tmp_path), t) for p, t in ds.samples] == [
        ("ant/x.npy", 0), ("cat/a.npy", 1), ("cat/b.npy", 1)]
    assert ds.targets == [0, 1, 1] and ds.imgs == ds.samples and len(ds) == 3
    assert ds[1][1] == "1" and ds[1][0].tolist() == [5, 5]

def test_image_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.ImageFolder(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"Found no valid file for the classes empty. Supported "
                                                r"extensions are: .jpg, .jpeg, .png"):
        datasets.ImageFolder(tmp_path)
    assert len(datasets.ImageFolder(tmp_path, allow_empty=True)) == 0
    with pytest.raises(ValueError, match="Both extensions and is_valid_file cannot be None"):
        datasets.folder.make_dataset(tmp_path, {"empty": 0}, (".png",), lambda p: True)

def test_image_folder_reads_images_with_pillow(tmp_path):
    pytest.importorskip("PIL")
    (tmp_path / "red").mkdir()
    Image.fromarray(np.full((3, 4), 200, np.uint8)).save(tmp_path / "red" / "one.PNG")
    image, target = datasets.ImageFolder(tmp_path)[0]
    assert image.mode == "RGB" and image.size == (4, 3) and target == 0
    assert np.asarray(image)[0, 0].tolist() == [200, 200, 200]

def test_a_torchvision_style_pipeline_batches_through_the_data_loader(tmp_path, tiny_mnist):
    data = pytest.importorskip("tinygrad_pool.utils.data")
    from tinygrad_pool.vision import transforms
    write(tmp_path / "MNIST" / "raw", tiny_mnist[0])
    pipeline = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    ds = datasets.MNIST(tmp_path, transform=pipeline)
    x, y = next(iter(data.DataLoader(ds, batch_size=4)))
    images, labels = tiny_mnist[2]["train"]
    assert x.shape == (4, 1, 28, 28) and x.dtype == "float32" and y.numpy().tolist() == labels[:4].tolist()
    expected = (images[0].astype(np.float32) / np.float32(255) - np.float32(0.1307)) / np.float32(0.3081)
    np.testing.assert_array_equal(x.numpy()[0, 0], expected)
