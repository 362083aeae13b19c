"""MNIST, Fashion-MNIST and KMNIST in torchvision's layout: root/<ClassName>/raw/ holds the four IDX files.

Each file is read as `NAME.gz` (the downloaded archive, checked against torchvision's published MD5) or, when
only the extracted `NAME` is there, as raw bytes: for MNIST these are checked against the MD5 of the
uncompressed files; Fashion-MNIST and KMNIST publish checksums of the archives only, so their raw files are
checked for the IDX header, the length and a matching number of labels.
"""
import hashlib
import os
import pathlib

import numpy as np

from ...arguments import check_bool
from ...creation import tensor
from ...datasets import FILES, DatasetError, parse_idx, read_raw
from .download import check_file, download_file
from .vision import DatasetNotFoundError, VisionDataset, as_image

IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049

class MNIST(VisionDataset):
    """`.data`: uint8 Tensor (N, 28, 28); `.targets`: int64 Tensor (N,); a sample is (image, int class)."""
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    raw_md5 = {name: md5 for name, md5, _ in FILES.values()}   # of the uncompressed files
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = check_bool(train, "train", type(self).__name__)
        if check_bool(download, "download", type(self).__name__):
            self.download()
        self.data, self.targets = self._load_data()

    @property
    def raw_folder(self):
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self):
        return {name: i for i, name in enumerate(self.classes)}

    def _load_data(self):
        prefix = "train" if self.train else "t10k"
        images = self._read(f"{prefix}-images-idx3-ubyte", IMAGES_MAGIC)
        labels = self._read(f"{prefix}-labels-idx1-ubyte", LABELS_MAGIC)
        if len(images) != len(labels) or (labels.size and labels.max() >= len(self.classes)):
            raise DatasetError(f"{type(self).__name__}: {len(images)} images but {len(labels)} labels (largest "
                               f"{labels.max() if labels.size else None}) in {self.raw_folder}; the files do "
                               "not belong together")
        return tensor(images), tensor(labels.astype(np.int64))

    def _read(self, name, magic):
        folder = pathlib.Path(self.raw_folder)
        archive, extracted = folder / (name + ".gz"), folder / name
        if check_file(archive, dict(self.resources)[name + ".gz"]):
            return parse_idx(read_raw(archive), archive, magic)
        if not os.path.lexists(extracted):
            raise DatasetNotFoundError(f"{type(self).__name__}: {name}.gz (or {name}) not found in {folder}. "
                                       "You can use download=True to download it")
        raw = read_raw(extracted, gzipped=False)
        expected = self.raw_md5.get(name)
        if expected is not None and hashlib.md5(raw).hexdigest() != expected:
            raise DatasetError(f"{extracted}: MD5 is {hashlib.md5(raw).hexdigest()}, expected {expected}; the "
                               "file is damaged or not the published one. Delete it to download a fresh copy")
        return parse_idx(raw, extracted, magic)

    def _have_files(self):
        folder = pathlib.Path(self.raw_folder)
        return all(os.path.lexists(folder / name) or os.path.lexists(folder / name[:-3])
                   for name, _ in self.resources)

    def download(self):
        """Download the archives that are missing into raw_folder (the reader reads them compressed)."""
        if self._have_files():
            return
        for filename, md5 in self.resources:
            if not os.path.lexists(os.path.join(self.raw_folder, filename[:-3])):
                download_file(type(self).__name__, filename, self.raw_folder, md5)

    def __getitem__(self, index):
        image = as_image(self.data.numpy()[index])
        return self._transformed(image, int(self.targets.numpy()[index]))

    def __len__(self):
        return len(self.data)

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}"

class FashionMNIST(MNIST):
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    raw_md5 = {}
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]

class KMNIST(MNIST):
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    raw_md5 = {}
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
