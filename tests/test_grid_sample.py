"""affine_grid and grid_sample: values against plain-loop references for every mode, padding mode and corner
alignment, gradients of the input, the grid and theta against float64 finite differences and PyTorch, special
values, a spatial transformer step, CPU against CUDA, and the argument checks."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F
from tinygrad_pool import Tensor, gradcheck
from conftest import assert_bad_input, examples

MODES = ("bilinear", "nearest", "bicubic")
PADDINGS = ("zeros", "border", "reflection")

# --- plain-loop references -------------------------------------------------------------------------------------
def pixel_position(coord, size, align_corners):
    return (coord + 1) / 2 * (size - 1) if align_corners else ((coord + 1) * size - 1) / 2

def padded(position, size, padding, align_corners):
    """Where a position outside the pixels reads: itself (zeros), the nearest pixel (border), or its mirror image
    across the image's edges (reflection: at the end pixels' centres with align_corners, else their outer edges)."""
    if padding == "reflection":
        low, high = (0.0, size - 1.0) if align_corners else (-0.5, size - 0.5)
        if high == low:
            return 0.0
        while position < low or position > high:   # fold back, one edge at a time
            position = 2 * low - position if position < low else 2 * high - position
    if padding != "zeros":
        position = min(max(position, 0.0), size - 1.0)
    return position

def read(image, row, column, padding, align_corners):
    height, width = image.shape
    row, column = padded(row, height, padding, align_corners), padded(column, width, padding, align_corners)
    if 0 <= row < height and 0 <= column < width:
        return image[int(row), int(column)]
    return 0.0

def cubic(t):
    """The four weights of the cubic convolution (a = -0.75) at fractional offset t."""
    a = -0.75
    near = lambda u: ((a + 2) * u - (a + 3)) * u * u + 1   # noqa: E731
    far = lambda u: ((a * u - 5 * a) * u + 8 * a) * u - 4 * a   # noqa: E731
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]

def sample_reference(image, x, y, mode, padding, align_corners):
    """One channel at one normalised position."""
    height, width = image.shape
    column, row = pixel_position(x, width, align_corners), pixel_position(y, height, align_corners)
    if mode == "bicubic":
        c0, r0 = math.floor(column), math.floor(row)
        wx, wy = cubic(column - c0), cubic(row - r0)
        return sum(wy[b] * wx[a] * read(image, r0 - 1 + b, c0 - 1 + a, padding, align_corners)
                   for b in range(4) for a in range(4))
    column, row = padded(column, width, padding, align_corners), padded(row, height, padding, align_corners)
    if mode == "nearest":
        return read(image, round(row), round(column), "zeros", align_corners)   # round() halves to even
    c0, r0 = math.floor(column), math.floor(row)
    tx, ty = column - c0, row - r0
    return sum(w * read(image, r, c, "zeros", align_corners) for w, r, c in
               (((1 - tx) * (1 - ty), r0, c0), (tx * (1 - ty), r0, c0 + 1), ((1 - tx) * ty, r0 + 1, c0),
                (tx * ty, r0 + 1, c0 + 1)))

def grid_sample_reference(x, grid, mode, padding, align_corners):
    n, c = x.shape[:2]
    out = np.empty((n, c) + grid.shape[1:3])
    for index in np.ndindex(*out.shape):
        b, channel, i, j = index
        out[index] = sample_reference(x[b, channel], grid[b, i, j, 0], grid[b, i, j, 1], mode, padding, align_corners)
    return out

def affine_grid_reference(theta, size, align_corners):
    spatial = size[2:]

    def centre(i, count):
        if count == 1:
            return 0.0
        return -1 + 2 * i / (count - 1) if align_corners else (2 * i + 1) / count - 1
    out = np.empty((size[0],) + tuple(spatial) + (len(spatial),))
    for index in np.ndindex(*out.shape[:-1]):
        point = [centre(i, count) for i, count in zip(index[1:], spatial)][::-1] + [1.0]   # (x, y[, z], 1)
        out[index] = theta[index[0]] @ np.array(point)
    return out

# --- grid_sample ---------------------------------------------------------------------------------------------
cases = st.fixed_dictionaries({
    "mode": st.sampled_from(MODES), "padding": st.sampled_from(PADDINGS), "align_corners": st.booleans(),
    "shape": st.sampled_from([(1, 1, 3, 4), (2, 3, 4, 4), (1, 2, 1, 5), (1, 1, 1, 1)]),
    "out": st.sampled_from([(1, 1), (3, 2), (4, 5)]), "spread": st.sampled_from([0.9, 1.5, 3.5]),
    "seed": st.integers(0, 2**31)})

def _problem(case, dtype=np.float64):
    rng = np.random.default_rng(case["seed"])
    x = rng.normal(size=case["shape"])
    grid = rng.uniform(-case["spread"], case["spread"], size=(case["shape"][0],) + case["out"] + (2,))
    grid.flat[0] = -1.0   # the corners themselves
    return x.astype(dtype), grid.astype(dtype)

@given(case=cases)
@examples(80)
def test_grid_sample_matches_the_reference(case):
    x, grid = _problem(case)
    out = F.grid_sample(Tensor(x), Tensor(grid), case["mode"], case["padding"], case["align_corners"])
    expected = grid_sample_reference(x, grid, case["mode"], case["padding"], case["align_corners"])
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-12)

@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("mode", MODES)
def test_grid_sample_gradients_match_finite_differences(mode, padding):
    rng = np.random.default_rng(2)
    x = Tensor(rng.normal(size=(2, 2, 4, 5)), requires_grad=True)
    # positions well inside pixel cells (no kink of the interpolation within the probe step), some outside
    cells = rng.integers(-2, 6, size=(2, 3, 2, 2)) + rng.uniform(0.2, 0.4, size=(2, 3, 2, 2))
    grid = Tensor(np.stack([(2 * cells[..., 0] + 1) / 5 - 1, (2 * cells[..., 1] + 1) / 4 - 1], -1),
                  requires_grad=True)
    assert gradcheck(lambda a, g: F.grid_sample(a, g, mode, padding, False), [x, grid])

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("mode", MODES)
def test_grid_sample_values_and_gradients_match_pytorch(mode, padding, align_corners, dtype):
    torch = pytest.importorskip("torch")
    case = dict(shape=(2, 3, 5, 6), out=(4, 3), spread=1.4, seed=7)
    x, grid = _problem(case, dtype)
    if mode == "nearest":   # away from the halves, where float32 rounding may pick the other pixel
        grid = grid.astype(np.float64)
        cells = np.round(pixel_position(grid, np.array([6, 5]), align_corners) * 2) / 2 + 0.25
        grid = (cells * 2 / np.array([5, 4]) - 1 if align_corners else (cells * 2 + 1) / np.array([6, 5]) - 1)
        grid = grid.astype(dtype)
    weights = np.random.default_rng(1).normal(size=(2, 3, 4, 3)).astype(dtype)
    a, g = Tensor(x, requires_grad=True), Tensor(grid, requires_grad=True)
    F.grid_sample(a, g, mode, padding, align_corners).backward(Tensor(weights))
    ta, tg = torch.tensor(x, requires_grad=True), torch.tensor(grid, requires_grad=True)
    out = torch.nn.functional.grid_sample(ta, tg, mode, padding, align_corners)
    out.backward(torch.tensor(weights))
    tolerance = dict(rtol=1e-4, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    ours = F.grid_sample(Tensor(x), Tensor(grid), mode, padding, align_corners)
    assert ours.dtype == dtype
    np.testing.assert_allclose(ours.numpy(), out.detach().numpy(), **tolerance)
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), **tolerance)
    np.testing.assert_allclose(g.grad.numpy(), tg.grad.numpy(), **tolerance)

@pytest.mark.parametrize("mode", MODES)
def test_positions_that_are_not_finite_read_nan(mode):
    x = Tensor(np.arange(12.0).reshape(1, 1, 3, 4), requires_grad=True)
    grid = Tensor(np.array([[[[np.nan, 0.0], [np.inf, 0.2], [0.1, -np.inf], [0.3, -0.0]]]]), requires_grad=True)
    out = F.grid_sample(x, grid, mode, "zeros", False)
    assert np.isnan(out.numpy()[..., :3]).all() and np.isfinite(out.numpy()[..., 3]).all()
    out.backward(tp.ones(*out.shape, dtype=tp.float64))
    assert np.isnan(grid.grad.numpy()[0, 0, :3]).all() and np.isfinite(grid.grad.numpy()[0, 0, 3]).all()
    expected = F.grid_sample(Tensor(x.numpy()), Tensor(grid.numpy()[:, :, 3:]), mode, "zeros", False)
    np.testing.assert_allclose(out.numpy()[..., 3:], expected.numpy())
    assert np.isfinite(x.grad.numpy()).all()   # the non-finite positions add nothing to the input's gradient

def test_nan_in_the_input_and_far_positions_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.arange(12.0).reshape(1, 1, 3, 4)
    x[0, 0, 1, 2] = np.nan
    grid = np.array([[[[0.0, 0.0], [0.9, -0.9], [1e30, 0.5], [-1e30, 0.0], [-0.0, -0.0]]]])
    for mode in MODES:
        for padding in PADDINGS:
            # PyTorch counts the reflections of a far position in an int, which overflows: leave those out
            near = grid[:, :, [0, 1, 4]] if padding == "reflection" else grid
            ours = F.grid_sample(Tensor(x), Tensor(near), mode, padding, True).numpy()
            theirs = torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(near), mode, padding, True).numpy()
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, equal_nan=True, err_msg=f"{mode} {padding}")

def test_the_identity_transform_reproduces_the_image():
    x = tp.randn(2, 3, 5, 7, dtype=tp.float64)
    theta = tp.tensor(np.tile([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], (2, 1, 1)))
    for align_corners in (False, True):
        grid = F.affine_grid(theta, (2, 3, 5, 7), align_corners)
        for mode in MODES:
            np.testing.assert_allclose(F.grid_sample(x, grid, mode, "zeros", align_corners).numpy(), x.numpy(),
                                       rtol=1e-12, atol=1e-12)

def test_a_spatial_transformer_step_matches_pytorch():
    """The spatial transformer tutorial's localisation net regresses theta; its gradient reaches theta through
    grid_sample's grid gradient and affine_grid."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    images = rng.normal(size=(2, 1, 6, 6))
    weight, bias = rng.normal(size=(6, 36)) * 0.01, np.array([1.0, 0, 0, 0, 1.0, 0])

    def step(library, functional):
        x = library.tensor(images)
        w, b = library.tensor(weight, requires_grad=True), library.tensor(bias, requires_grad=True)
        theta = (x.reshape(2, 36) @ w.T + b).reshape(2, 2, 3)
        grid = functional.affine_grid(theta, (2, 1, 6, 6), align_corners=False)
        loss = (functional.grid_sample(x, grid, align_corners=False) ** 2).mean()
        loss.backward()
        return loss.item(), w.grad.numpy(), b.grad.numpy()
    ours, theirs = step(tp, F), step(torch, torch.nn.functional)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    for mine, reference in zip(ours[1:], theirs[1:]):
        np.testing.assert_allclose(mine, reference, rtol=1e-9, atol=1e-12)

# --- affine_grid -----------------------------------------------------------------------------------------------
@given(size=st.sampled_from([(1, 1, 3, 4), (2, 3, 1, 5), (2, 1, 2, 3, 4), (1, 2, 1, 1, 2)]),
       align_corners=st.booleans(), seed=st.integers(0, 2**31))
@examples(30)
def test_affine_grid_matches_the_reference(size, align_corners, seed):
    spatial = len(size) - 2
    theta = np.random.default_rng(seed).normal(size=(size[0], spatial, spatial + 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # align_corners with a size of 1
        out = F.affine_grid(Tensor(theta), size, align_corners)
    np.testing.assert_allclose(out.numpy(), affine_grid_reference(theta, size, align_corners), rtol=1e-12,
                               atol=1e-15)

def test_affine_grid_matches_pytorch_and_passes_gradcheck():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    for size in ((2, 3, 4, 5), (2, 1, 3, 2, 4)):
        spatial = len(size) - 2
        theta = rng.normal(size=(2, spatial, spatial + 1))
        for align_corners in (False, True):
            ours = F.affine_grid(Tensor(theta.astype(np.float32)), size, align_corners).numpy()
            theirs = torch.nn.functional.affine_grid(torch.tensor(theta, dtype=torch.float32), size,
                                                     align_corners).numpy()
            np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)
        assert gradcheck(lambda t: F.affine_grid(t, size, False), [Tensor(theta, requires_grad=True)])

def test_align_corners_none_means_false_and_warns():
    theta = tp.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    with pytest.warns(UserWarning, match="align_corners=None means align_corners=False"):
        grid = F.affine_grid(theta, (1, 1, 2, 2))
    np.testing.assert_array_equal(grid.numpy(), F.affine_grid(theta, (1, 1, 2, 2), False).numpy())
    with pytest.warns(UserWarning, match="align_corners=None"):
        out = F.grid_sample(tp.ones(1, 1, 2, 2), grid)
    np.testing.assert_array_equal(out.numpy(), F.grid_sample(tp.ones(1, 1, 2, 2), grid, align_corners=False).numpy())

def test_cpu_and_cuda_agree(device):
    if device == "cpu":
        pytest.skip("compares the CUDA result with the CPU one")
    x, grid = _problem(dict(shape=(2, 2, 3, 4), out=(2, 3), spread=1.3, seed=5), np.float32)
    for mode in MODES:
        for padding in PADDINGS:
            results = []
            for where in ("cpu", device):
                a, g = Tensor(x, device=where, requires_grad=True), Tensor(grid, device=where, requires_grad=True)
                out = F.grid_sample(a, g, mode, padding, True)
                out.backward(tp.ones(*out.shape, device=where))
                results.append((out.numpy(), a.grad.numpy(), g.grad.numpy()))
            for cpu, gpu in zip(*results):
                np.testing.assert_allclose(gpu, cpu, rtol=1e-5, atol=1e-5, err_msg=f"{mode} {padding}")
    special = Tensor(np.array([[[[np.nan, 0.0]]]], np.float32), device=device)
    assert np.isnan(F.grid_sample(Tensor(x[:1], device=device), special, align_corners=False).numpy()).all()
    theta = Tensor(np.array([[[0.5, 0.1, 0.0], [0.0, 1.2, 0.3]]], np.float32), device=device)
    np.testing.assert_allclose(F.affine_grid(theta, (1, 1, 2, 3), False).numpy(),
                               F.affine_grid(theta.to("cpu"), (1, 1, 2, 3), False).numpy(), rtol=1e-6)

ONES = tp.ones(1, 1, 3, 3)
GRID = tp.zeros(1, 2, 2, 2)
THETA = tp.zeros(1, 2, 3)
BAD = {
    "grid_sample of a list": (lambda: F.grid_sample([1.0], GRID, align_corners=False), TypeError,
                              "grid_sample: input must be a Tensor"),
    "grid_sample with mode 'linear'": (lambda: F.grid_sample(ONES, GRID, "linear", align_corners=False), ValueError,
                                       "mode='linear'"),
    "grid_sample with padding 'circular'": (lambda: F.grid_sample(ONES, GRID, padding_mode="circular",
                                                                  align_corners=False), ValueError,
                                            "padding_mode='circular'"),
    "grid_sample with align_corners 1": (lambda: F.grid_sample(ONES, GRID, align_corners=1), TypeError,
                                         "align_corners must be True or False"),
    "grid_sample of mixed dtypes": (lambda: F.grid_sample(ONES, GRID.double(), align_corners=False), TypeError,
                                    "one float dtype, got float32 and float64"),
    "grid_sample of int64": (lambda: F.grid_sample(tp.ones(1, 1, 2, 2, dtype=tp.int64), GRID, align_corners=False),
                             TypeError, "one float dtype, got int64"),
    "grid_sample of a 3-d input": (lambda: F.grid_sample(tp.ones(1, 3, 3), GRID, align_corners=False), ValueError,
                                   "4-d input (N, C, H, W)"),
    "grid_sample of a 5-d input": (lambda: F.grid_sample(tp.ones(1, 1, 2, 2, 2), tp.zeros(1, 1, 1, 1, 3),
                                                         align_corners=False), NotImplementedError,
                                   "5-d (volumetric) inputs are not supported"),
    "grid_sample with another batch": (lambda: F.grid_sample(ONES, tp.zeros(2, 2, 2, 2), align_corners=False),
                                       ValueError, "same batch size"),
    "grid_sample with a grid of 3 coordinates": (lambda: F.grid_sample(ONES, tp.zeros(1, 2, 2, 3),
                                                                       align_corners=False), ValueError,
                                                 "must have size 2, got grid (1, 2, 2, 3)"),
    "grid_sample of an empty image": (lambda: F.grid_sample(tp.ones(1, 1, 0, 3), GRID, align_corners=False),
                                      ValueError, "spatial dims must be non-empty"),
    "affine_grid of int64": (lambda: F.affine_grid(tp.zeros(1, 2, 3, dtype=tp.int64), (1, 1, 2, 2), False),
                             TypeError, "theta must be float32 or float64, got int64"),
    "affine_grid with a 3-d size": (lambda: F.affine_grid(THETA, (1, 2, 2), False), ValueError,
                                    "got (1, 2, 2)"),
    "affine_grid with a 3x4 theta for a 4-d size": (lambda: F.affine_grid(tp.zeros(1, 3, 4), (1, 1, 2, 2), False),
                                                    ValueError, "theta must have shape (1, 2, 3)"),
    "affine_grid with another batch": (lambda: F.affine_grid(THETA, (2, 1, 2, 2), False), ValueError,
                                       "theta must have shape (2, 2, 3)"),
    "affine_grid with a size of 0": (lambda: F.affine_grid(THETA, (1, 1, 0, 2), False), ValueError,
                                     "every entry of size must be positive, got (1, 1, 0, 2)"),
    "affine_grid with a float size": (lambda: F.affine_grid(THETA, (1, 1, 2.0, 2), False), TypeError,
                                      "size must be a tuple or list of ints"),
}

@pytest.mark.parametrize("case", BAD)
def test_bad_arguments_are_named(case):
    assert_bad_input(case, BAD)
