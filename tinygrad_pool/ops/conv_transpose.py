"""Transposed convolution for 1-3 spatial dims (PyTorch's conv_transpose1d/2d/3d): argument checks, the Function.

A transposed convolution is the input gradient of a convolution: each input element, times the kernel, is added
into the output at stride steps ("pad the error, correlate with the flipped kernel"). So it runs on the
convolution's backend functions and needs no kernel of its own. With the convolution C of stride s, padding p and
dilation d that maps our output's shape to our input's shape (its weight is ours, (C_in, C_out/groups, *kernel)):

    forward      out     = the input gradient of C at grad_out = input, plus the bias
    backward     grad_in = C(grad_out)                   (conv_forward)
                 grad_w  = the weight gradient of C with grad_out = input, at C's input = grad_out
                 grad_b  = grad_out summed over the batch and the positions

The output length per dim is (L - 1) * s - 2 * p + d * (k - 1) + output_padding + 1. Its last output_padding - p
positions (where that is positive) are reached by no tap: they hold the bias alone, and C sees the output without
them, so that C's own output length is exactly L. See docs/convolution.md.
"""
import numbers

from ..arguments import as_tuple, described
from ..autograd import Function
from ..tensor import Tensor
from .conv import ConvGeometry

def check(input, weight, bias, stride, padding, output_padding, groups, dilation, dims):
    """Validate everything PyTorch validates; return (batched, stride, padding, output_padding, dilation)."""
    op = f"conv_transpose{dims}d"
    for name, t in (("input", input), ("weight", weight)) + ((("bias", bias),) if bias is not None else ()):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
        if t.dtype.kind != "f":
            raise TypeError(f"{op}: {name} must be float32 or float64, got {t.dtype}")
    if len({t.dtype for t in (input, weight, bias) if t is not None}) > 1:
        raise TypeError(f"{op}: input {input.dtype}, weight {weight.dtype}"
                        f"{'' if bias is None else f', bias {bias.dtype}'} must share one dtype")
    if input.device != weight.device or (bias is not None and bias.device != input.device):
        raise ValueError(f"{op}: input, weight and bias must be on one device")
    if input.ndim not in (dims + 1, dims + 2):
        raise ValueError(f"{op}: expected a {dims + 1}-d (C, *spatial) or {dims + 2}-d (N, C, *spatial) input, "
                         f"got shape {input.shape}")
    if weight.ndim != dims + 2:
        raise ValueError(f"{op}: weight must be {dims + 2}-d (C_in, C_out/groups, *kernel), got {weight.shape}")
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral):
        raise TypeError(f"{op}: groups must be an int, got {described(groups)}")
    if groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups}")
    channels = input.shape[-dims - 1]
    if weight.shape[0] == 0 or weight.shape[1] == 0:
        raise ValueError(f"{op}: weight {weight.shape} has no input or no output channels; expected at least one "
                         f"of each per group (groups={groups})")
    if weight.shape[0] % groups:
        raise ValueError(f"{op}: groups={groups} must divide the weight's input channels {weight.shape[0]} "
                         f"(weight {weight.shape})")
    if channels != weight.shape[0]:
        raise ValueError(f"{op}: input {input.shape} has {channels} channels but weight {weight.shape} expects "
                         f"{weight.shape[0]} (its first dim)")
    out_channels = weight.shape[1] * groups
    if bias is not None and bias.shape != (out_channels,):
        raise ValueError(f"{op}: bias must have shape ({out_channels},) (= {weight.shape[1]} x groups {groups}) "
                         f"for weight {weight.shape}, got {bias.shape}")
    stride, padding = as_tuple(stride, dims, "stride", op), as_tuple(padding, dims, "padding", op)
    output_padding = as_tuple(output_padding, dims, "output_padding", op)
    dilation = as_tuple(dilation, dims, "dilation", op)
    if min(stride) < 1 or min(dilation) < 1:
        raise ValueError(f"{op}: stride and dilation must be positive, got stride {stride}, dilation {dilation}")
    if min(padding) < 0 or min(output_padding) < 0:
        raise ValueError(f"{op}: padding and output_padding must be non-negative, got padding {padding}, "
                         f"output_padding {output_padding}")
    if any(q >= max(s, d) for q, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(f"{op}: output_padding={output_padding} must be smaller than the stride {stride} or the "
                         f"dilation {dilation} in each dim")
    kernel = weight.shape[2:]
    if min(kernel) < 1:
        raise ValueError(f"{op}: kernel size must be positive, got weight {weight.shape}")
    spatial = input.shape[-dims:]
    if min(spatial) == 0 and (input.ndim == dims + 1 or input.shape[0]):
        raise ValueError(f"{op}: input {input.shape} has an empty spatial dim; only the batch may be 0")
    out = output_shape(spatial, kernel, stride, padding, output_padding, dilation)
    if min(out) < 1:
        raise ValueError(f"{op}: input {input.shape} with kernel {kernel}, stride {stride}, padding {padding}, "
                         f"output_padding {output_padding} and dilation {dilation} gives the output size {out}; "
                         f"every size must be at least 1")
    return input.ndim == dims + 2, stride, padding, output_padding, dilation

def output_shape(spatial, kernel, stride, padding, output_padding, dilation):
    """The output's spatial dims: (L - 1) * s - 2 * p + d * (k - 1) + output_padding + 1 each."""
    return tuple((L - 1) * s - 2 * p + d * (k - 1) + q + 1
                 for L, k, s, p, q, d in zip(spatial, kernel, stride, padding, output_padding, dilation))

def _five_d(xp, a):
    """a (N, C, *spatial) as (N, C, D, H, W), unit dims in front, as the convolution backends take it."""
    return xp.reshape(a, a.shape[:2] + (1,) * (5 - a.ndim) + a.shape[2:])

class ConvTranspose(Function):
    """x (N, C_in, *spatial), w (C_in, C_out/groups, *kernel), bias (C_out,) or None -> (N, C_out, *out_spatial),
    through the convolution `geometry` that maps the output's first `reached` positions per dim back onto x."""
    def forward(self, x, w, bias, geometry, groups, out_spatial, reached):
        xp = self.xp
        x5, w5 = _five_d(xp, x), _five_d(xp, w)
        self.save_for_backward(x5, w5)
        self.geometry, self.groups, self.shapes, self.reached = geometry, groups, (x.shape, w.shape), reached
        out_channels = w.shape[1] * groups
        reached_shape = (x.shape[0], out_channels) + (1,) * (3 - len(reached)) + reached
        shape_only = xp.expand(xp.zeros((1,) * 5, x.dtype), reached_shape)   # C's input: read for its shape only
        out = xp.conv_backward(shape_only, w5, x5, geometry, groups, True, False, False)[0]
        if reached != out_spatial:
            out = xp.pad(out, ((0, 0),) * (5 - len(reached)) + tuple((0, o - r) for o, r in zip(out_spatial, reached)),
                         0)
        if bias is not None:   # in place where out may be written: it is new, and a new array costs a pass more
            bias5 = xp.reshape(bias, (1, out_channels, 1, 1, 1))
            if not xp.add_into(out, bias5):
                out = xp.add(out, bias5)
        return xp.reshape(out, (x.shape[0], out_channels) + out_spatial)

    def backward(self, g):
        x5, w5 = self.saved
        need, xp = self.needs_input_grad, self.xp
        grad_bias = xp.sum(g, (0,) + tuple(range(2, g.ndim)), False) if need[2] else None
        if 0 in self.reached:   # no tap reaches the output: x and w are no part of it
            return (xp.zeros(self.shapes[0], g.dtype) if need[0] else None,
                    xp.zeros(self.shapes[1], g.dtype) if need[1] else None, grad_bias, None, None, None, None)
        g5 = _five_d(xp, g)
        if self.reached != tuple(g.shape[2:]):   # the positions no tap reaches have no part in C
            g5 = xp.contiguous(xp.getitem(g5, (slice(None),) * (5 - len(self.reached))
                                              + tuple(slice(0, r) for r in self.reached)))
        grad_x = grad_w = None
        if need[0]:
            grad_x = xp.reshape(xp.conv_forward(g5, w5, None, self.geometry, self.groups), self.shapes[0])
        if need[1]:
            grad_w = xp.conv_backward(g5, w5, x5, self.geometry, self.groups, False, True, False)[1]
            grad_w = xp.reshape(grad_w, self.shapes[1])
        return grad_x, grad_w, grad_bias, None, None, None, None

def conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, dims):
    batched, stride, padding, output_padding, dilation = check(input, weight, bias, stride, padding, output_padding,
                                                               groups, dilation, dims)
    x = input if batched else input.unsqueeze(0)
    kernel = weight.shape[2:]
    out_spatial = output_shape(x.shape[2:], kernel, stride, padding, output_padding, dilation)
    reached = tuple(max(0, o - max(0, q - p)) for o, q, p in zip(out_spatial, output_padding, padding))
    unit = 3 - dims
    geometry = ConvGeometry(kernel=(1,) * unit + tuple(kernel), stride=(1,) * unit + stride,
                            padding=(0,) * unit + padding, dilation=(1,) * unit + dilation,
                            out_shape=(1,) * unit + tuple(x.shape[2:]))
    out = ConvTranspose.apply(x, weight, bias, geometry, groups, out_spatial, reached)
    return out if batched else out.squeeze(0)

# --- PyTorch's signatures (nn.functional re-exports them) -------------------------------------------------------
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 1)

def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 2)

def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 3)
