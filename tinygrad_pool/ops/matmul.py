"""Matrix products: matmul with numpy's broadcasting rules, linear (x @ w.T + b) as one node, and the products
built on them (dot, outer, mv, addmm, addmv, baddbmm, addbmm, kron, tensordot, cdist), whose gradients come
from the tape."""
import math

import numpy as np

from ..arguments import check_choice, check_number, check_tensor, is_int, normalize_dim
from ..autograd import Function
from ..tensor import Tensor
from .distance import vector_norm
from .elementwise import broadcast_shape, unbroadcast
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
        broadcast_shape(a.shape[:-2], b.shape[:-2])
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

# --- vector and batched products: dot, outer, mv, addmm and the other add* forms, kron, tensordot, cdist ----------
def _check_dims(tensor, name, ndim, op):
    check_tensor(tensor, name, op)
    if tensor.ndim != ndim:
        raise ValueError(f"{op}: {name} must be {ndim}-d, got shape {tensor.shape}")
    return tensor

def dot(input, tensor):
    """The inner product of two 1-d tensors of one size and one dtype, as a 0-d tensor."""
    _check_dims(input, "input", 1, "dot")
    _check_dims(tensor, "tensor", 1, "dot")
    if input.shape != tensor.shape:
        raise ValueError(f"dot: input has {input.shape[0]} elements and tensor {tensor.shape[0]}: they must match")
    if input.dtype != tensor.dtype:
        raise TypeError(f"dot: input is {input.dtype} and tensor {tensor.dtype}: cast one with .to(dtype) first")
    return matmul(input, tensor)

def vdot(input, other):
    """dot of real tensors (there is no complex conjugate to take)."""
    _check_dims(input, "input", 1, "vdot")
    _check_dims(other, "other", 1, "vdot")
    return dot(input, other)

def outer(input, vec2):
    """input[i] * vec2[j] for two 1-d tensors, PyTorch's promotion of their dtypes."""
    _check_dims(input, "input", 1, "outer")
    _check_dims(vec2, "vec2", 1, "outer")
    return unsqueeze(input, 1) * unsqueeze(vec2, 0)

ger = outer

def mv(input, vec):
    """The product of a matrix (n, m) and a vector (m,)."""
    _check_dims(input, "input", 2, "mv")
    _check_dims(vec, "vec", 1, "mv")
    if input.shape[1] != vec.shape[0]:
        raise ValueError(f"mv: a matrix of shape {input.shape} and a vector of {vec.shape[0]} elements do not fit")
    return matmul(input, vec)

def _add_product(input, product, beta, alpha, op):
    """beta * input + alpha * product, input broadcast to the product's shape; beta = 0 ignores input, NaN and
    inf included, as in PyTorch."""
    check_tensor(input, "input", op)
    check_number(beta, "beta", op)
    check_number(alpha, "alpha", op)
    if broadcast_shape(input.shape, product.shape) != tuple(product.shape):
        raise ValueError(f"{op}: input of shape {input.shape} does not broadcast to the product's shape "
                         f"{product.shape}")
    scaled = product if alpha == 1 else product * alpha
    return scaled if beta == 0 else scaled + (input if beta == 1 else input * beta)

def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2), for matrices mat1 and mat2."""
    _check_dims(mat1, "mat1", 2, "addmm")
    _check_dims(mat2, "mat2", 2, "addmm")
    return _add_product(input, mm(mat1, mat2), beta, alpha, "addmm")

def addmv(input, mat, vec, *, beta=1, alpha=1):
    """beta * input + alpha * (mat @ vec)."""
    return _add_product(input, mv(mat, vec), beta, alpha, "addmv")

def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * bmm(batch1, batch2), per batch."""
    return _add_product(input, bmm(batch1, batch2), beta, alpha, "baddbmm")

def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * (the sum over the batch of batch1[b] @ batch2[b]), as one (n, b*m) @ (b*m, p)
    product."""
    _check_dims(batch1, "batch1", 3, "addbmm")
    _check_dims(batch2, "batch2", 3, "addbmm")
    if batch1.shape[0] != batch2.shape[0]:
        raise ValueError(f"addbmm: the batch sizes of shapes {batch1.shape} and {batch2.shape} differ")
    if batch1.shape[2] != batch2.shape[1]:
        raise ValueError(f"addbmm: batches of shapes {batch1.shape} and {batch2.shape} cannot be multiplied "
                         f"({batch1.shape[2]} != {batch2.shape[1]})")
    b, n, m = batch1.shape
    rows = batch1.permute(1, 0, 2).reshape(n, b * m)
    return _add_product(input, mm(rows, batch2.reshape(b * m, batch2.shape[2])), beta, alpha, "addbmm")

def kron(input, other):
    """The Kronecker product: block (i, j, ...) of the result is input[i, j, ...] * other, the shorter shape
    padded with leading 1s."""
    check_tensor(input, "input", "kron")
    check_tensor(other, "other", "kron")
    ndim = max(input.ndim, other.ndim)
    a_shape = (1,) * (ndim - input.ndim) + tuple(input.shape)
    b_shape = (1,) * (ndim - other.ndim) + tuple(other.shape)
    a = input.reshape(tuple(s for size in a_shape for s in (size, 1)))
    b = other.reshape(tuple(s for size in b_shape for s in (1, size)))
    return (a * b).reshape(tuple(x * y for x, y in zip(a_shape, b_shape)))

def _contracted_dims(dims, a, b):
    """tensordot's dims: an int n (the last n of a with the first n of b) or two sequences of dims."""
    if is_int(dims):
        if dims < 0:
            raise ValueError(f"tensordot: dims={dims} must be at least 0")
        if dims > min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: dims={dims} is more than the {min(a.ndim, b.ndim)} dims of the operands")
        return list(range(a.ndim - dims, a.ndim)), list(range(dims))
    if not isinstance(dims, (tuple, list)) or len(dims) != 2 or not all(isinstance(d, (tuple, list)) for d in dims):
        raise TypeError(f"tensordot: dims must be an int or two lists of dims, got {dims!r}")
    if len(dims[0]) != len(dims[1]):
        raise ValueError(f"tensordot: dims {dims!r} name {len(dims[0])} dims of a but {len(dims[1])} of b")
    return ([normalize_dim(d, a.ndim) for d in dims[0]], [normalize_dim(d, b.ndim) for d in dims[1]])

def tensordot(a, b, dims=2):
    """The sum over the paired dims of a and b of their product: a's other dims, then b's, as one matrix
    product."""
    check_tensor(a, "a", "tensordot")
    check_tensor(b, "b", "tensordot")
    dims_a, dims_b = _contracted_dims(dims, a, b)
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise ValueError(f"tensordot: contracted dims must match, but a has size {a.shape[da]} in dim {da} and b "
                             f"{b.shape[db]} in dim {db}")
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    rows, size, columns = (math.prod(sizes) for sizes in (
        [a.shape[d] for d in free_a], [a.shape[d] for d in dims_a], [b.shape[d] for d in free_b]))
    left = a.permute(*(free_a + dims_a)).reshape(rows, size)
    right = b.permute(*(dims_b + free_b)).reshape(size, columns)
    return matmul(left, right).reshape(tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b))

def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distance between each row of x1 (..., P, M) and each row of x2 (..., R, M): (..., P, R), the
    batch dims broadcast. Computed from the differences, so every mode gives the exact distances (PyTorch's
    matrix-product shortcut for p = 2 is not taken), and the gradient is 0 at a zero distance, as in PyTorch."""
    check_tensor(x1, "x1", "cdist")
    check_tensor(x2, "x2", "cdist")
    check_number(p, "p", "cdist", minimum=0)
    check_choice(compute_mode, "compute_mode", "cdist", ("use_mm_for_euclid_dist_if_necessary",
                                                         "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"))
    for name, x in (("x1", x1), ("x2", x2)):
        if x.ndim < 2:
            raise ValueError(f"cdist: {name} must have at least 2 dims (..., rows, M), got shape {x.shape}")
    if x1.dtype.kind != "f" or x1.dtype != x2.dtype:
        raise TypeError(f"cdist: x1 and x2 must be float tensors of one dtype, got {x1.dtype} and {x2.dtype}")
    if x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"cdist: x1 and x2 must have the same number of columns, got shapes {x1.shape} and "
                         f"{x2.shape}")
    try:
        np.broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
    except ValueError:
        raise ValueError(f"cdist: the batch dims of shapes {x1.shape} and {x2.shape} do not broadcast") from None
    difference = unsqueeze(x1, -2) - unsqueeze(x2, -3)
    return vector_norm(difference, p, difference.ndim - 1, False, share_ties=False)

def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = sum over i, j of input1[..., i] weight[o, i, j] input2[..., j], plus bias[o]: input1 (..., in1)
    and input2 (..., in2) with the same leading dims, weight (out, in1, in2)."""
    op = "bilinear"
    for name, tensor in (("input1", input1), ("input2", input2), ("weight", weight)):
        check_tensor(tensor, name, op)
    if input1.ndim != input2.ndim or input1.ndim == 0:
        raise ValueError(f"{op}: input1 and input2 must have the same number of dims (at least 1), got shapes "
                         f"{input1.shape} and {input2.shape}")
    if input1.shape[:-1] != input2.shape[:-1]:
        raise ValueError(f"{op}: input1 {input1.shape} and input2 {input2.shape} must have the same leading dims")
    if weight.ndim != 3 or weight.shape[1:] != (input1.shape[-1], input2.shape[-1]):
        raise ValueError(f"{op}: weight must have shape (out_features, {input1.shape[-1]}, {input2.shape[-1]}) for "
                         f"inputs {input1.shape} and {input2.shape}, got {weight.shape}")
    out_features, in1, in2 = weight.shape
    if bias is not None and (check_tensor(bias, "bias", op).shape != (out_features,)):
        raise ValueError(f"{op}: bias must have shape ({out_features},), one entry per output, got {bias.shape}")
    lead = input1.shape[:-1]
    x1, x2 = input1.reshape(-1, in1), input2.reshape(-1, in2)
    left = x1 @ weight.permute(1, 0, 2).reshape(in1, out_features * in2)   # (B, out * in2)
    out = (left.reshape(-1, out_features, in2) * x2.reshape(-1, 1, in2)).sum(2)
    if bias is not None:
        out = out + bias
    return out.reshape(lead + (out_features,))
