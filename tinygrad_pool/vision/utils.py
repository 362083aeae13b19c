"""torchvision.utils' make_grid and save_image."""
import math
import os

import numpy as np

from ..creation import tensor as make_tensor
from ..serialization import atomic_write
from ..tensor import Tensor
from .png import encode_png

try:
    from PIL import Image
except ImportError:
    Image = None

def _as_batch(tensor):
    """A (N, C, H, W) float array from a Tensor (H, W), (C, H, W), (N, C, H, W) or a list of (C, H, W) Tensors;
    one channel becomes three, as torchvision does."""
    if isinstance(tensor, (list, tuple)):
        if not tensor or not all(isinstance(t, Tensor) for t in tensor):
            raise TypeError("make_grid: tensor must be a Tensor or a non-empty list of Tensors")
        array = np.stack([t.numpy() for t in tensor])
    elif isinstance(tensor, Tensor):
        array = tensor.numpy()
    else:
        raise TypeError(f"make_grid: tensor or list of tensors expected, got {type(tensor)}")
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 3:
        array = np.concatenate([array] * 3) if array.shape[0] == 1 else array
        array = array[None]
    if array.ndim != 4:
        raise ValueError(f"make_grid: expected 2, 3 or 4 dims, got shape {array.shape}")
    if array.shape[1] == 1:
        array = np.concatenate([array] * 3, axis=1)
    return array

def _normalized(array, value_range):
    """Clamp to value_range (default: the array's min and max) and map it onto [0, 1]."""
    low, high = value_range if value_range is not None else (float(array.min()), float(array.max()))
    dtype = array.dtype.type
    clamped = np.clip(array, dtype(low), dtype(high))
    return (clamped - dtype(low)) / dtype(max(high - low, 1e-5))

def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """Tile a batch of images into one (C, H', W') image: `nrow` images per row, `padding` pixels of
    `pad_value` around each. With `normalize`, values are mapped from value_range (or min..max, per image with
    `scale_each`) onto [0, 1]. A single image comes back without padding."""
    like = tensor[0] if isinstance(tensor, (list, tuple)) and tensor else tensor
    array = _as_batch(tensor)
    for name, value in (("nrow", nrow), ("padding", padding)):
        if type(value) is not int or value < (1 if name == "nrow" else 0):
            raise ValueError(f"make_grid: {name} must be an int >= {1 if name == 'nrow' else 0}, got {value!r}")
    if value_range is not None and not (isinstance(value_range, tuple) and len(value_range) == 2):
        raise TypeError(f"make_grid: value_range has to be a tuple (min, max) if specified, got {value_range!r}")
    if normalize:
        array = array.astype(np.float32) if array.dtype.kind != "f" else array
        array = (np.stack([_normalized(image, value_range) for image in array]) if scale_each
                 else _normalized(array, value_range))
    if array.shape[0] == 1:
        return make_tensor(np.ascontiguousarray(array[0]), device=like.device)
    count, channels, height, width = array.shape
    columns = min(nrow, count)
    rows = math.ceil(count / columns)
    cell_h, cell_w = height + padding, width + padding
    grid = np.full((channels, cell_h * rows + padding, cell_w * columns + padding), pad_value, array.dtype)
    for k in range(count):
        y, x = divmod(k, columns)
        grid[:, y * cell_h + padding:(y + 1) * cell_h, x * cell_w + padding:(x + 1) * cell_w] = array[k]
    return make_tensor(grid, device=like.device)

def to_pixels(grid):
    """(C, H, W) floats in [0, 1] -> (H, W, C) uint8, as torchvision rounds them: x * 255 + 0.5, clamped,
    truncated."""
    scaled = np.clip(grid.numpy() * np.float32(255) + np.float32(0.5), 0, 255)
    return np.ascontiguousarray(scaled.astype(np.uint8).transpose(1, 2, 0))

def save_image(tensor, fp, format=None, **kwargs):
    """Save make_grid(tensor, **kwargs) as an image file. `fp` is a path (written atomically) or a binary file
    object. With Pillow any format it knows (from `format` or the file name); without it, PNG."""
    pixels = to_pixels(make_grid(tensor, **kwargs))
    path = os.fspath(fp) if isinstance(fp, (str, os.PathLike)) else None
    if format is None:
        extension = os.path.splitext(path)[1].lower() if path is not None else ""
        if Image is not None:
            format = Image.registered_extensions().get(extension)
        elif extension == ".png":
            format = "PNG"
        if format is None:
            raise ValueError(f"save_image: cannot tell the image format from {fp!r}; pass format= (without "
                             "Pillow only 'png' is written)")
    if Image is None and format.lower() != "png":
        raise ValueError(f"save_image: format {format!r} needs Pillow (pip install pillow); without it only 'png' "
                         "is written")

    def write(file):
        if Image is not None:
            Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels).save(file, format=format)
        else:
            file.write(encode_png(pixels))
    if path is None:
        write(fp)
        return
    with atomic_write(path) as file:
        write(file)
