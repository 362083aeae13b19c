"""Matrix products: matmul with numpy's broadcasting rules, and linear (x @ w.T + b) as one node."""
import numpy as np

from ..arguments import check_tensor
from ..autograd import Function
from ..tensor import Tensor
from .elementwise import unbroadcast
from .movement import squeeze, unsqueeze, transpose

def _swap_last(xp, x):
    axes = tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2)
    return xp.permute(x, axes)

class MatMul(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return self.xp.matmul(a, b)
    def backward(self, g):
        xp = self.xp
        a, b = self.saved
        ga = unbroadcast(xp, xp.matmul(g, _swap_last(xp, b)), a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(xp, xp.matmul(_swap_last(xp, a), g), b.shape) if self.needs_input_grad[1] else None
        return ga, gb

def matmul(input, other):
    """1-d operands get a unit dim (removed again from the result), batch dims broadcast."""
    check_tensor(input, "input", "matmul")
    other = other if isinstance(other, Tensor) else Tensor(other, device=input.device)
    if input.ndim == 0 or other.ndim == 0:
        raise ValueError(f"matmul needs tensors with at least 1 dim, got shapes {input.shape} and {other.shape}")
    if input.dtype != other.dtype:
        raise TypeError(f"matmul of {input.dtype} and {other.dtype}: cast one with .to(dtype) first")
    a = unsqueeze(input, 0) if input.ndim == 1 else input
    b = unsqueeze(other, -1) if other.ndim == 1 else other
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(f"matmul shape mismatch: {input.shape} @ {other.shape} ({a.shape[-1]} != {b.shape[-2]})")
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"matmul batch dims do not broadcast: {input.shape} @ {other.shape}") from None
    out = MatMul.apply(a, b)
    if input.ndim == 1:
        out = squeeze(out, -2)
    if other.ndim == 1:
        out = squeeze(out, -1)
    return out

def mm(input, mat2):
    """The product of two matrices (2-d tensors): no broadcasting, as torch.mm."""
    check_tensor(input, "input", "mm")
    check_tensor(mat2, "mat2", "mm")
    if input.ndim != 2 or mat2.ndim != 2:
        raise ValueError(f"mm needs two matrices (2-d tensors), got shapes {input.shape} and {mat2.shape}; use "
                         "matmul for other shapes")
    return matmul(input, mat2)

def bmm(input, mat2):
    """Batched products (b, n, m) @ (b, m, p) -> (b, n, p): one batch size, no broadcasting, as torch.bmm."""
    check_tensor(input, "input", "bmm")
    check_tensor(mat2, "mat2", "bmm")
    if input.ndim != 3 or mat2.ndim != 3:
        raise ValueError(f"bmm needs two 3-d tensors (batch, rows, columns), got shapes {input.shape} and "
                         f"{mat2.shape}")
    if input.shape[0] != mat2.shape[0]:
        raise ValueError(f"bmm: the batch sizes of shapes {input.shape} and {mat2.shape} differ")
    return matmul(input, mat2)

class Linear(Function):
    """x (N, in) @ w.T + b with w (out, in): PyTorch's addmm. One node instead of transpose, matmul and add, so
    grad_w comes out as g.T @ x in w's own layout (ready for the optimizer) and the bias never broadcasts."""
    def forward(self, x, w, b):
        self.save_for_backward(x, w)
        out = self.xp.matmul(x, self.xp.permute(w, (1, 0)))
        return out if b is None else self.xp.add(out, b)
    def backward(self, g):
        xp = self.xp
        x, w = self.saved
        need = self.needs_input_grad
        grad_x = xp.matmul(g, w) if need[0] else None
        grad_w = xp.matmul(xp.permute(g, (1, 0)), x) if need[1] else None
        grad_b = xp.sum(g, (0,), False) if need[2] else None
        return grad_x, grad_w, grad_b

def linear(input, weight, bias=None):
    """input @ weight.T + bias, with weight of shape (out_features, in_features); all of one float dtype."""
    check_tensor(input, "input", "linear")
    check_tensor(weight, "weight", "linear")
    if bias is not None:
        check_tensor(bias, "bias", "linear")
    dtypes = [t.dtype for t in (input, weight, bias) if t is not None]
    if len(set(dtypes)) > 1 or dtypes[0].kind != "f":
        raise TypeError(f"linear: input, weight and bias must share one float dtype, got "
                        + ", ".join(map(str, dtypes)) + "; cast them with .to(dtype)")
    if weight.ndim != 2 or input.shape[-1:] != weight.shape[1:]:
        raise ValueError(f"linear: input of shape {input.shape} does not fit weight of shape {weight.shape} "
                         "(expected input[..., in_features] and weight[out_features, in_features])")
    if bias is not None and bias.shape != weight.shape[:1]:
        raise ValueError(f"linear: bias of shape {bias.shape} does not fit weight of shape {weight.shape}")
    if input.ndim == 2:
        return Linear.apply(input, weight, bias)
    out = matmul(input, transpose(weight, 0, 1))   # 1-d and batched inputs: the general path
    return out if bias is None else out + bias
