"""CIFAR-10 and CIFAR-100 from the python-pickle tarballs that torchvision downloads, in torchvision's layout
(root/cifar-10-batches-py/data_batch_1, ...), every file checked against torchvision's MD5.

The batches are pickles, and a plain `pickle.load` would run whatever code a file names. `BatchUnpickler`
builds only what a CIFAR batch holds (dicts, lists, str, bytes, numbers and integer numpy arrays) and refuses
every other global, so reading a file from anywhere cannot run code.
"""
import io
import pathlib
import pickle
import tarfile

import numpy as np

from ...arguments import check_bool
from ...datasets import DatasetError
from ...serialization import atomic_write
from .download import check_file, download_file, md5_of
from .vision import DatasetNotFoundError, VisionDataset, as_image

try:
    from numpy._core.multiarray import _reconstruct
except ImportError:   # numpy 1.x
    from numpy.core.multiarray import _reconstruct

INTEGER_DTYPES = {"u1", "i1", "u2", "i2", "u4", "i4", "u8", "i8"}

def _array(cls, shape, typecode):
    if cls is not np.ndarray:
        raise pickle.UnpicklingError(f"an array of class {cls!r}, not numpy.ndarray")
    return _reconstruct(cls, shape, typecode)

def _dtype(spec, align=False, copy=False):
    if spec not in INTEGER_DTYPES:
        raise pickle.UnpicklingError(f"an array of dtype {spec!r}; a CIFAR batch holds integer arrays only")
    return np.dtype(spec, align, copy)

def _latin1_bytes(text, encoding="latin1"):
    """How a protocol-2 pickle written by Python 3 spells a bytes object."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError(f"_codecs.encode({text!r:.40}, {encoding!r})")
    return text.encode("latin1")

class BatchUnpickler(pickle.Unpickler):
    """Resolves only numpy's array reconstruction (integer dtypes) and latin-1 bytes."""
    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"): _array, ("numpy._core.multiarray", "_reconstruct"): _array,
        ("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): _dtype, ("_codecs", "encode"): _latin1_bytes,
    }

    def find_class(self, module, name):
        try:
            return self.ALLOWED[module, name]
        except KeyError:
            raise pickle.UnpicklingError(f"it names the global {module}.{name}, which a CIFAR batch never "
                                         "holds") from None

def read_batch(path):
    """The dict in a CIFAR pickle, read with BatchUnpickler (Python 2 strings decoded as latin-1, like
    torchvision)."""
    try:
        with open(path, "rb") as f:
            entry = BatchUnpickler(io.BytesIO(f.read()), encoding="latin1").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as error:
        raise DatasetError(f"{path}: not a CIFAR batch: {error}; refusing to load it") from error
    if not isinstance(entry, dict):
        raise DatasetError(f"{path}: not a CIFAR batch: it holds a {type(entry).__name__}, not a dict")
    return entry

class CIFAR10(VisionDataset):
    """`.data`: uint8 numpy array (N, 32, 32, 3); `.targets`: list of ints; `.classes`: the label names."""
    base_folder = "cifar-10-batches-py"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": "5ff9c542aee3614f3951f8cda6e48888"}
    label_key = "labels"

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = check_bool(train, "train", type(self).__name__)
        if check_bool(download, "download", type(self).__name__):
            self.download()
        batches = self.train_list if self.train else self.test_list
        for name, md5 in batches + [[self.meta["filename"], self.meta["md5"]]]:
            if not check_file(self._path(name), md5):
                raise DatasetNotFoundError(f"{type(self).__name__}: {self._path(name)} not found. You can use "
                                           "download=True to download it")
        self.classes = self._label_names()
        data, self.targets = [], []
        for name, _ in batches:
            images, labels = self._images_and_labels(self._path(name))
            data.append(images)
            self.targets += labels
        self.data = np.concatenate(data).reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1))   # HWC, as torchvision

    def _path(self, name):
        return pathlib.Path(self.root) / self.base_folder / name

    def _label_names(self):
        path = self._path(self.meta["filename"])
        names = read_batch(path).get(self.meta["key"])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise DatasetError(f"{path}: {self.meta['key']!r} is not a list of names")
        return names

    def _images_and_labels(self, path):
        entry = read_batch(path)
        images, labels = entry.get("data"), entry.get(self.label_key)
        if not (isinstance(images, np.ndarray) and images.dtype == np.uint8 and images.ndim == 2
                and images.shape[1] == 3 * 32 * 32):
            raise DatasetError(f"{path}: 'data' is not a uint8 array of shape (N, 3072)")
        if not (isinstance(labels, list) and len(labels) == len(images)
                and all(type(v) is int and 0 <= v < len(self.classes) for v in labels)):
            raise DatasetError(f"{path}: {self.label_key!r} is not a list of {len(images)} class indices below "
                               f"{len(self.classes)}")
        return images, labels

    @property
    def class_to_idx(self):
        return {name: i for i, name in enumerate(self.classes)}

    def download(self):
        """Download the tarball into root (MD5-checked) and extract the batches that are missing from it."""
        files = self.train_list + self.test_list + [[self.meta["filename"], self.meta["md5"]]]
        if all(check_file(self._path(name), md5) for name, md5 in files):
            return
        archive = download_file(type(self).__name__, self.filename, self.root, self.tgz_md5)
        self._path("").mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive, "r:gz") as tar:
            for name, md5 in files:
                if not check_file(self._path(name), md5):
                    self._extract(tar, archive, f"{self.base_folder}/{name}", self._path(name), md5)

    @staticmethod
    def _extract(tar, archive, member_name, target, md5):
        """Copy one regular file out of the archive by name: nothing else in it is ever written to disk."""
        try:
            member = tar.getmember(member_name)
        except KeyError:
            raise DatasetError(f"{archive}: has no {member_name}") from None
        if not member.isfile():
            raise DatasetError(f"{archive}: {member_name} is not a regular file")
        with atomic_write(target) as out:
            source = tar.extractfile(member)
            while block := source.read(1 << 20):
                out.write(block)
            out.flush()
            if md5_of(out.name) != md5:
                raise DatasetError(f"{archive}: {member_name} does not have the published MD5 {md5}")

    def __getitem__(self, index):
        return self._transformed(as_image(self.data[index]), self.targets[index])

    def __len__(self):
        return len(self.data)

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}"

class CIFAR100(CIFAR10):
    base_folder = "cifar-100-python"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names", "md5": "7973b15100ade9c7d40fb424638fde48"}
    label_key = "fine_labels"
