"""Distances and similarities between vectors: normalize, cosine_similarity, pairwise_distance and pdist, over a
p-norm along one dim whose gradient is PyTorch's.

The p-norm is its own Function (`VectorNorm`) rather than a chain of pow and sum, because the chain's gradient is
NaN where a vector is 0 (0 * inf): PyTorch's, which this one follows, is 0 there for every p, so that pdist of two
equal rows and normalize of a zero vector train without NaN.
"""
import math

import numpy as np

from ..arguments import check_bool, check_number, check_tensor, normalize_dim
from ..autograd import Function
from ..tensor import Tensor, float32
from .elementwise import broadcast_shape, cast, result_dtype

class VectorNorm(Function):
    """The p-norm along `dim` (kept as a dim of size 1): sum(|x|^p)^(1/p), with p = 0 counting the nonzero
    entries and p = +-inf the largest or smallest |x|. The gradient is 0 wherever the norm is 0; at p = +-inf the
    entries tied at the extreme share it when `share_ties` (torch.norm), else each gets all of it (pdist)."""
    def forward(self, x, p, dim, share_ties):
        xp = self.xp
        size = xp.abs(x)
        if p == 0:
            out = xp.sum(xp.astype(xp.ne(x, 0), x.dtype), dim, True)
        elif p == 1:
            out = xp.sum(size, dim, True)
        elif p == 2:
            out = xp.sqrt(xp.sum(xp.mul(x, x), dim, True))
        elif math.isinf(p):
            out = (xp.max if p > 0 else xp.min)(size, dim, True)
        else:
            out = xp.pow(xp.sum(xp.pow(size, p), dim, True), 1.0 / p)
        self.save_for_backward(x, out)
        self.p, self.dim, self.share_ties = p, dim, share_ties
        return out

    def backward(self, g):
        xp, (x, norm), p = self.xp, self.saved, self.p
        sign = xp.sign(x)
        if p == 0:
            return xp.zeros(x.shape, g.dtype), None, None, None
        if p == 1:
            return xp.mul(sign, g), None, None, None
        zero = xp.eq(norm, 0)
        if p == 2:
            return xp.mul(g, xp.where(zero, 0, xp.div(x, xp.where(zero, 1, norm)))), None, None, None
        size = xp.abs(x)
        if math.isinf(p):
            extreme = xp.astype(xp.eq(size, norm), g.dtype)
            share = xp.div(g, xp.sum(extreme, self.dim, True)) if self.share_ties else g
            return xp.mul(xp.mul(sign, extreme), share), None, None, None
        if p < 1:   # |x|^(p-1) is inf at x = 0, where the gradient is 0
            at_zero = xp.eq(x, 0)
            scaled = xp.where(at_zero, 0, xp.mul(sign, xp.pow(xp.where(at_zero, 1, size), p - 1)))
            return xp.mul(scaled, xp.mul(g, xp.pow(norm, 1 - p))), None, None, None
        scaled = xp.mul(sign, xp.pow(size, p - 1))
        per_norm = xp.where(zero, 0, xp.div(g, xp.pow(xp.where(zero, 1, norm), p - 1)))
        return xp.mul(scaled, per_norm), None, None, None

def vector_norm(input, p, dim, keepdim, share_ties=True):
    """The p-norm of `input` along the one int `dim`, with VectorNorm's gradient."""
    out = VectorNorm.apply(input, float(p), dim, share_ties)
    return out if keepdim else out.squeeze(dim)

class AtLeast(Function):
    """max(x, low) whose gradient passes to x unchanged, even where low won: the value of PyTorch's clamp under
    no_grad, which cosine_similarity and gaussian_nll_loss apply to the norms and variances they divide by."""
    keeps_inputs = False

    def forward(self, x, low):
        return self.xp.maximum(x, low)

    def backward(self, g):
        return g, None

def at_least(input, low):
    return AtLeast.apply(input, low)

def _float_pair(x1, x2, op):
    """x1 and x2 in their common float dtype (PyTorch's promotion), broadcast to one shape; integers are an
    error, as in PyTorch."""
    check_tensor(x1, "x1", op)
    check_tensor(x2, "x2", op)
    dtype = result_dtype(x1.dtype, x2.dtype)
    if dtype.kind != "f":
        raise TypeError(f"{op}: x1 and x2 must have a floating-point dtype (or one of them), got {x1.dtype} and "
                        f"{x2.dtype}")
    shape = broadcast_shape(x1.shape, x2.shape)
    return cast(x1, dtype).expand(shape), cast(x2, dtype).expand(shape)

def _check_p(p, op, minimum=None):
    check_number(p, "p", op)
    if minimum is not None and not p >= minimum:
        raise ValueError(f"{op}: p={p} must be at least {minimum}")
    return float(p)

def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p, eps) along `dim`: unit vectors, and zero vectors stay zero."""
    op = "normalize"
    check_tensor(input, "input", op)
    p = _check_p(p, op)
    check_number(eps, "eps", op)
    if input.dtype.kind != "f":
        raise TypeError(f"normalize: input must be float32 or float64, got {input.dtype}")
    axis = normalize_dim(dim, input.ndim)
    norm = vector_norm(input, p, axis, True) if input.ndim else vector_norm(input.reshape(1), p, 0, False)
    result = input / norm.clamp(min=eps)
    if out is None:
        return result
    return check_tensor(out, "out", op).copy_(result)

def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """The cosine of the angle between x1 and x2 along `dim` (they broadcast): sum(x1 / n1 * x2 / n2) with each
    norm n at least eps, so a zero vector has similarity 0."""
    op = "cosine_similarity"
    x1, x2 = _float_pair(x1, x2, op)
    check_number(eps, "eps", op)
    axis = normalize_dim(dim, x1.ndim)
    if x1.ndim == 0:
        x1, x2 = x1.reshape(1), x2.reshape(1)
    n1, n2 = (at_least(vector_norm(x, 2, axis, True), eps) for x in (x1, x2))
    return ((x1 / n1) * (x2 / n2)).sum(axis)

def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p along the last dim (x1 and x2 broadcast); eps keeps the gradient finite where the two
    are equal."""
    op = "pairwise_distance"
    check_tensor(x1, "x1", op)
    check_tensor(x2, "x2", op)
    p = _check_p(p, op)
    check_number(eps, "eps", op)
    check_bool(keepdim, "keepdim", op)
    broadcast_shape(x1.shape, x2.shape)
    difference = x1 - x2 + eps
    if difference.dtype.kind != "f":
        difference = cast(difference, float32)
    if difference.ndim == 0:
        return vector_norm(difference.reshape(1), p, 0, False)
    return vector_norm(difference, p, difference.ndim - 1, keepdim)

def pdist(input, p=2):
    """The p-norm distance between every pair of rows i < j of an (N, M) input, in row-major order of the pairs:
    N (N - 1) / 2 distances."""
    op = "pdist"
    check_tensor(input, "input", op)
    p = _check_p(p, op, minimum=0)
    if input.ndim != 2:
        raise ValueError(f"pdist: input must be 2-d (N, M), got shape {input.shape}")
    if input.dtype.kind != "f":
        raise TypeError(f"pdist: input must be float32 or float64, got {input.dtype}")
    first, second = np.triu_indices(input.shape[0], 1)
    if first.size == 0:
        return Tensor._wrap(input.xp.zeros((0,), input.dtype), input.device)
    return vector_norm(input[first] - input[second], p, 1, False, share_ties=False)
