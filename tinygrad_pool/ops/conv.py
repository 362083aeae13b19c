"""Convolution (cross-correlation, as in PyTorch) for 1-3 spatial dims: argument checks, geometry, the Function.

The general method is im2col + matmul. Forward: columns = im2col(x) of shape (C*K, N*O); per group
out_g = W_g @ columns_g; then bias. Backward: grad_W_g = grad_out_g @ columns_g^T, grad_columns_g = W_g^T @ grad_out_g,
grad_x = col2im(grad_columns), grad_bias = sum of grad_out. On the CPU, 3x3 stride-1 layers take Winograd's F(2x2, 3x3)
or, with few channels, a direct loop. The padding is no term of any sum: the backends recompute from the definition
the inf and NaN values those methods could get wrong. See docs/convolution.md and docs/semantics.md.
"""
import numbers
from dataclasses import dataclass

from ..autograd import Function
from ..arguments import as_tuple
from ..tensor import Tensor

def padding_pairs(padding, kernel, stride, dilation, dims):
    """(left, right) per dim for an int, a tuple, 'valid' or 'same' (stride 1; the odd extra goes right)."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * dims
        if padding != "same":
            raise ValueError(f"conv{dims}d: padding={padding!r}: use an int, a tuple, 'valid' or 'same'")
        if any(s != 1 for s in stride):
            raise ValueError(f"conv{dims}d: padding='same' needs stride 1, got stride {stride}")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)
    pads = as_tuple(padding, dims, "padding", f"conv{dims}d")
    if min(pads) < 0:
        raise ValueError(f"conv{dims}d: padding must be non-negative, got {pads}")
    return tuple((p, p) for p in pads)

def check(input, weight, bias, stride, padding, dilation, groups, dims):
    """Validate everything PyTorch validates; return (batched, pairs, stride, dilation)."""
    op = f"conv{dims}d"
    for name, t in (("input", input), ("weight", weight)) + ((("bias", bias),) if bias is not None else ()):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
        if t.dtype.kind != "f":
            raise TypeError(f"{op}: {name} must be float32 or float64, got {t.dtype}")
    dtypes = {t.dtype for t in (input, weight, bias) if t is not None}
    if len(dtypes) > 1:
        raise TypeError(f"{op}: input {input.dtype}, weight {weight.dtype}"
                        f"{'' if bias is None else f', bias {bias.dtype}'} must share one dtype")
    if input.ndim not in (dims + 1, dims + 2):
        raise ValueError(f"{op}: expected a {dims + 1}-d (C, *spatial) or {dims + 2}-d (N, C, *spatial) input, "
                         f"got shape {input.shape}")
    if weight.ndim != dims + 2:
        raise ValueError(f"{op}: weight must be {dims + 2}-d (C_out, C_in/groups, *kernel), got {weight.shape}")
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    channels, out_channels = input.shape[-dims - 1], weight.shape[0]
    if out_channels == 0:
        raise ValueError(f"{op}: weight {weight.shape} has 0 output channels; expected at least one per group "
                         f"(groups={groups})")
    if channels % groups or out_channels % groups:
        raise ValueError(f"{op}: groups={groups} must divide input channels {channels} and output channels "
                         f"{out_channels} (weight {weight.shape})")
    if weight.shape[1] * groups != channels:
        raise ValueError(f"{op}: input {input.shape} has {channels} channels but weight {weight.shape} expects "
                         f"{weight.shape[1] * groups} (= {weight.shape[1]} x groups {groups})")
    if bias is not None and bias.shape != (out_channels,):
        raise ValueError(f"{op}: bias must have shape ({out_channels},) for weight {weight.shape}, got {bias.shape}")
    stride = as_tuple(stride, dims, "stride", f"conv{dims}d")
    dilation = as_tuple(dilation, dims, "dilation", f"conv{dims}d")
    if min(stride) < 1 or min(dilation) < 1:
        raise ValueError(f"{op}: stride and dilation must be positive, got stride {stride}, dilation {dilation}")
    kernel = weight.shape[2:]
    if min(kernel) < 1:
        raise ValueError(f"{op}: kernel size must be positive, got weight {weight.shape}")
    pairs = padding_pairs(padding, kernel, stride, dilation, dims)
    spatial = input.shape[-dims:]
    if min(spatial) == 0 and input.shape[-dims - 1] and (input.ndim == dims + 1 or input.shape[0]):
        raise ValueError(f"{op}: input {input.shape} has an empty spatial dim; only the batch or the channels "
                         f"may be 0")
    for length, k, d, (left, right) in zip(spatial, kernel, dilation, pairs):
        if d * (k - 1) + 1 > length + left + right:
            raise ValueError(f"{op}: kernel {kernel} (dilation {dilation}) is larger than the padded input "
                             f"{tuple(L + a + b for L, (a, b) in zip(spatial, pairs))} of input {input.shape}")
    return input.ndim == dims + 2, pairs, stride, dilation

@dataclass(frozen=True)
class ConvGeometry:
    """Where every tap of a convolution reads, three ints per field (D, H, W), with unit dims (kernel, stride and
    dilation 1, padding 0, output 1) in front of 1-d and 2-d problems. Frozen, so kernels can cache plans by it."""
    kernel: tuple      # (KD, KH, KW)
    stride: tuple
    padding: tuple     # zeros before each dim; 'same' may add one more after, which out_shape accounts for
    dilation: tuple
    out_shape: tuple   # (OD, OH, OW)

def geometry(spatial, kernel, stride, pairs, dilation):
    """The ConvGeometry of input `spatial` dims, `kernel` sizes and (left, right) padding `pairs`."""
    out = tuple((L + a + b - d * (k - 1) - 1) // s + 1
                for L, k, s, (a, b), d in zip(spatial, kernel, stride, pairs, dilation))
    unit = 3 - len(spatial)
    return ConvGeometry(kernel=(1,) * unit + tuple(kernel), stride=(1,) * unit + tuple(stride),
                        padding=(0,) * unit + tuple(a for a, _ in pairs), dilation=(1,) * unit + tuple(dilation),
                        out_shape=(1,) * unit + out)

class Conv(Function):
    """x (N, C, *spatial), w (C_out, C_in/groups, *kernel) and bias (C_out,) or None -> (N, C_out, *out_spatial).
    The backends see 5-d arrays, (N, C, D, H, W), with unit dims in front of 1-d and 2-d problems: free reshapes
    here rather than three more steps on the tape. The backends own the loop (cpu/conv.py: cache-sized chunks of
    the batch, or the 3x3 kernels; cuda/conv.py: the whole batch)."""
    def forward(self, x, w, bias, geometry, groups):
        self.geometry, self.groups, self.shapes = geometry, groups, (x.shape, w.shape)
        x5, w5 = (self.xp.reshape(a, a.shape[:2] + (1,) * (5 - a.ndim) + a.shape[2:]) for a in (x, w))
        self.save_for_backward(x5, w5)
        out = self.xp.conv_forward(x5, w5, bias, geometry, groups)
        return self.xp.reshape(out, out.shape[:2] + out.shape[7 - x.ndim:])

    def backward(self, g):
        x5, w5 = self.saved
        need, xp = self.needs_input_grad, self.xp
        g5 = xp.reshape(g, g.shape[:2] + (1,) * (5 - g.ndim) + g.shape[2:])
        grad_x, grad_w, grad_bias = xp.conv_backward(x5, w5, g5, self.geometry, self.groups, *need[:3])
        grad_x, grad_w = (None if grad is None else xp.reshape(grad, shape)
                          for grad, shape in zip((grad_x, grad_w), self.shapes))
        return grad_x, grad_w, grad_bias, None, None

def conv(input, weight, bias, stride, padding, dilation, groups, dims):
    batched, pairs, stride, dilation = check(input, weight, bias, stride, padding, dilation, groups, dims)
    if input.device != weight.device or (bias is not None and bias.device != input.device):
        raise ValueError(f"conv{dims}d: input, weight and bias must be on one device")
    x = input if batched else input.unsqueeze(0)
    out = Conv.apply(x, weight, bias, geometry(x.shape[2:], weight.shape[2:], stride, pairs, dilation), groups)
    return out if batched else out.squeeze(0)

# --- PyTorch's signatures (nn.functional re-exports them) -------------------------------------------------------
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return conv(input, weight, bias, stride, padding, dilation, groups, 1)

def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return conv(input, weight, bias, stride, padding, dilation, groups, 2)

def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return conv(input, weight, bias, stride, padding, dilation, groups, 3)
