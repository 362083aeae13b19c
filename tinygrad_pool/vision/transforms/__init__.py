"""torchvision.transforms: callables that take a PIL image or a Tensor image (C, H, W) / (N, C, H, W) and return
one of the same kind, with torchvision's arguments, defaults and values. Random transforms draw from
`tinygrad_pool.seeding`, so `tinygrad_pool.manual_seed` reproduces them."""
import enum
import numbers

from ...arguments import check_bool
from ...seeding import generator
from . import functional
from .functional import InterpolationMode, check_padding, interpolation_mode, setup_size

def _format(value):
    return value.value if isinstance(value, enum.Enum) else repr(value)

class Transform:
    """Gives each transform a repr built from the constructor arguments it stores."""
    shown = ()

    def __repr__(self):
        return f"{type(self).__name__}(" + ", ".join(f"{n}={_format(getattr(self, n))}" for n in self.shown) + ")"

class Compose(Transform):
    def __init__(self, transforms):
        self.transforms = list(transforms)
        for i, t in enumerate(self.transforms):
            if not callable(t):
                raise TypeError(f"Compose: transform {i} is a {type(t).__name__}, which is not callable")

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        return "Compose(\n" + "".join(f"    {t!r}\n" for t in self.transforms) + ")"

class ToTensor(Transform):
    """PIL image or (H, W[, C]) uint8 ndarray -> float32 (C, H, W) Tensor in [0, 1]."""
    def __call__(self, pic):
        return functional.to_tensor(pic)

class PILToTensor(Transform):
    """PIL image -> (C, H, W) Tensor of the image's dtype, unscaled."""
    def __call__(self, pic):
        return functional.pil_to_tensor(pic)

class ToPILImage(Transform):
    """Tensor (C, H, W) or ndarray (H, W, C) -> PIL image; see functional.to_pil_image for the modes."""
    def __init__(self, mode=None):
        self.mode = mode

    def __call__(self, pic):
        return functional.to_pil_image(pic, self.mode)

    def __repr__(self):
        return "ToPILImage()" if self.mode is None else f"ToPILImage(mode={self.mode})"

class Normalize(Transform):
    shown = ("mean", "std")

    def __init__(self, mean, std, inplace=False):
        self.mean, self.std, self.inplace = mean, std, check_bool(inplace, "inplace", "Normalize")

    def __call__(self, tensor):
        return functional.normalize(tensor, self.mean, self.std, self.inplace)

class Lambda(Transform):
    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Lambda: Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

class Resize(Transform):
    """An int resizes the shorter side to it (aspect ratio kept), (h, w) resizes to exactly that."""
    shown = ("size", "interpolation", "max_size", "antialias")

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        if not isinstance(size, (int, tuple, list)) or isinstance(size, bool):
            raise TypeError(f"Resize: Size should be int or sequence. Got {type(size)}")
        values = [size] if isinstance(size, int) else list(size)
        if len(values) not in (1, 2):
            raise ValueError(f"Resize: If size is a sequence, it should have 1 or 2 values, got {size!r}")
        if not all(type(v) is int and v > 0 for v in values):
            raise ValueError(f"Resize: size must hold positive ints, got {size!r}")
        if max_size is not None and (type(max_size) is not int or max_size < 1):
            raise TypeError(f"Resize: max_size must be a positive int or None, got {max_size!r}")
        self.size, self.max_size = size, max_size
        self.interpolation = interpolation_mode(interpolation, "Resize")
        self.antialias = check_bool(antialias, "antialias", "Resize")

    def __call__(self, img):
        return functional.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

class CenterCrop(Transform):
    shown = ("size",)

    def __init__(self, size):
        self.size = setup_size(size, "CenterCrop")

    def __call__(self, img):
        return functional.center_crop(img, self.size)

class Pad(Transform):
    shown = ("padding", "fill", "padding_mode")

    def __init__(self, padding, fill=0, padding_mode="constant"):
        check_padding(padding, fill, padding_mode, "Pad")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img):
        return functional.pad(img, self.padding, self.fill, self.padding_mode)

class RandomCrop(Transform):
    """Pad (optionally), then crop a (h, w) box at a uniformly drawn position."""
    shown = ("size", "padding")

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        self.size = setup_size(size, "RandomCrop")
        # fill and padding_mode are checked without padding too: pad_if_needed uses them
        check_padding(0 if padding is None else padding, fill, padding_mode, "RandomCrop")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode
        self.pad_if_needed = check_bool(pad_if_needed, "pad_if_needed", "RandomCrop")

    @staticmethod
    def get_params(img, output_size):
        """(top, left, height, width) of a random crop of `output_size`."""
        _, height, width = functional.get_dimensions(img)
        crop_height, crop_width = output_size
        if height < crop_height or width < crop_width:
            raise ValueError(f"RandomCrop: Required crop size {(crop_height, crop_width)} is larger than input "
                             f"image size {(height, width)}")
        if (height, width) == (crop_height, crop_width):
            return 0, 0, height, width
        top = int(generator().integers(0, height - crop_height + 1))
        left = int(generator().integers(0, width - crop_width + 1))
        return top, left, crop_height, crop_width

    def __call__(self, img):
        if self.padding is not None:
            img = functional.pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = functional.get_dimensions(img)
        if self.pad_if_needed and width < self.size[1]:
            img = functional.pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = functional.pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        return functional.crop(img, *self.get_params(img, self.size))

class RandomHorizontalFlip(Transform):
    shown = ("p",)

    def __init__(self, p=0.5):
        if not isinstance(p, numbers.Real) or isinstance(p, bool) or not 0 <= p <= 1:
            raise ValueError(f"RandomHorizontalFlip: p must be a probability in [0, 1], got {p!r}")
        self.p = p

    def __call__(self, img):
        functional.check_image(img, "RandomHorizontalFlip")
        return functional.hflip(img) if generator().random() < self.p else img

class Grayscale(Transform):
    shown = ("num_output_channels",)

    def __init__(self, num_output_channels=1):
        if num_output_channels not in (1, 3) or isinstance(num_output_channels, bool):
            raise ValueError(f"Grayscale: num_output_channels should be either 1 or 3, got {num_output_channels!r}")
        self.num_output_channels = num_output_channels

    def __call__(self, img):
        return functional.to_grayscale(img, self.num_output_channels)

class RandomRotation(Transform):
    """Rotate by an angle drawn uniformly from `degrees` ((-d, d) for a number d)."""
    shown = ("degrees", "interpolation", "expand", "fill")

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=0):
        if isinstance(degrees, numbers.Real) and not isinstance(degrees, bool):
            if degrees < 0:
                raise ValueError(f"RandomRotation: If degrees is a single number, it must be positive, got "
                                 f"{degrees!r}")
            degrees = (-degrees, degrees)
        elif not isinstance(degrees, (tuple, list)) or len(degrees) != 2:
            raise ValueError(f"RandomRotation: If degrees is a sequence, it must be of len 2, got {degrees!r}")
        self.degrees = [float(d) for d in degrees]
        self.interpolation = interpolation_mode(interpolation, "RandomRotation")
        self.expand = check_bool(expand, "expand", "RandomRotation")
        if center is not None and (not isinstance(center, (tuple, list)) or len(center) != 2):
            raise ValueError(f"RandomRotation: center should be a sequence of length 2, got {center!r}")
        if not isinstance(fill, (numbers.Number, tuple, list)) or isinstance(fill, bool):
            raise TypeError(f"RandomRotation: Fill should be either a sequence or a number, got {fill!r}")
        self.center, self.fill = center, fill

    @staticmethod
    def get_params(degrees):
        return float(generator().uniform(degrees[0], degrees[1]))

    def __call__(self, img):
        functional.check_image(img, "RandomRotation")
        angle = self.get_params(self.degrees)
        return functional.rotate(img, angle, self.interpolation, self.expand, self.center, self.fill)
