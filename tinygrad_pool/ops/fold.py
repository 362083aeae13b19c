"""`unfold` and `fold`: the im2col that convolution runs inside, made public, and its adjoint.

unfold (N, C, H, W) -> (N, C*KH*KW, L): column l holds the block that output position l of a convolution with
that kernel, stride, padding and dilation would read, row c*KH*KW + kh*KW + kw its tap (kh, kw) of channel c
(0 where the tap falls in the padding). fold (N, C*KH*KW, L) -> (N, C, H, W) adds each block back where it came
from, so fold(unfold(x)) multiplies every element by the number of blocks that cover it. Each is the other's
gradient. Both run the backends' im2col/col2im, the kernels of the convolution's general path.
"""
from ..arguments import as_tuple, check_tensor
from ..autograd import Function
from .conv import geometry

def check_window(op, kernel_size, dilation, padding, stride):
    kernel, dilation, padding, stride = (as_tuple(value, 2, name, op) for value, name in (
        (kernel_size, "kernel_size"), (dilation, "dilation"), (padding, "padding"), (stride, "stride")))
    for name, values, least in (("kernel_size", kernel, 1), ("dilation", dilation, 1), ("stride", stride, 1),
                                ("padding", padding, 0)):
        if min(values) < least:
            raise ValueError(f"{op}: {name} must be {'positive' if least else 'non-negative'}, got {values}")
    return kernel, dilation, padding, stride

def _blocks(op, spatial, kernel, dilation, padding, stride):
    """The ConvGeometry of the sliding blocks over `spatial`, or a ValueError when there are none."""
    pairs = tuple((p, p) for p in padding)
    blocks = geometry(spatial, kernel, stride, pairs, dilation)
    counts = tuple((L + 2 * p - d * (k - 1) - 1) // s + 1
                   for L, k, d, p, s in zip(spatial, kernel, dilation, padding, stride))
    if min(counts) < 1:
        raise ValueError(f"{op}: kernel_size={kernel} with dilation={dilation} and padding={padding} finds no "
                         f"block in spatial size {tuple(spatial)}: the blocks per dim {counts} must be at least 1")
    return blocks

def _float_input(input, op, ranks, layout):
    check_tensor(input, "input", op)
    if input.ndim not in ranks:
        raise ValueError(f"{op}: expected a {ranks[0]}-d {layout[0]} or {ranks[1]}-d {layout[1]} input, got "
                         f"shape {input.shape}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be float32 or float64, got {input.dtype}")
    return input.ndim == ranks[1]

def _count(blocks):
    return blocks.out_shape[1] * blocks.out_shape[2]

class Unfold(Function):
    """x (N, C, H, W) -> blocks (N, C*K, L); the backward is col2im."""
    def forward(self, x, blocks):
        xp = self.xp
        self.blocks, self.shape = blocks, x.shape
        cols = xp.im2col(xp.reshape(x, (x.shape[0], x.shape[1], 1) + x.shape[2:]), blocks)
        return xp.permute(xp.reshape(cols, (cols.shape[0], x.shape[0], _count(blocks))), (1, 0, 2))

    def backward(self, g):
        xp, (n, c, h, w) = self.xp, self.shape
        cols = xp.reshape(xp.contiguous(xp.permute(g, (1, 0, 2))), (g.shape[1], g.shape[0] * g.shape[2]))
        return xp.reshape(xp.col2im(cols, (n, c, 1, h, w), self.blocks), self.shape), None

class Fold(Function):
    """blocks (N, C*K, L) -> (N, C, H, W), each block added where it was read; the backward is im2col."""
    def forward(self, y, blocks, out_shape):
        xp = self.xp
        self.blocks, self.out_shape = blocks, out_shape
        cols = xp.reshape(xp.contiguous(xp.permute(y, (1, 0, 2))), (y.shape[1], y.shape[0] * y.shape[2]))
        n, c, h, w = out_shape
        return xp.reshape(xp.col2im(cols, (n, c, 1, h, w), blocks), out_shape)

    def backward(self, g):
        xp, (n, c, h, w) = self.xp, self.out_shape
        cols = xp.im2col(xp.reshape(g, (n, c, 1, h, w)), self.blocks)
        return xp.permute(xp.reshape(cols, (cols.shape[0], n, _count(self.blocks))), (1, 0, 2)), None, None

def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """The sliding blocks of a (N, C, H, W) or (C, H, W) input as columns: (N, C*KH*KW, L)."""
    batched = _float_input(input, "unfold", (3, 4), ("(C, H, W)", "(N, C, H, W)"))
    kernel, dilation, padding, stride = check_window("unfold", kernel_size, dilation, padding, stride)
    x = input if batched else input.unsqueeze(0)
    if 0 in x.shape[1:]:
        raise ValueError(f"unfold: input {input.shape} has an empty channel or spatial dim; only the batch may be 0")
    out = Unfold.apply(x, _blocks("unfold", x.shape[2:], kernel, dilation, padding, stride))
    return out if batched else out.squeeze(0)

def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum the columns of a (N, C*KH*KW, L) or (C*KH*KW, L) input back into (N, C, *output_size)."""
    batched = _float_input(input, "fold", (2, 3), ("(C*KH*KW, L)", "(N, C*KH*KW, L)"))
    output_size = as_tuple(output_size, 2, "output_size", "fold")
    kernel, dilation, padding, stride = check_window("fold", kernel_size, dilation, padding, stride)
    y = input if batched else input.unsqueeze(0)
    taps = kernel[0] * kernel[1]
    if y.shape[1] == 0 or y.shape[1] % taps:
        raise ValueError(f"fold: input {input.shape} has {y.shape[1]} rows, which must be a positive multiple of "
                         f"kernel_size {kernel} = {taps} taps per channel")
    blocks = _blocks("fold", output_size, kernel, dilation, padding, stride)
    count = _count(blocks)
    if y.shape[2] != count:
        raise ValueError(f"fold: input {input.shape} has {y.shape[2]} blocks, but output_size={output_size} with "
                         f"kernel_size={kernel}, dilation={dilation}, padding={padding}, stride={stride} holds "
                         f"{count}")
    out = Fold.apply(y, blocks, (y.shape[0], y.shape[1] // taps) + output_size)
    return out if batched else out.squeeze(0)
