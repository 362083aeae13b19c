"""Where the dataset files come from: mirrors as configuration, MD5-checked, atomic downloads into root.

Each dataset's mirrors are a module-level list (`MIRRORS["MNIST"]`, ...) that a program may change; the
environment variable `TINYGRAD_POOL_MIRRORS_<NAME>` (for example `TINYGRAD_POOL_MIRRORS_CIFAR10`), a
space-separated list of URL prefixes, replaces the list when set. A download streams into a temporary file in
the target's folder, is checked against the published MD5 and only then renamed into place; an existing file is
never overwritten: one with the wrong checksum is an error that names it.
"""
import hashlib
import os
import pathlib

from ...datasets import DatasetError, fetch

MIRRORS = {
    "MNIST": ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"],
    "FashionMNIST": ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
    "KMNIST": ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"],
    "CIFAR10": ["https://www.cs.toronto.edu/~kriz/"],
    "CIFAR100": ["https://www.cs.toronto.edu/~kriz/"],
}

def mirrors(dataset):
    """The URL prefixes tried in order for `dataset`: $TINYGRAD_POOL_MIRRORS_<DATASET> if set, else MIRRORS."""
    configured = os.environ.get(f"TINYGRAD_POOL_MIRRORS_{dataset.upper()}")
    return configured.split() if configured else list(MIRRORS[dataset])

def md5_of(path, chunk=1 << 20):
    digest = hashlib.md5()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()

def check_file(path, md5):
    """True if `path` exists with the right MD5, False if it does not exist; a wrong file is a DatasetError."""
    path = pathlib.Path(path)
    if not os.path.lexists(path):
        return False
    if not path.is_file():
        raise DatasetError(f"{path}: expected the dataset file {path.name} here, found something that is not a "
                           "regular file; remove it")
    digest = md5_of(path)
    if digest != md5:
        raise DatasetError(f"{path}: MD5 is {digest}, expected {md5}; the file is damaged or not the published "
                           "one. It is left as it is: delete it to download a fresh copy")
    return True

def download_file(dataset, filename, folder, md5):
    """folder/filename, downloaded from the first of the dataset's mirrors that serves it with the right MD5,
    unless a good copy is already there."""
    folder = pathlib.Path(folder)
    target = folder / filename
    if check_file(target, md5):
        return target
    folder.mkdir(parents=True, exist_ok=True)
    errors = fetch([mirror + filename for mirror in mirrors(dataset)], target, lambda part: md5_of(part) == md5)
    if errors:
        raise DatasetError(f"{filename}: could not download it into {folder}:\n  " + "\n  ".join(errors)
                           + f"\nSet $TINYGRAD_POOL_MIRRORS_{dataset.upper()} to a mirror, or copy the file there.")
    return target
