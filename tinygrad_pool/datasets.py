"""MNIST from its four standard IDX files, checked byte for byte.

    from tinygrad_pool.datasets import mnist
    data = mnist()              # data.train_images (60000, 28, 28) uint8, data.train_labels (60000,) int64, ...

Each file may be gzip-compressed (`NAME.gz`) or raw (`NAME`). A file is taken from the first of these folders that
holds it: `root`, `$TINYGRAD_POOL_DATA`, the repository's `data/mnist/`, and the user cache
(`$XDG_CACHE_HOME/tinygrad_pool/mnist`, by default `~/.cache/tinygrad_pool/mnist`), looking for `NAME.gz`
before `NAME` in each. Files found nowhere are downloaded into the cache. Every file's uncompressed bytes must
match the published MD5; a file that does not (corrupt, truncated, wrong magic) raises `DatasetError` naming it
and is never replaced behind the user's back.

The first path on that list that exists settles the matter: if it is not a regular file (a folder, a dangling
symlink) that is a `DatasetError` too, rather than a quiet fall-through to another copy further on. So is a
search-path entry (`root`, `$TINYGRAD_POOL_DATA`) that exists but is not a folder.

`fetch`, one checked, atomic download, also serves `tinygrad_pool.vision.datasets`.
"""
import collections
import gzip
import hashlib
import http.client
import os
import pathlib
import urllib.error
import urllib.request
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from tqdm import tqdm

from .serialization import atomic_write

MNIST = collections.namedtuple("MNIST", "train_images train_labels test_images test_labels")

# Name, MD5 of the uncompressed bytes (the published checksums), IDX magic number.
FILES = {
    "train_images": ("train-images-idx3-ubyte", "6bbc9ace898e44ae57da46a324031adb", 2051),
    "train_labels": ("train-labels-idx1-ubyte", "a25bea736e30d166cdddb491f175f624", 2049),
    "test_images": ("t10k-images-idx3-ubyte", "2646ac647ad5339dbf082846283269ea", 2051),
    "test_labels": ("t10k-labels-idx1-ubyte", "27ae3e4e09519cfbb04c329615203637", 2049),
}
MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/")
REPOSITORY_DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "mnist"

class DatasetError(ValueError):
    """A data file is missing, unreadable or not what it claims to be."""

def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache"
    return pathlib.Path(base) / "tinygrad_pool" / "mnist"

def search_path(root=None):
    """The folders looked in, in order."""
    folders = [root, os.environ.get("TINYGRAD_POOL_DATA"), REPOSITORY_DATA, cache_dir()]
    return [pathlib.Path(f).expanduser() for f in folders if f]

def _find(name, folders):
    """The first existing path NAME.gz or NAME in `folders`, which must be a regular file (or a link to one)."""
    for folder in folders:
        if os.path.lexists(folder) and not folder.is_dir():
            raise DatasetError(f"{folder}: on the MNIST search path, but not a folder; point root= or "
                               "$TINYGRAD_POOL_DATA at the folder that holds the files")
        for candidate in (folder / (name + ".gz"), folder / name):
            if not os.path.lexists(candidate):
                continue
            if candidate.is_file():
                return candidate
            found = (f"a symlink to {os.readlink(candidate)}, which does not exist" if not candidate.exists()
                     else "a folder" if candidate.is_dir() else "something that is not a regular file")
            raise DatasetError(f"{candidate}: expected the MNIST file {candidate.name} here, found {found}; "
                               "remove it (the file is then looked for further on, or downloaded)")
    return None

def read_raw(path, gzipped=None):
    """The uncompressed bytes of `path`: gzip when `gzipped`, by default when the name ends in .gz."""
    path = pathlib.Path(path)
    try:
        if path.suffix == ".gz" if gzipped is None else gzipped:
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise DatasetError(f"{path}: cannot read it: the gzip data is damaged or cut short ({error}); "
                           "delete it to download a fresh copy") from error
    except OSError as error:
        raise DatasetError(f"{path}: cannot read it ({error}); make it readable, or delete it to download a "
                           "fresh copy") from error

def parse_idx(raw, path, magic):
    """An IDX file's array: a big-endian header (magic, then one uint32 per dim) followed by uint8 data."""
    if len(raw) < 8 or int.from_bytes(raw[:4], "big") != magic:
        found = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else None
        raise DatasetError(f"{path}: magic number {found} is not {magic}; this is not the expected IDX file")
    dims = magic - 2048
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims))
    start = 4 + 4 * dims
    if len(raw) != start + int(np.prod(shape)):
        raise DatasetError(f"{path}: {len(raw) - start} data bytes for shape {shape}, expected "
                           f"{int(np.prod(shape))}; the file is truncated or corrupt")
    return np.frombuffer(raw, np.uint8, offset=start).reshape(shape)

def load_file(path, md5, magic):
    raw = read_raw(path)
    digest = hashlib.md5(raw).hexdigest()
    if digest != md5:
        array = parse_idx(raw, path, magic)   # a wrong header or length gives the more precise message
        raise DatasetError(f"{path}: MD5 of the uncompressed bytes is {digest}, expected {md5} "
                           f"(array {array.shape} parsed, but its contents differ from MNIST's); "
                           "delete it to download a fresh copy")
    return parse_idx(raw, path, magic)

class _ChecksumMismatch(Exception):
    """Raised inside atomic_write so that a download whose bytes are not the expected file's is not kept."""

def fetch(urls, target, is_good):
    """Download `target` from the first of `urls` whose bytes pass `is_good(path)`, with a progress bar. The
    file is written through `serialization.atomic_write`: a failed or wrong download leaves nothing behind.
    Returns the failures, one line per URL tried; an empty list means `target` now holds the file."""
    errors = []
    for url in urls:
        try:
            with urllib.request.urlopen(url, timeout=30) as response, atomic_write(target) as part:
                total = int(response.headers.get("Content-Length") or 0) or None
                with tqdm(total=total, desc=f"downloading {target.name}", unit="B", unit_scale=True) as bar:
                    while chunk := response.read(1 << 16):
                        part.write(chunk)
                        bar.update(len(chunk))
                part.flush()
                if not is_good(part.name):
                    raise _ChecksumMismatch
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            errors.append(f"{url}: {error}")
        except _ChecksumMismatch:
            errors.append(f"{url}: checksum mismatch")
        else:
            return []
    return errors

def download(name, md5, folder, mirrors=MIRRORS):
    """Fetch NAME.gz into `folder` from the first mirror that serves it with the right checksum."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (name + ".gz")

    def is_good(path):
        try:
            return hashlib.md5(read_raw(path, gzipped=True)).hexdigest() == md5
        except DatasetError:
            return False
    errors = fetch([mirror + name + ".gz" for mirror in mirrors], target, is_good)
    if not errors:
        return target
    raise DatasetError(f"{name}: not found in {folder} and could not be downloaded:\n  " + "\n  ".join(errors)
                       + "\nCopy the four MNIST files into a folder and pass it as root= or $TINYGRAD_POOL_DATA.")

def mnist(root=None, download_missing=True):
    """The four MNIST arrays: uint8 images (N, 28, 28) and int64 labels (N,), for train (60000) and test (10000)."""
    folders = search_path(root)
    paths = {}
    for key, (name, md5, magic) in FILES.items():
        paths[key] = _find(name, folders)
        if paths[key] is None:
            if not download_missing:
                raise DatasetError(f"{name}(.gz) is in none of " + ", ".join(map(str, folders)))
            paths[key] = download(name, md5, cache_dir())
    # zlib and MD5 release the GIL: the four files decompress and check side by side (0.28 -> 0.15 s here)
    with ThreadPoolExecutor(len(FILES)) as pool:
        loading = {key: pool.submit(load_file, paths[key], md5, magic) for key, (_, md5, magic) in FILES.items()}
        arrays = {key: future.result() for key, future in loading.items()}
    return MNIST(arrays["train_images"], arrays["train_labels"].astype(np.int64),
                 arrays["test_images"], arrays["test_labels"].astype(np.int64))
