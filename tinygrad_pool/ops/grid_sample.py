"""affine_grid and grid_sample: the two halves of a spatial transformer. affine_grid maps each output pixel
through a batch of affine matrices to normalised (x, y) input positions; grid_sample reads the input there.

Positions are normalised to [-1, 1] over the input's width (x) and height (y): with align_corners=True -1 and 1
are the centres of the corner pixels, with align_corners=False (the default since PyTorch 1.3) their outer
edges, so that the sampling does not depend on the resolution. grid_sample's kernel (one per device, over the
per-tap formula of `backends/scalar.py`) gives the gradient for the input and for the grid, so both the image
and the transformation that produced the grid learn.
"""
import warnings

import numpy as np

from ..arguments import check_bool, check_choice, check_tensor, described, is_int
from ..autograd import Function
from ..backends import scalar
from ..tensor import Tensor

MODES = {"bilinear": scalar.GRID_BILINEAR, "nearest": scalar.GRID_NEAREST, "bicubic": scalar.GRID_BICUBIC}
PADDINGS = {"zeros": scalar.GRID_ZEROS, "border": scalar.GRID_BORDER, "reflection": scalar.GRID_REFLECTION}

def _align_corners(align_corners, op):
    """None means False, with PyTorch's warning that the default changed in its version 1.3."""
    if align_corners is None:
        warnings.warn(f"{op}: align_corners=None means align_corners=False, the default since PyTorch 1.3 (before "
                      "it, True); pass align_corners explicitly to silence this", UserWarning, stacklevel=3)
        return False
    return check_bool(align_corners, "align_corners", op)

def _steps(count, align_corners):
    """The normalised centres of `count` pixels along a dim."""
    if count <= 1:
        return np.zeros(count)
    line = np.linspace(-1.0, 1.0, count)
    return line if align_corners else line * (count - 1) / count

def affine_grid(theta, size, align_corners=None):
    """The sampling grid of the affine maps theta (N, 2, 3) for an output of size (N, C, H, W): (N, H, W, 2),
    each entry theta @ (x, y, 1) at the output pixel's normalised (x, y); or, for a 3-d transformation, theta
    (N, 3, 4) and size (N, C, D, H, W) give (N, D, H, W, 3)."""
    op = "affine_grid"
    check_tensor(theta, "theta", op)
    align_corners = _align_corners(align_corners, op)
    if theta.dtype.kind != "f":
        raise TypeError(f"{op}: theta must be float32 or float64, got {theta.dtype}")
    if not isinstance(size, (tuple, list)) or not all(is_int(s) for s in size):
        raise TypeError(f"{op}: size must be a tuple or list of ints (N, C, H, W) or (N, C, D, H, W), got "
                        f"{described(size)}")
    if len(size) not in (4, 5):
        raise ValueError(f"{op}: size must be (N, C, H, W) for a 2-d transformation or (N, C, D, H, W) for a 3-d "
                         f"one, got {tuple(size)}")
    spatial = len(size) - 2
    if theta.shape[1:] != (spatial, spatial + 1) or theta.ndim != 3 or theta.shape[0] != size[0]:
        raise ValueError(f"{op}: theta must have shape ({size[0]}, {spatial}, {spatial + 1}), a batch of "
                         f"{spatial}-d affine matrices for size {tuple(size)}, got {theta.shape}")
    if min(size) <= 0:
        raise ValueError(f"{op}: every entry of size must be positive, got {tuple(size)}")
    if align_corners and min(size[2:]) == 1:
        warnings.warn(f"{op}: a spatial size of 1 with align_corners=True puts its one pixel at 0 (PyTorch's "
                      "behaviour since its version 1.3)", UserWarning, stacklevel=2)
    axes = [_steps(s, align_corners) for s in reversed(size[2:])]   # x (width) first
    mesh = np.meshgrid(*reversed(axes), indexing="ij")               # each of shape size[2:]
    base = np.stack([m.reshape(-1) for m in reversed(mesh)] + [np.ones(mesh[0].size)], axis=1)
    base = Tensor(base.astype(theta.dtype), device=theta.device)   # (positions, spatial + 1)
    grid = base @ theta.transpose(1, 2)                             # (N, positions, spatial)
    return grid.reshape(tuple(size[:1]) + tuple(size[2:]) + (spatial,))

class GridSample(Function):
    def forward(self, x, grid, mode, padding, align_corners):
        self.save_for_backward(x, grid)
        self.options = mode, padding, align_corners
        return self.xp.grid_sample(x, grid, mode, padding, align_corners)

    def backward(self, g):
        x, grid = self.saved
        grad_x, grad_grid = self.xp.grid_sample_backward(g, x, grid, *self.options, *self.needs_input_grad[:2])
        return grad_x, grad_grid, None, None, None

def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """input (N, C, H, W) read at grid (N, OH, OW, 2) -> (N, C, OH, OW). grid[..., 0] is the normalised x (along
    the width), grid[..., 1] the y. mode: 'bilinear', 'nearest' or 'bicubic'; padding_mode says what lies
    outside: 'zeros', the 'border' pixels, or the image's 'reflection'. A position that is not finite reads NaN
    (PyTorch's result there depends on the mode)."""
    op = "grid_sample"
    check_tensor(input, "input", op)
    check_tensor(grid, "grid", op)
    check_choice(mode, "mode", op, tuple(MODES))
    check_choice(padding_mode, "padding_mode", op, tuple(PADDINGS))
    align_corners = _align_corners(align_corners, op)
    if input.dtype.kind != "f" or grid.dtype != input.dtype:
        raise TypeError(f"{op}: input and grid must share one float dtype, got {input.dtype} and {grid.dtype}")
    if input.ndim == 5:
        raise NotImplementedError(f"{op}: 5-d (volumetric) inputs are not supported, got input {input.shape}; "
                                  "sample each depth slice as a 4-d input")
    if input.ndim != 4 or grid.ndim != 4:
        raise ValueError(f"{op}: expected a 4-d input (N, C, H, W) and a 4-d grid (N, OH, OW, 2), got input "
                         f"{input.shape} and grid {grid.shape}")
    if grid.shape[0] != input.shape[0]:
        raise ValueError(f"{op}: grid {grid.shape} and input {input.shape} must have the same batch size")
    if grid.shape[3] != 2:
        raise ValueError(f"{op}: the grid's last dim holds (x, y), so it must have size 2, got grid {grid.shape}")
    if 0 in input.shape[2:]:
        raise ValueError(f"{op}: the input's spatial dims must be non-empty, got input {input.shape}")
    return GridSample.apply(input, grid, MODES[mode], PADDINGS[padding_mode], align_corners)
