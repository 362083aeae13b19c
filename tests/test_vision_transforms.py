"""tinygrad_pool.vision.transforms and utils: torchvision's values, on PIL images (when Pillow is installed) and on
Tensor images, against plain-loop references, hypothesis properties and PyTorch's own kernels where it is
installed; seeded randomness; bad arguments; make_grid and save_image (a PNG decoded back)."""
import io
import math
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_pool as tp
from tinygrad_pool.vision import transforms as T, utils
from tinygrad_pool.vision.png import encode_png
from tinygrad_pool.vision.transforms import functional as F
from conftest import assert_bad_input, examples

try:
    from PIL import Image
except ImportError:
    Image = None

needs_pil = pytest.mark.skipif(Image is None, reason="needs Pillow")

def image_array(shape, seed=0, dtype=np.uint8):
    return np.random.default_rng(seed).integers(0, 256, shape).astype(dtype)

def chw(array):
    """An (H, W, C) array as a (C, H, W) Tensor."""
    return tp.tensor(np.ascontiguousarray(array.transpose(2, 0, 1)))

# ToTensor, PILToTensor, Normalize

def test_to_tensor_scales_uint8_by_255_in_float32():
    pixels = image_array((4, 5, 3))
    out = T.ToTensor()(pixels)
    assert out.dtype == "float32" and out.shape == (3, 4, 5)
    expected = np.empty((3, 4, 5), np.float32)
    for c in range(3):
        for y in range(4):
            for x in range(5):
                expected[c, y, x] = np.float32(pixels[y, x, c]) / np.float32(255)
    np.testing.assert_array_equal(out.numpy(), expected)
    assert T.ToTensor()(pixels[:, :, 0]).shape == (1, 4, 5)
    floats = np.full((2, 2, 1), 7.0)
    assert T.ToTensor()(floats).dtype == "float64" and T.ToTensor()(floats).numpy().max() == 7.0   # unscaled

@needs_pil
def test_to_tensor_and_pil_to_tensor_on_pil_images():
    pixels = image_array((4, 5, 3))
    image = Image.fromarray(pixels)
    np.testing.assert_array_equal(T.ToTensor()(image).numpy(), T.ToTensor()(pixels).numpy())
    raw = T.PILToTensor()(image)
    assert raw.dtype == "uint8" and raw.numpy().tolist() == pixels.transpose(2, 0, 1).tolist()
    assert T.ToTensor()(image.convert("1")).numpy().max() == 1.0

def test_to_tensor_matches_torch():
    torch = pytest.importorskip("torch")
    pixels = image_array((6, 7, 3), 1)
    expected = torch.from_numpy(pixels).permute(2, 0, 1).contiguous().to(torch.float32).div(255).numpy()
    np.testing.assert_array_equal(T.ToTensor()(pixels).numpy(), expected)

@pytest.mark.parametrize("pic, error, message", [
    ([1, 2], TypeError, "pic should be PIL Image or ndarray"),
    (np.zeros((1, 2, 3, 4), np.uint8), ValueError, "pic should be 2/3 dimensional. Got 4 dimensions"),
])
def test_to_tensor_rejects(pic, error, message):
    with pytest.raises(error, match=message):
        T.ToTensor()(pic)

def test_normalize_matches_torch_and_can_work_in_place():
    x = T.ToTensor()(image_array((4, 4, 3)))
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    out = T.Normalize(mean, std)(x)
    expected = (x.numpy() - np.array(mean, np.float32)[:, None, None]) / np.array(std, np.float32)[:, None, None]
    np.testing.assert_array_equal(out.numpy(), expected)
    same = T.Normalize(mean, std, inplace=True)(x)
    assert same is x and np.array_equal(x.numpy(), expected)
    assert T.Normalize((0.1307,), (0.3081,))(tp.rand(2, 1, 3, 3)).shape == (2, 1, 3, 3)
    torch = pytest.importorskip("torch")
    t = torch.from_numpy(T.ToTensor()(image_array((4, 4, 3), 3)).numpy())
    theirs = t.sub(torch.tensor(mean).view(-1, 1, 1)).div(torch.tensor(std).view(-1, 1, 1)).numpy()
    np.testing.assert_array_equal(T.Normalize(mean, std)(tp.tensor(t.numpy())).numpy(), theirs)

def test_normalize_keeps_the_graph():
    x = tp.rand(3, 2, 2, requires_grad=True)
    T.Normalize([0.5] * 3, [0.25] * 3)(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((3, 2, 2), 4.0))
    x64 = tp.tensor(np.random.default_rng(0).random((2, 3, 2, 2)), requires_grad=True)
    assert tp.gradcheck(lambda t: T.Normalize((0.1, 0.2, 0.3), (0.5, 2.0, 4.0))(t), [x64])

def test_non_antialiased_tensor_resize_keeps_the_graph():
    x64 = tp.tensor(np.random.default_rng(0).random((1, 4, 5)), requires_grad=True)
    assert tp.gradcheck(lambda t: T.Resize((3, 7), antialias=False)(t), [x64])

@pytest.mark.parametrize("tensor, mean, std, error, message", [
    (tp.zeros(3, 2, 2, dtype=tp.uint8), [0], [1], TypeError, "Input tensor should be a float tensor. Got uint8"),
    (tp.zeros(2, 2), [0], [1], ValueError, r"tensor image of size \(..., C, H, W\). Got tensor.size\(\) = \(2, 2\)"),
    (tp.zeros(3, 2, 2), [0], [0.0], ValueError, "std evaluated to zero after conversion to float32"),
    (tp.zeros(3, 2, 2), [0, 0], [1], ValueError, "mean has 2 values for an image of 3 channels"),
    (np.zeros((3, 2, 2)), [0], [1], TypeError, "img should be Tensor Image"),
])
def test_normalize_rejects(tensor, mean, std, error, message):
    with pytest.raises(error, match=message):
        T.Normalize(mean, std)(tensor)

def test_compose_and_lambda():
    pipeline = T.Compose([T.ToTensor(), T.Lambda(lambda t: t * 2)])
    assert pipeline(np.full((1, 1), 255, np.uint8)).item() == 2.0
    assert "ToTensor()" in repr(pipeline)
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        T.Lambda(3)

# Resize

def bilinear_reference(a, out_h, out_w, antialias):
    """PyTorch's (antialiased) bilinear resampling with align_corners=False, as plain loops over one plane."""
    def taps(in_size, out_size, i):
        scale = in_size / out_size
        if not antialias:
            src = max(scale * (i + 0.5) - 0.5, 0.0)
            low = min(int(math.floor(src)), in_size - 1)
            high, frac = min(low + 1, in_size - 1), src - low
            return {low: 1.0} if high == low else {low: 1 - frac, high: frac}
        support = scale if scale >= 1 else 1.0
        center = scale * (i + 0.5)
        weights = {}
        for j in range(max(int(center - support + 0.5), 0), min(int(center + support + 0.5), in_size)):
            weights[j] = max(0.0, 1 - abs((j - center + 0.5) / max(scale, 1.0)))
        total = sum(weights.values())
        return {j: w / total for j, w in weights.items()}
    out = np.zeros((out_h, out_w))
    for y in range(out_h):
        for x in range(out_w):
            out[y, x] = sum(wy * wx * a[j, i] for j, wy in taps(a.shape[0], out_h, y).items()
                            for i, wx in taps(a.shape[1], out_w, x).items())
    return out

@pytest.mark.parametrize("size, expected", [(4, (4, 6)), ([4], (4, 6)), ((5, 3), (5, 3)), (10, (10, 15))])
def test_resize_sizes(size, expected):
    assert T.Resize(size)(tp.rand(3, 8, 12)).shape == (3,) + expected
    assert T.Resize(size)(tp.rand(2, 3, 12, 8)).shape[-2:] == expected[::-1] if isinstance(size, int) else True

def test_resize_max_size_and_an_unchanged_size_returns_the_image():
    x = tp.rand(1, 10, 40)
    assert T.Resize(5, max_size=12)(x).shape == (1, 3, 12)
    assert T.Resize(10)(x) is x
    with pytest.raises(ValueError, match="max_size = 5 must be strictly greater"):
        T.Resize(5, max_size=5)(x)

@examples(25)
@given(st.integers(1, 9), st.integers(1, 9), st.integers(1, 9), st.integers(1, 9), st.booleans())
def test_tensor_bilinear_resize_matches_the_reference(in_h, in_w, out_h, out_w, antialias):
    a = np.random.default_rng(in_h * 10 + in_w).random((in_h, in_w)).astype(np.float32)
    out = T.Resize((out_h, out_w), antialias=antialias)(tp.tensor(a[None]))
    if (out_h, out_w) != (in_h, in_w):
        np.testing.assert_allclose(out.numpy()[0], bilinear_reference(a, out_h, out_w, antialias), atol=1e-5)

@pytest.mark.parametrize("antialias", [True, False])
def test_tensor_resize_matches_torch_interpolate(antialias):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).random((2, 3, 17, 23)).astype(np.float32)
    for size in ((6, 9), (30, 11)):
        expected = torch.nn.functional.interpolate(torch.from_numpy(x), size=size, mode="bilinear",
                                                   align_corners=False, antialias=antialias).numpy()
        np.testing.assert_allclose(T.Resize(size, antialias=antialias)(tp.tensor(x)).numpy(), expected, atol=2e-6)
    pixels = image_array((3, 17, 23))
    ours = T.Resize((6, 9), antialias=antialias)(tp.tensor(pixels))
    theirs = torch.nn.functional.interpolate(torch.from_numpy(pixels[None]).float(), size=(6, 9), mode="bilinear",
                                             align_corners=False, antialias=antialias).round().to(torch.uint8)
    assert ours.dtype == "uint8" and np.abs(ours.numpy().astype(int) - theirs.numpy()[0]).max() <= 1
    nearest = T.Resize((6, 9), interpolation=T.InterpolationMode.NEAREST)(tp.tensor(x))
    np.testing.assert_array_equal(nearest.numpy(), torch.nn.functional.interpolate(torch.from_numpy(x), (6, 9)).numpy())

@needs_pil
def test_pil_resize_is_pillows_bilinear_of_the_computed_size():
    image = Image.fromarray(image_array((8, 12, 3)))
    out = T.Resize(4)(image)
    assert out.size == (6, 4)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(image.resize((6, 4), Image.BILINEAR)))

@pytest.mark.parametrize("args, error, message", [
    (("4",), TypeError, "Size should be int or sequence"),
    (((1, 2, 3),), ValueError, "it should have 1 or 2 values"),
    ((0,), ValueError, "size must hold positive ints"),
    ((4, "bilinear"), TypeError, "interpolation should be an InterpolationMode"),
])
def test_resize_rejects(args, error, message):
    with pytest.raises(error, match=message):
        T.Resize(*args)

# Crops, flips, padding

def crop_reference(a, top, left, h, w):
    out = np.zeros(a.shape[:-2] + (h, w), a.dtype)
    for y in range(h):
        for x in range(w):
            if 0 <= top + y < a.shape[-2] and 0 <= left + x < a.shape[-1]:
                out[..., y, x] = a[..., top + y, left + x]
    return out

@examples(30)
@given(st.integers(1, 7), st.integers(1, 7), st.integers(1, 9), st.integers(1, 9))
def test_center_crop_matches_torchvisions_rounding_and_padding(h, w, th, tw):
    a = image_array((3, h, w), h * 7 + w)
    out = T.CenterCrop((th, tw))(tp.tensor(a)).numpy()
    pad_top = (th - h) // 2 if th > h else 0
    pad_left = (tw - w) // 2 if tw > w else 0
    ph, pw = max(h, th), max(w, tw)
    top, left = int(round((ph - th) / 2.0)), int(round((pw - tw) / 2.0))
    np.testing.assert_array_equal(out, crop_reference(a, top - pad_top, left - pad_left, th, tw))
    if Image is not None:
        pil = T.CenterCrop((th, tw))(Image.fromarray(a.transpose(1, 2, 0)))
        np.testing.assert_array_equal(np.asarray(pil).transpose(2, 0, 1), out)

def pad_reference(a, left, top, right, bottom, mode, fill):
    """Each output pixel's source by the definition of each mode."""
    h, w = a.shape[-2:]

    def source(i, n):
        if mode == "edge":
            return min(max(i, 0), n - 1)
        if mode == "reflect":
            period = 2 * (n - 1) if n > 1 else 1
            i = i % period
            return i if i < n else period - i
        period = 2 * n   # symmetric
        i = i % period
        return i if i < n else period - 1 - i
    out = np.full(a.shape[:-2] + (h + top + bottom, w + left + right), fill, a.dtype)
    for y in range(out.shape[-2]):
        for x in range(out.shape[-1]):
            sy, sx = y - top, x - left
            if mode != "constant":
                out[..., y, x] = a[..., source(sy, h), source(sx, w)]
            elif 0 <= sy < h and 0 <= sx < w:
                out[..., y, x] = a[..., sy, sx]
    return out

@examples(40)
@given(st.integers(2, 6), st.integers(2, 6), st.lists(st.integers(0, 5), min_size=4, max_size=4),
       st.sampled_from(["constant", "edge", "reflect", "symmetric"]), st.integers(0, 255))
def test_pad_matches_the_reference_on_tensors_and_pil(h, w, padding, mode, fill):
    if mode == "reflect":
        padding = [min(p, n - 1) for p, n in zip(padding, (w, h, w, h))]
    a = image_array((3, h, w), h + w)
    out = T.Pad(padding, fill=fill, padding_mode=mode)(tp.tensor(a)).numpy()
    np.testing.assert_array_equal(out, pad_reference(a, *padding, mode, fill))
    if Image is not None:
        pil = T.Pad(padding, fill=fill, padding_mode=mode)(Image.fromarray(a.transpose(1, 2, 0)))
        np.testing.assert_array_equal(np.asarray(pil).transpose(2, 0, 1), out)

def test_pad_forms_of_padding_fill_per_channel_and_negative_padding():
    a = image_array((1, 3, 4))
    assert T.Pad(1)(tp.tensor(a)).shape == (1, 5, 6) and T.Pad((1, 2))(tp.tensor(a)).shape == (1, 7, 6)
    np.testing.assert_array_equal(T.Pad([-1, 0, 0, -1])(tp.tensor(a)).numpy(), a[:, :2, 1:])
    if Image is not None:
        rgb = T.Pad(1, fill=(10, 20, 30))(Image.fromarray(image_array((2, 2, 3))))
        assert np.asarray(rgb)[0, 0].tolist() == [10, 20, 30]

def test_pad_matches_torch_pad_modes():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).random((2, 3, 5, 6)).astype(np.float32)
    for mode, torch_mode in (("edge", "replicate"), ("reflect", "reflect"), ("constant", "constant")):
        expected = torch.nn.functional.pad(torch.from_numpy(x), (1, 3, 2, 4), mode=torch_mode).numpy()
        np.testing.assert_array_equal(T.Pad((1, 2, 3, 4), padding_mode=mode)(tp.tensor(x)).numpy(), expected)

@pytest.mark.parametrize("args, error, message", [
    (("1",), TypeError, "Got inappropriate padding arg"),
    (((1, 2, 3),), ValueError, "Padding must be an int or a 1, 2, or 4 element tuple, not a 3 element tuple"),
    ((1, "red"), TypeError, "Got inappropriate fill arg"),
    ((1, 0, "wrap"), ValueError, "Padding mode should be either constant, edge, reflect or symmetric"),
])
def test_pad_rejects(args, error, message):
    with pytest.raises(error, match=message):
        T.Pad(*args)

def test_reflect_padding_must_be_smaller_than_the_image():
    with pytest.raises(ValueError, match="reflect padding 3 must be smaller than the image size"):
        T.Pad(3, padding_mode="reflect")(tp.zeros(1, 3, 3))

def test_random_crop_is_seeded_and_pads_as_asked():
    a = image_array((3, 8, 8))
    crop = T.RandomCrop(5, padding=2)
    tp.manual_seed(3)
    first = [crop(tp.tensor(a)).numpy() for _ in range(4)]
    tp.manual_seed(3)
    again = [crop(tp.tensor(a)).numpy() for _ in range(4)]
    assert all(np.array_equal(x, y) for x, y in zip(first, again))
    assert not all(np.array_equal(first[0], x) for x in first[1:])
    padded = np.pad(a, ((0, 0), (2, 2), (2, 2)))
    windows = {padded[:, i:i + 5, j:j + 5].tobytes() for i in range(8) for j in range(8)}
    assert all(x.tobytes() in windows for x in first)
    assert T.RandomCrop((6, 10), pad_if_needed=True)(tp.tensor(a)).shape == (3, 6, 10)
    with pytest.raises(ValueError, match=r"Required crop size \(9, 9\) is larger than input image size \(8, 8\)"):
        T.RandomCrop(9)(tp.tensor(a))
    if Image is not None:
        tp.manual_seed(3)
        pil = T.RandomCrop(5, padding=2)(Image.fromarray(a.transpose(1, 2, 0)))
        np.testing.assert_array_equal(np.asarray(pil).transpose(2, 0, 1), first[0])

def test_random_horizontal_flip():
    a = image_array((2, 3, 4, 5))
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(tp.tensor(a)).numpy(), a[..., ::-1])
    assert T.RandomHorizontalFlip(0.0)(tp.tensor(a)).numpy().tolist() == a.tolist()
    tp.manual_seed(0)
    flips = [T.RandomHorizontalFlip()(tp.tensor(a)).numpy()[0, 0, 0, 0] != a[0, 0, 0, 0] for _ in range(200)]
    assert 60 < sum(flips) < 140
    if Image is not None:
        image = Image.fromarray(a[0].transpose(1, 2, 0))
        np.testing.assert_array_equal(np.asarray(T.RandomHorizontalFlip(1.0)(image)), np.asarray(image)[:, ::-1])
    with pytest.raises(ValueError, match=r"p must be a probability in \[0, 1\], got 2"):
        T.RandomHorizontalFlip(2)

# Grayscale

def test_tensor_grayscale_is_torchvisions_weighted_sum_truncated_to_the_dtype():
    a = image_array((3, 4, 5))
    out = T.Grayscale()(tp.tensor(a))
    f = a.astype(np.float32)
    expected = (np.float32(0.2989) * f[0] + np.float32(0.587) * f[1] + np.float32(0.114) * f[2]).astype(np.uint8)
    assert out.shape == (1, 4, 5) and out.numpy()[0].tolist() == expected.tolist()
    assert T.Grayscale(3)(tp.tensor(a)).shape == (3, 4, 5)
    torch = pytest.importorskip("torch")
    r, g, b = torch.from_numpy(a).unbind(dim=-3)
    np.testing.assert_array_equal(out.numpy()[0], (0.2989 * r + 0.587 * g + 0.114 * b).to(torch.uint8).numpy())

@needs_pil
def test_pil_grayscale_is_pillows_conversion():
    image = Image.fromarray(image_array((4, 5, 3)))
    assert np.array_equal(np.asarray(T.Grayscale()(image)), np.asarray(image.convert("L")))
    three = T.Grayscale(3)(image)
    assert three.mode == "RGB" and np.array_equal(np.asarray(three)[:, :, 2], np.asarray(image.convert("L")))

def test_grayscale_rejects():
    with pytest.raises(ValueError, match="num_output_channels should be either 1 or 3"):
        T.Grayscale(2)
    with pytest.raises(TypeError, match="permitted channel values are \\[1, 3\\], but found 4"):
        T.Grayscale()(tp.zeros(4, 2, 2))

# Rotation

@pytest.mark.parametrize("size", [(5, 5), (4, 6), (6, 4), (7, 3)])
def test_rotating_by_quarter_turns_permutes_pixels(size):
    a = image_array((2,) + size)
    out = F.rotate(tp.tensor(a), 90.0, expand=True).numpy()
    np.testing.assert_array_equal(out, np.rot90(a, 1, axes=(1, 2)))
    np.testing.assert_array_equal(F.rotate(tp.tensor(a), 180.0).numpy(), a[:, ::-1, ::-1])
    if Image is not None:
        np.testing.assert_array_equal(np.asarray(F.rotate(Image.fromarray(a[0]), 90.0, expand=True)),
                                      np.rot90(a[0]))

def test_expanded_size_follows_torchvision_where_it_differs_from_pillow():
    """torchvision shifts the rotated corners by the input's half sizes: a 90 degree turn of a 7x4 image then
    spans 8x5 pixels (Pillow: 4x7)."""
    assert F.rotate(tp.zeros(1, 7, 4), 90.0, expand=True).shape == (1, 5, 8)

def torchvision_rotate(torch, x, angle, fill):
    """The same rotation through torch's affine grid sampling: the inverse rotation about the image center,
    grid_sample with nearest neighbours, align_corners=False, out-of-image pixels set to fill."""
    n, c, h, w = x.shape
    rot = math.radians(-angle)
    theta = torch.tensor([[math.cos(rot), math.sin(rot), 0.0], [-math.sin(rot), math.cos(rot), 0.0]])
    xs = torch.linspace(-w * 0.5 + 0.5, w * 0.5 - 0.5, w)
    ys = torch.linspace(-h * 0.5 + 0.5, h * 0.5 - 0.5, h)
    base = torch.stack(torch.meshgrid(xs, ys, indexing="xy") + (torch.ones(h, w),), -1)
    grid = (base.view(1, h * w, 3) @ (theta.T / torch.tensor([0.5 * w, 0.5 * h]))).view(1, h, w, 2)
    mask = torch.ones(n, 1, h, w)
    sampled = torch.nn.functional.grid_sample(torch.cat([x, mask], 1), grid.expand(n, h, w, 2), mode="nearest",
                                              padding_mode="zeros", align_corners=False)
    img, mask = sampled[:, :c], sampled[:, c:]
    return img * mask + (1 - mask) * fill

@pytest.mark.parametrize("angle", [17.0, -33.5, 45.0, 123.0])
def test_tensor_rotation_matches_torch_grid_sampling(angle):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).random((2, 3, 9, 12)).astype(np.float32)
    expected = torchvision_rotate(torch, torch.from_numpy(x), angle, 0.5).numpy()
    np.testing.assert_array_equal(F.rotate(tp.tensor(x), angle, fill=0.5).numpy(), expected)

def test_random_rotation_is_seeded_and_checks_its_arguments():
    a = image_array((1, 9, 9))
    tp.manual_seed(5)
    first = T.RandomRotation(40)(tp.tensor(a)).numpy()
    tp.manual_seed(5)
    assert np.array_equal(T.RandomRotation(40)(tp.tensor(a)).numpy(), first)
    assert T.RandomRotation((10, 10), expand=True)(tp.tensor(a)).shape == (1, 11, 11)
    with pytest.raises(ValueError, match="If degrees is a single number, it must be positive"):
        T.RandomRotation(-1)
    with pytest.raises(ValueError, match="If degrees is a sequence, it must be of len 2"):
        T.RandomRotation([1, 2, 3])
    with pytest.raises(NotImplementedError, match="interpolation InterpolationMode.BILINEAR is not supported"):
        T.RandomRotation(5, interpolation=T.InterpolationMode.BILINEAR)(tp.tensor(a))

@needs_pil
def test_pil_rotation_is_pillows_with_the_fill():
    image = Image.fromarray(image_array((9, 9, 3)))
    tp.manual_seed(1)
    out = T.RandomRotation(30, fill=7)(image)
    tp.manual_seed(1)
    angle = T.RandomRotation.get_params([-30.0, 30.0])
    assert np.array_equal(np.asarray(out), np.asarray(image.rotate(angle, Image.NEAREST, fillcolor=(7, 7, 7))))

def test_transforms_reject_other_inputs():
    for transform in (T.CenterCrop(2), T.Pad(1), T.RandomHorizontalFlip(), T.Grayscale(), T.RandomRotation(3),
                      T.Resize(2)):
        with pytest.raises(TypeError, match="img should be PIL Image or Tensor"):
            transform([[1, 2], [3, 4]])

# make_grid, save_image, the PNG encoder

def test_make_grid_layout_matches_torchvision():
    images = tp.tensor(np.arange(5 * 3 * 2 * 2, dtype=np.float32).reshape(5, 3, 2, 2))
    grid = utils.make_grid(images, nrow=2, padding=1, pad_value=-1).numpy()
    assert grid.shape == (3, 3 * 3 + 1, 2 * 3 + 1)
    np.testing.assert_array_equal(grid[:, 1:3, 4:6], images.numpy()[1])
    np.testing.assert_array_equal(grid[:, 7:9, 1:3], images.numpy()[4])
    assert (grid[:, 7:9, 4:6] == -1).all() and (grid[:, 0, :] == -1).all()
    assert utils.make_grid(tp.rand(1, 2, 2)).shape == (3, 2, 2)   # one image: no padding, gray to RGB
    assert utils.make_grid([tp.rand(1, 2, 2)] * 3, padding=0).shape == (3, 2, 6)

def test_make_grid_normalize():
    x = tp.tensor(np.array([[[[0.0, 2.0]]], [[[4.0, 8.0]]]], np.float32))
    np.testing.assert_allclose(utils.make_grid(x, normalize=True, padding=0).numpy()[0], [[0, 0.25, 0.5, 1]])
    each = utils.make_grid(x, normalize=True, scale_each=True, padding=0).numpy()[0]
    np.testing.assert_allclose(each, [[0, 1, 0, 1]])
    ranged = utils.make_grid(x, normalize=True, value_range=(2, 4), padding=0).numpy()[0]
    np.testing.assert_allclose(ranged, [[0, 0, 1, 1]])
    with pytest.raises(TypeError, match=r"value_range has to be a tuple \(min, max\)"):
        utils.make_grid(x, normalize=True, value_range=[0, 1])

def test_make_grid_matches_torch_formulas():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).normal(size=(3, 3, 4, 4)).astype(np.float32)
    t = torch.from_numpy(x).clone()
    low, high = float(t.min()), float(t.max())
    expected = t.clamp(low, high).sub(low).div(max(high - low, 1e-5)).numpy()
    np.testing.assert_array_equal(utils.make_grid(tp.tensor(x), normalize=True, padding=0).numpy(),
                                  np.concatenate(list(expected), axis=2))

def decode_png(data):
    """The pixels of an 8-bit, unfiltered-or-not PNG, decoded by the definition (filters 0-4)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        assert struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0] == zlib.crc32(kind + body)
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    channels = {0: 1, 2: 3, 6: 4}[color]
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            p = left + up - corner
            paeth = min((abs(p - left), left), (abs(p - up), up), (abs(p - corner), corner))[1]
            line[i] = (line[i] + [0, left, up, (left + up) // 2, paeth][kind]) % 256
        rows.append(bytes(line))
        previous = line
    assert depth == 8 and b"IEND" in chunks
    return np.frombuffer(b"".join(rows), np.uint8).reshape(height, width, channels)

@pytest.mark.parametrize("channels", [1, 3, 4])
def test_the_png_encoder_round_trips(channels):
    pixels = image_array((5, 7, channels))
    np.testing.assert_array_equal(decode_png(encode_png(pixels)), pixels)
    if Image is not None:
        np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(encode_png(pixels)))).reshape(pixels.shape),
                                      pixels)

@pytest.mark.parametrize("pillow", [True, False])
def test_save_image_writes_a_png_rounded_as_torchvision(tmp_path, monkeypatch, pillow):
    if pillow and Image is None:
        pytest.skip("needs Pillow")
    if not pillow:
        monkeypatch.setattr(utils, "Image", None)
    x = tp.tensor(np.array([[[[0.0, 0.5, 1.0, 0.2]]], [[[1.5, -1.0, 0.999, 0.001]]]], np.float32))
    utils.save_image(x, tmp_path / "grid.png", padding=1, pad_value=1.0)
    pixels = decode_png((tmp_path / "grid.png").read_bytes())
    expected = np.clip(utils.make_grid(x, padding=1, pad_value=1.0).numpy() * 255 + 0.5, 0, 255).astype(np.uint8)
    assert pixels.shape == (3, 11, 3)
    np.testing.assert_array_equal(pixels, expected.transpose(1, 2, 0))
    assert pixels[1, 1:5, 0].tolist() == [0, 128, 255, 51]
    buffer = io.BytesIO()
    utils.save_image(x[0], buffer, format="png")
    assert decode_png(buffer.getvalue()).shape == (1, 4, 3)
    if not pillow:
        with pytest.raises(ValueError, match="format 'JPEG' needs Pillow"):
            utils.save_image(x, tmp_path / "grid.jpg", format="JPEG")
        with pytest.raises(ValueError, match="cannot tell the image format"):
            utils.save_image(x, tmp_path / "grid.jpg")

# ToPILImage and to_pil_image
def pixels_of(image):
    """A PIL image's pixels, read one by one: (H, W) or (H, W, bands)."""
    rows = [[image.getpixel((x, y)) for x in range(image.width)] for y in range(image.height)]
    return np.array(rows)

@needs_pil
@given(channels=st.integers(1, 4), height=st.integers(1, 5), width=st.integers(1, 5), seed=st.integers(0, 2**31),
       as_tensor=st.booleans())
@examples(40)
def test_to_pil_image_keeps_every_uint8_pixel(channels, height, width, seed, as_tensor):
    pixels = image_array((height, width, channels), seed)
    image = T.ToPILImage()(chw(pixels) if as_tensor else pixels)
    assert image.mode == {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[channels] and image.size == (width, height)
    expected = pixels[:, :, 0] if channels == 1 else pixels
    np.testing.assert_array_equal(pixels_of(image), expected)
    np.testing.assert_array_equal(T.PILToTensor()(image).numpy(), pixels.transpose(2, 0, 1))

@needs_pil
def test_to_pil_image_scales_floats_and_infers_modes_as_torchvision():
    values = np.random.default_rng(3).random((3, 4, 5)).astype(np.float32)
    image = F.to_pil_image(tp.tensor(values))
    expected = np.empty((4, 5, 3), np.uint8)
    for c, y, x in np.ndindex(3, 4, 5):
        expected[y, x, c] = int(values[c, y, x] * 255)   # scaled and cut, not rounded
    assert image.mode == "RGB"
    np.testing.assert_array_equal(pixels_of(image), expected)
    gray = F.to_pil_image(tp.tensor(values[:1]), mode="F")
    assert gray.mode == "F"
    np.testing.assert_allclose(pixels_of(gray), values[0], rtol=1e-7)
    assert F.to_pil_image(tp.tensor(values[0])).mode == "L"
    assert F.to_pil_image(np.arange(6, dtype=np.int32).reshape(2, 3)).mode == "I"
    sixteen = F.to_pil_image(np.arange(6, dtype=np.int16).reshape(2, 3) * 1000)
    assert sixteen.mode == "I;16"
    np.testing.assert_array_equal(pixels_of(sixteen), np.arange(6).reshape(2, 3) * 1000)
    for mode, channels in (("YCbCr", 3), ("HSV", 3), ("CMYK", 4), ("RGBX", 4), ("LA", 2)):
        pixels = image_array((2, 3, channels), channels)
        image = T.ToPILImage(mode)(pixels)
        assert image.mode == mode
        np.testing.assert_array_equal(np.asarray(image), pixels)
    round_trip = T.ToTensor()(T.ToPILImage()(tp.tensor(np.array([[[0.0, 0.5, 1.0]]], np.float32))))
    np.testing.assert_allclose(round_trip.numpy(), [[[0.0, 127 / 255, 1.0]]], rtol=1e-6)
    assert repr(T.ToPILImage()) == "ToPILImage()" and repr(T.ToPILImage("RGB")) == "ToPILImage(mode=RGB)"

TO_PIL_BAD = {
    "a list": (lambda: F.to_pil_image([[1, 2]]), TypeError, "pic should be Tensor or ndarray"),
    "a 4-d tensor": (lambda: F.to_pil_image(tp.rand(1, 3, 2, 2)), ValueError, "2/3 dimensional, got 4"),
    "5 channels": (lambda: F.to_pil_image(image_array((2, 2, 5))), ValueError, "at most 4 channels, got 5"),
    "mode RGB for 4 channels": (lambda: F.to_pil_image(image_array((2, 2, 4)), "RGB"), ValueError,
                                "mode 'RGB' does not fit 4 channels"),
    "mode F for float64": (lambda: F.to_pil_image(np.zeros((2, 2), np.float64), "F"), ValueError,
                                     "mode 'F' does not fit a single channel of float64"),
    "mode RGB for one channel": (lambda: F.to_pil_image(image_array((2, 2, 1)), "RGB"), ValueError,
                                 "use 'L'"),
    "an int64 channel": (lambda: F.to_pil_image(tp.tensor([[1, 2]])), TypeError, "int64 is not supported"),
    "two int32 channels": (lambda: F.to_pil_image(np.zeros((2, 2, 2), np.int32)), TypeError,
                           "int32 is not supported"),
}

@needs_pil
@pytest.mark.parametrize("case", TO_PIL_BAD)
def test_to_pil_image_names_bad_input(case):
    assert_bad_input(case, TO_PIL_BAD)
