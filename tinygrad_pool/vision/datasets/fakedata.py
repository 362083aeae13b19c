"""FakeData: random images with random labels, the same ones for the same index, for trying a pipeline out."""
import numpy as np

from ...arguments import check_int
from .vision import VisionDataset, as_image

class FakeData(VisionDataset):
    """Sample i comes from a generator seeded with i + random_offset, as in torchvision (which draws from torch's
    generator, so the pixel values differ): uint8 pixels, uniform over 0..255, and a uniform class."""
    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None, target_transform=None,
                 random_offset=0):
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size = check_int(size, "size", "FakeData", minimum=0)
        if not (isinstance(image_size, (tuple, list)) and len(image_size) == 3
                and all(type(v) is int and v > 0 for v in image_size)):
            raise ValueError(f"FakeData: image_size must be (channels, height, width) of positive ints, got "
                             f"{image_size!r}")
        if image_size[0] not in (1, 3, 4):
            raise ValueError(f"FakeData: image_size {tuple(image_size)} has {image_size[0]} channels; an image "
                             "has 1, 3 or 4")
        self.image_size = tuple(image_size)
        self.num_classes = check_int(num_classes, "num_classes", "FakeData", minimum=1)
        self.random_offset = check_int(random_offset, "random_offset", "FakeData", minimum=0)

    def __getitem__(self, index):
        if not -self.size <= index < self.size:
            raise IndexError(f"{type(self).__name__} index out of range")
        rng = np.random.default_rng(index % self.size + self.random_offset)
        channels, height, width = self.image_size
        pixels = rng.integers(0, 256, (height, width, channels), dtype=np.uint8)
        target = int(rng.integers(0, self.num_classes))
        return self._transformed(as_image(pixels[:, :, 0] if channels == 1 else pixels), target)

    def __len__(self):
        return self.size
