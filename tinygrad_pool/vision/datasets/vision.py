"""What every dataset here shares: root, the transforms, a repr, and the image type of `__getitem__`.

Samples are PIL images when Pillow is installed, as torchvision returns them. Without Pillow they are uint8
numpy arrays, (H, W) for one channel and (H, W, C) otherwise, which `transforms.ToTensor` accepts as well, so a
`Compose([ToTensor(), Normalize(...)])` pipeline gives the same Tensors either way.
"""
import os

import numpy as np

from ...datasets import DatasetError

try:
    from PIL import Image
except ImportError:
    Image = None

class DatasetNotFoundError(DatasetError, RuntimeError):
    """A dataset's files are not under root: a RuntimeError, as torchvision raises, and a DatasetError."""

class VisionDataset:
    def __init__(self, root, transform=None, target_transform=None):
        self.root = os.path.expanduser(root) if isinstance(root, str) else root
        for name, value in (("transform", transform), ("target_transform", target_transform)):
            if value is not None and not callable(value):
                raise TypeError(f"{type(self).__name__}: {name} must be callable or None, got "
                                f"{type(value).__name__}")
        self.transform, self.target_transform = transform, target_transform

    def _transformed(self, image, target):
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            lines.append(f"Root location: {self.root}")
        lines += self.extra_repr().splitlines()
        for name in ("transform", "target_transform"):
            if getattr(self, name) is not None:
                lines.append(f"{name.replace('_', ' ').title().replace(' ', '')}: {getattr(self, name)!r}")
        return "\n".join([f"Dataset {type(self).__name__}"] + ["    " + line for line in lines])

def as_image(array):
    """A uint8 (H, W) or (H, W, C) array as a PIL image when Pillow is installed, else the array itself."""
    array = np.ascontiguousarray(array)
    return Image.fromarray(array) if Image is not None else array
