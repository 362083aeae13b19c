"""The image operations behind `transforms`, each for a PIL image (done by Pillow where torchvision uses Pillow)
and for a Tensor image (..., C, H, W), with torchvision's formulas so that values match.

Tensor images are processed as numpy arrays and come back as new Tensors on the input's device; only
`normalize` and the non-antialiased `resize` go through the autograd tape.
"""
import enum
import math
import numbers

import numpy as np

from ...creation import tensor as make_tensor
from ...ops.resample import interpolate
from ...tensor import Tensor

try:
    from PIL import Image
except ImportError:
    Image = None

class InterpolationMode(enum.Enum):
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"

# Pillow's resampling filter numbers, which torchvision also accepts for `interpolation`.
PIL_FILTERS = {InterpolationMode.NEAREST: 0, InterpolationMode.LANCZOS: 1, InterpolationMode.BILINEAR: 2,
               InterpolationMode.BICUBIC: 3, InterpolationMode.BOX: 4, InterpolationMode.HAMMING: 5}

def interpolation_mode(value, op):
    if isinstance(value, InterpolationMode):
        return value
    if type(value) is int:
        for mode, number in PIL_FILTERS.items():
            if number == value:
                return mode
    raise TypeError(f"{op}: interpolation should be an InterpolationMode or a corresponding Pillow integer "
                    f"constant, got {value!r}")

def is_pil(img):
    return Image is not None and isinstance(img, Image.Image)

def check_image(img, op):
    if not (is_pil(img) or isinstance(img, Tensor)):
        raise TypeError(f"{op}: img should be PIL Image or Tensor. Got {type(img)}")
    if isinstance(img, Tensor) and img.ndim < 2:
        raise ValueError(f"{op}: a Tensor image has at least 2 dims (..., H, W), got shape {tuple(img.shape)}")

def get_dimensions(img):
    """[channels, height, width]."""
    check_image(img, "get_dimensions")
    if is_pil(img):
        return [len(img.getbands()), img.height, img.width]
    channels = 1 if img.ndim == 2 else img.shape[-3]
    return [channels, img.shape[-2], img.shape[-1]]

def _pixels(img):
    """The image's pixels as an array whose two spatial axes are 0, 1 (PIL: H, W[, C]) or -2, -1 (Tensor)."""
    return np.asarray(img) if is_pil(img) else img.numpy()

def _like(array, img):
    """`array` as an image of the kind of `img`: a PIL image of the same palette, or a Tensor on its device."""
    array = np.ascontiguousarray(array)
    if not is_pil(img):
        return make_tensor(array, device=img.device)
    out = Image.fromarray(array)
    if img.mode == "P":
        out.putpalette(img.getpalette())
    return out

def _spatial(array, img):
    """A PIL image's pixels with the spatial axes moved to the end, as a Tensor's are (a no-op for Tensors);
    `_unspatial` moves them back."""
    return np.moveaxis(array, (0, 1), (-2, -1)) if is_pil(img) else array

def _unspatial(array, img):
    return np.moveaxis(array, (-2, -1), (0, 1)) if is_pil(img) else array

def to_tensor(pic):
    """PIL image or (H, W[, C]) ndarray -> (C, H, W) Tensor; uint8 becomes float32 x / 255."""
    if is_pil(pic):
        dtype = {"I": np.int32, "I;16": np.int32, "F": np.float32}.get(pic.mode, np.uint8)
        array = np.array(pic, dtype, copy=True)
        if pic.mode == "1":
            array = 255 * array
        array = array.reshape(pic.height, pic.width, len(pic.getbands()))
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"to_tensor: pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        array = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        raise TypeError(f"to_tensor: pic should be PIL Image or ndarray. Got {type(pic)}")
    chw = np.ascontiguousarray(array.transpose(2, 0, 1))
    if chw.dtype == np.uint8:
        return make_tensor(chw.astype(np.float32) / np.float32(255))
    return make_tensor(chw)

def pil_to_tensor(pic):
    """PIL image -> (C, H, W) Tensor of its own dtype, unscaled."""
    if not is_pil(pic):
        raise TypeError(f"pil_to_tensor: pic should be PIL Image. Got {type(pic)}")
    array = np.array(pic, copy=True).reshape(pic.height, pic.width, len(pic.getbands()))
    return make_tensor(np.ascontiguousarray(array.transpose(2, 0, 1)))

# the modes an image of each channel count may take, the first when the data is uint8 and no mode is given
_MODES_BY_CHANNELS = {2: ("LA",), 3: ("RGB", "YCbCr", "HSV"), 4: ("RGBA", "CMYK", "RGBX")}
_SINGLE_CHANNEL_MODES = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16", np.dtype(np.int32): "I",
                         np.dtype(np.float32): "F"}

def to_pil_image(pic, mode=None):
    """A (C, H, W) Tensor or (H, W, C) ndarray (a 2-d one is a single channel) -> PIL image, as torchvision's.
    Float values are scaled by 255 and cut to uint8, except for mode 'F'. Without a mode, one channel gives
    'L', 'I;16', 'I' or 'F' by dtype, and 2, 3 or 4 channels of uint8 'LA', 'RGB' or 'RGBA'."""
    if Image is None:
        raise ImportError("to_pil_image needs Pillow: pip install pillow")
    if isinstance(pic, Tensor):
        array = pic.numpy()
        array = array.transpose(1, 2, 0) if array.ndim == 3 else array
    elif isinstance(pic, np.ndarray):
        array = pic
    else:
        raise TypeError(f"to_pil_image: pic should be Tensor or ndarray. Got {type(pic)}")
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3:
        raise ValueError(f"to_pil_image: pic should be 2/3 dimensional, got {array.ndim} dimensions")
    channels = array.shape[-1]
    if channels > 4:
        raise ValueError(f"to_pil_image: pic should have at most 4 channels, got {channels}")
    if array.dtype.kind == "f" and mode != "F":
        array = (array * 255).astype(np.uint8)
    if channels == 1:
        array = array[:, :, 0]
        expected = _SINGLE_CHANNEL_MODES.get(array.dtype)
        if mode is not None and mode != expected:
            fitting = f"use {expected!r}" if expected else "no mode does"
            raise ValueError(f"to_pil_image: mode {mode!r} does not fit a single channel of {array.dtype}: {fitting}")
        mode = expected
    else:
        allowed = _MODES_BY_CHANNELS[channels]
        if mode is not None and mode not in allowed:
            raise ValueError(f"to_pil_image: mode {mode!r} does not fit {channels} channels: use one of {allowed}")
        if mode is None and array.dtype == np.uint8:
            mode = allowed[0]
    if mode is None:
        raise TypeError(f"to_pil_image: input type {array.dtype} is not supported")
    data = np.ascontiguousarray(array, "<i2" if mode == "I;16" else None)
    return Image.frombytes(mode, (data.shape[1], data.shape[0]), data.tobytes())

def normalize(tensor, mean, std, inplace=False):
    """(tensor - mean) / std per channel, in the tensor's float dtype."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"normalize: img should be Tensor Image. Got {type(tensor)}")
    if tensor.dtype not in ("float32", "float64"):
        raise TypeError(f"normalize: Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError(f"normalize: Expected tensor to be a tensor image of size (..., C, H, W). Got "
                         f"tensor.size() = {tuple(tensor.shape)}.")
    dtype = np.dtype(str(tensor.dtype))
    mean, std = (np.asarray(v, dtype).reshape(-1) for v in (mean, std))
    if (std == 0).any():
        raise ValueError(f"normalize: std evaluated to zero after conversion to {dtype}, leading to division by "
                         "zero.")
    channels = tensor.shape[-3]
    for name, values in (("mean", mean), ("std", std)):
        if len(values) not in (1, channels):
            raise ValueError(f"normalize: {name} has {len(values)} values for an image of {channels} channels")
    if inplace and tensor.requires_grad:
        raise ValueError("normalize: inplace=True on a tensor that requires grad; use inplace=False")
    mean_t, std_t = (make_tensor(v.reshape(-1, 1, 1), device=tensor.device) for v in (mean, std))
    result = (tensor - mean_t) / std_t
    if inplace:
        tensor._data = result._data
        return tensor
    return result

def output_size(height, width, size, max_size, op):
    """torchvision's rule: an int (or 1-sequence) sets the shorter side, keeping the aspect ratio (the longer
    side truncated), capped at max_size; a pair is (height, width)."""
    if len(size) == 2:
        if max_size is not None:
            raise ValueError(f"{op}: max_size should only be passed if size specifies the length of the smaller "
                             f"edge, i.e. size should be an int or a sequence of length 1, got size={size}")
        return list(size)
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = size[0], int(size[0] * long / short)
    if max_size is not None:
        if max_size <= size[0]:
            raise ValueError(f"{op}: max_size = {max_size} must be strictly greater than the requested size for "
                             f"the smaller edge size = {size}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    return [new_long, new_short] if width <= height else [new_short, new_long]

def antialias_weights(in_size, out_size):
    """The (out, in) matrix of PyTorch's antialiased bilinear resampling (a triangle filter widened by the
    downscaling factor, as Pillow does), for align_corners=False."""
    scale = in_size / out_size
    support, invscale = (scale, 1.0 / scale) if scale >= 1.0 else (1.0, 1.0)
    weights = np.zeros((out_size, in_size))
    for i in range(out_size):
        center = scale * (i + 0.5)
        low, high = max(int(center - support + 0.5), 0), min(int(center + support + 0.5), in_size)
        taps = np.maximum(0.0, 1.0 - np.abs((np.arange(low, high) - center + 0.5) * invscale))
        weights[i, low:high] = taps / taps.sum() if taps.sum() else taps
    return weights

def _resize_tensor(img, size, interpolation, antialias):
    """Integer images are resized in float32 and rounded back, as torchvision does."""
    array = img.numpy()
    floating = array.dtype in (np.float32, np.float64)
    if interpolation is InterpolationMode.BILINEAR and antialias:
        work = array if floating else array.astype(np.float32)
        rows = antialias_weights(array.shape[-2], size[0]).astype(work.dtype)
        cols = antialias_weights(array.shape[-1], size[1]).astype(work.dtype)
        out = rows @ (work @ cols.T)
        if floating:
            return make_tensor(np.ascontiguousarray(out), device=img.device)
    else:
        if interpolation not in (InterpolationMode.NEAREST, InterpolationMode.BILINEAR,
                                 InterpolationMode.BICUBIC):
            raise ValueError(f"resize: interpolation {interpolation} is not supported for Tensor images; use "
                             "NEAREST, BILINEAR or BICUBIC")
        source = img if floating else make_tensor(array.astype(np.float32), device=img.device)
        flat = source.reshape((-1, 1) + tuple(array.shape[-2:]))
        align = None if interpolation is InterpolationMode.NEAREST else False
        result = interpolate(flat, size=tuple(size), mode=interpolation.value, align_corners=align)
        result = result.reshape(tuple(array.shape[:-2]) + tuple(size))
        if floating:
            return result
        out = result.numpy()
    if interpolation is InterpolationMode.BICUBIC and array.dtype == np.uint8:
        out = np.clip(out, 0, 255)
    return make_tensor(np.round(out).astype(array.dtype), device=img.device)

def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    check_image(img, "resize")
    interpolation = interpolation_mode(interpolation, "resize")
    size = [size] if isinstance(size, int) else list(size)
    _, height, width = get_dimensions(img)
    new_size = output_size(height, width, size, max_size, "resize")
    if new_size == [height, width]:
        return img
    if is_pil(img):
        if interpolation not in PIL_FILTERS:
            raise ValueError(f"resize: interpolation {interpolation} is not supported for PIL images")
        return img.resize((new_size[1], new_size[0]), resample=PIL_FILTERS[interpolation])
    return _resize_tensor(img, new_size, interpolation, antialias)

def crop(img, top, left, height, width):
    """The box at (top, left) of size (height, width); parts outside the image are zeros, as in torchvision."""
    check_image(img, "crop")
    if is_pil(img):
        return img.crop((left, top, left + width, top + height))
    _, h, w = get_dimensions(img)
    array = img.numpy()
    before = (max(-top, 0), max(-left, 0))
    after = (max(top + height - h, 0), max(left + width - w, 0))
    if any(before) or any(after):
        array = np.pad(array, [(0, 0)] * (array.ndim - 2) + list(zip(before, after)))
        top, left = top + before[0], left + before[1]
    return _like(array[..., top:top + height, left:left + width], img)

def center_crop(img, output_size):
    check_image(img, "center_crop")
    crop_height, crop_width = setup_size(output_size, "center_crop")
    _, height, width = get_dimensions(img)
    if crop_width > width or crop_height > height:
        padding = [(crop_width - width) // 2 if crop_width > width else 0,
                   (crop_height - height) // 2 if crop_height > height else 0,
                   (crop_width - width + 1) // 2 if crop_width > width else 0,
                   (crop_height - height + 1) // 2 if crop_height > height else 0]
        img = pad(img, padding, fill=0)
        _, height, width = get_dimensions(img)
        if (crop_height, crop_width) == (height, width):
            return img
    top = int(round((height - crop_height) / 2.0))
    left = int(round((width - crop_width) / 2.0))
    return crop(img, top, left, crop_height, crop_width)

def hflip(img):
    check_image(img, "hflip")
    if is_pil(img):
        return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return _like(img.numpy()[..., ::-1], img)

PADDING_MODES = ("constant", "edge", "reflect", "symmetric")

def check_padding(padding, fill, padding_mode, op):
    if not isinstance(padding, (numbers.Number, tuple, list)) or isinstance(padding, bool):
        raise TypeError(f"{op}: Got inappropriate padding arg {padding!r}")
    if not isinstance(fill, (numbers.Number, tuple, list)) or isinstance(fill, bool):
        raise TypeError(f"{op}: Got inappropriate fill arg {fill!r}")
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"{op}: Padding mode should be either constant, edge, reflect or symmetric, got "
                         f"{padding_mode!r}")
    values = [padding] if isinstance(padding, numbers.Number) else list(padding)
    if len(values) not in (1, 2, 4):
        raise ValueError(f"{op}: Padding must be an int or a 1, 2, or 4 element tuple, not a {len(values)} "
                         "element tuple")
    if not all(type(v) is int for v in values):
        raise TypeError(f"{op}: padding must hold ints, got {padding!r}")
    if len(values) == 1:
        values *= 4
    elif len(values) == 2:
        values *= 2
    return values   # left, top, right, bottom

def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad the borders by padding (int, (left/right, top/bottom) or (left, top, right, bottom)); negative values
    crop. Modes: constant (fill, per channel on PIL images), edge, reflect (no repeated border), symmetric."""
    check_image(img, "pad")
    left, top, right, bottom = check_padding(padding, fill, padding_mode, "pad")
    if isinstance(fill, (tuple, list)) and not is_pil(img):
        raise TypeError("pad: fill must be a number for a Tensor image, got a sequence")
    _, height, width = get_dimensions(img)
    array = _spatial(_pixels(img), img)
    array = array[..., max(-top, 0):height - max(-bottom, 0), max(-left, 0):width - max(-right, 0)]
    rows, cols = (max(top, 0), max(bottom, 0)), (max(left, 0), max(right, 0))
    if padding_mode == "reflect" and (max(rows) >= array.shape[-2] or max(cols) >= array.shape[-1]):
        raise ValueError(f"pad: reflect padding {padding} must be smaller than the image size "
                         f"{tuple(array.shape[-2:])} in each dim")
    widths = [(0, 0)] * (array.ndim - 2) + [rows, cols]
    if padding_mode != "constant":
        return _like(_unspatial(np.pad(array, widths, mode=padding_mode), img), img)
    out = np.pad(array, widths)
    fills = np.asarray(fill, np.float64).reshape(-1)
    channels = out.shape[0] if is_pil(img) and out.ndim == 3 else 1
    if len(fills) not in (1, channels):
        raise ValueError(f"pad: fill has {len(fills)} values for an image of {channels} channels")
    fills = (fills.reshape((-1, 1, 1)) if len(fills) > 1 else fills.reshape(())).astype(out.dtype)
    border = np.ones(out.shape[-2:], bool)
    border[rows[0]:out.shape[-2] - rows[1], cols[0]:out.shape[-1] - cols[1]] = False
    out = np.where(border, fills, out)
    return _like(_unspatial(out, img), img)

def to_grayscale(img, num_output_channels=1):
    """Luma: Pillow's convert('L') on PIL images; 0.2989 R + 0.587 G + 0.114 B (in float32, then cast back to the
    image's dtype, truncating) on Tensors."""
    check_image(img, "to_grayscale")
    if num_output_channels not in (1, 3):
        raise ValueError(f"to_grayscale: num_output_channels should be either 1 or 3, got {num_output_channels!r}")
    if is_pil(img):
        gray = img.convert("L")
        if num_output_channels == 1:
            return gray
        return Image.fromarray(np.dstack([np.asarray(gray)] * 3))
    if img.ndim < 3:
        raise TypeError(f"to_grayscale: Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    array = img.numpy()
    if array.shape[-3] not in (1, 3):
        raise TypeError(f"to_grayscale: Input image tensor permitted channel values are [1, 3], but found "
                        f"{array.shape[-3]}")
    if array.shape[-3] == 3:
        work = array.astype(np.float64 if array.dtype == np.float64 else np.float32)
        r, g, b = (work[..., c, :, :] for c in range(3))
        weights = [work.dtype.type(w) for w in (0.2989, 0.587, 0.114)]
        luma = (weights[0] * r + weights[1] * g + weights[2] * b).astype(array.dtype)[..., None, :, :]
    else:
        luma = array
    return _like(np.broadcast_to(luma, luma.shape[:-3] + (num_output_channels,) + luma.shape[-2:]), img)

def _rotation_matrix(angle, center):
    """torchvision's inverse affine matrix of a rotation by `angle` degrees (counter-clockwise) about `center`,
    given relative to the image center: output coordinates -> input coordinates."""
    cx, cy = center
    rot = math.radians(-angle)
    m = [math.cos(rot), math.sin(rot), 0.0, -math.sin(rot), math.cos(rot), 0.0]
    m[2] += m[0] * -cx + m[1] * -cy + cx
    m[5] += m[3] * -cx + m[4] * -cy + cy
    return np.array(m, np.float32).reshape(2, 3)

def _expanded_size(theta, width, height):
    """The (width, height) that holds the whole rotated image: the corners' extent, shifted to [0, w] x [0, h]
    and cut to 1e-4 before rounding outwards, as torchvision (and Pillow) do."""
    corners = np.array([[-0.5 * width, -0.5 * height, 1.0], [-0.5 * width, 0.5 * height, 1.0],
                        [0.5 * width, 0.5 * height, 1.0], [0.5 * width, -0.5 * height, 1.0]], np.float32)
    moved = corners @ theta.T
    half = np.array([0.5 * width, 0.5 * height], np.float32)
    inv_tol, tol = np.float32(1e4), np.float32(1e-4)
    high = np.ceil(np.trunc((moved.max(0) + half) * inv_tol) * tol)
    low = np.floor(np.trunc((moved.min(0) + half) * inv_tol) * tol)
    size = high - low
    return int(size[0]), int(size[1])

def _rotate_tensor(img, angle, expand, center, fill):
    array = img.numpy()
    height, width = array.shape[-2:]
    relative = (0.0, 0.0) if center is None else (center[0] - width * 0.5, center[1] - height * 0.5)
    theta = _rotation_matrix(angle, relative)
    out_w, out_h = _expanded_size(theta, width, height) if expand else (width, height)
    xs = np.linspace(-out_w * 0.5 + 0.5, out_w * 0.5 - 0.5, out_w, dtype=np.float32)
    ys = np.linspace(-out_h * 0.5 + 0.5, out_h * 0.5 - 0.5, out_h, dtype=np.float32)
    base = np.stack(np.broadcast_arrays(xs[None, :], ys[:, None], np.float32(1)), -1)
    grid = base @ (theta.T / np.array([0.5 * width, 0.5 * height], np.float32))   # normalized to [-1, 1]
    # grid_sample with align_corners=False and nearest neighbour (round half to even)
    col = np.rint(((grid[..., 0] + 1) * width - 1) / 2).astype(np.int64)
    row = np.rint(((grid[..., 1] + 1) * height - 1) / 2).astype(np.int64)
    inside = (col >= 0) & (col < width) & (row >= 0) & (row < height)
    sampled = array[..., np.where(inside, row, 0), np.where(inside, col, 0)]
    channels = 1 if array.ndim == 2 else array.shape[-3]
    fills = np.asarray(fill if fill is not None else 0, np.float64).reshape(-1)
    if len(fills) not in (1, channels):
        raise ValueError(f"rotate: fill has {len(fills)} values for an image of {channels} channels")
    fills = fills.astype(array.dtype).reshape((-1, 1, 1) if array.ndim > 2 else (1, 1))
    return _like(np.where(inside, sampled, fills), img)

def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=None):
    """Rotate counter-clockwise by `angle` degrees about `center` ((x, y) pixels, default the image center);
    with `expand` the output grows to hold the whole rotated image; uncovered pixels get `fill`."""
    check_image(img, "rotate")
    interpolation = interpolation_mode(interpolation, "rotate")
    if not isinstance(angle, numbers.Number) or isinstance(angle, bool):
        raise TypeError(f"rotate: angle should be a number, got {type(angle).__name__}")
    if center is not None and (not isinstance(center, (tuple, list)) or len(center) != 2):
        raise ValueError(f"rotate: center should be a sequence of length 2, got {center!r}")
    if is_pil(img):
        options = {}
        if fill is not None:
            bands = len(img.getbands())
            values = list(fill) if isinstance(fill, (tuple, list)) else [fill]
            values = values * bands if len(values) == 1 else values
            if len(values) != bands:
                raise ValueError(f"rotate: fill has {len(values)} values for an image of {bands} channels")
            values = values if img.mode == "F" else [int(v) for v in values]
            options["fillcolor"] = tuple(values) if bands > 1 else values[0]
        return img.rotate(angle, PIL_FILTERS[interpolation], expand, center, **options)
    if interpolation is not InterpolationMode.NEAREST:
        raise NotImplementedError(f"rotate: interpolation {interpolation} is not supported for Tensor images; "
                                  "use InterpolationMode.NEAREST")
    return _rotate_tensor(img, float(angle), expand, center, fill)

def setup_size(size, op):
    """(height, width) from an int or a 1- or 2-sequence of ints."""
    if isinstance(size, numbers.Number) and not isinstance(size, bool):
        return int(size), int(size)
    if isinstance(size, (tuple, list)) and len(size) == 1:
        return size[0], size[0]
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise ValueError(f"{op}: Please provide only two dimensions (h, w) for size, got {size!r}")
    return tuple(size)
