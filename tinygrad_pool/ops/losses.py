"""Losses with PyTorch's names, arguments and reductions, composed from the other ops (their gradients come with
them).

Class-index losses (nll_loss, cross_entropy) take an input (N, C, d1, ...) or (C,) and int64 targets
(N, d1, ...) or (); `weight` rescales each class, `ignore_index` drops targets, and 'mean' divides by the total
weight of the targets kept, as in PyTorch.
"""
import numpy as np

from ..arguments import check_choice, check_int, check_number, check_tensor
from ..autograd import Function
from ..tensor import Tensor, int64, uint8
from .activation import log_softmax, logsigmoid
from .elementwise import where

REDUCTIONS = ("mean", "sum", "none")

def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss

def _check(op, input, target, reduction, reductions=REDUCTIONS):
    check_tensor(input, "input", op)
    check_tensor(target, "target", op)
    check_choice(reduction, "reduction", op, reductions)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be float32 or float64, got {input.dtype}")

def _check_same_shape(op, input, target):
    if input.shape != target.shape:
        raise ValueError(f"{op} needs equal shapes, got input {input.shape} and target {target.shape}")
    if target.dtype != input.dtype:
        raise TypeError(f"{op}: target must have the input's dtype {input.dtype}, got {target.dtype}")

def _check_class_weight(op, weight, input):
    if weight is None:
        return None
    classes = input.shape[1] if input.ndim > 1 else input.shape[0]
    if check_tensor(weight, "weight", op).shape != (classes,) or weight.dtype != input.dtype:
        raise ValueError(f"{op}: weight must be a {input.dtype} tensor of shape ({classes},), one entry per "
                         f"class, got {weight.dtype} {weight.shape}")
    return weight

# --- class indices: nll_loss and cross_entropy -----------------------------------------------------------------
def _rows(input, target, op):
    """input as (M, C) log-probabilities with classes last, target as (M,) labels, and target's shape."""
    if input.ndim == 1:
        if target.ndim != 0:
            raise ValueError(f"{op}: a (C,) input takes a 0-d target, got input {input.shape} and target "
                             f"{target.shape}")
        return input.reshape(1, -1), target.reshape(1), ()
    expected = (input.shape[0],) + input.shape[2:]
    if target.shape != expected:
        raise ValueError(f"{op}: input {input.shape} needs target (N, d1, ...) = {expected}, got {target.shape}; "
                         "input (N, C) takes target (N,)")
    if input.ndim > 2:   # (N, C, d1, ...) -> (N * d1 * ..., C)
        classes_last = (0,) + tuple(range(2, input.ndim)) + (1,)
        input = input.permute(classes_last).reshape(-1, input.shape[1])
    return input, target.reshape(-1), expected

def _labels(target, classes, ignore_index, op):
    if target.dtype not in (int64, uint8):
        raise TypeError(f"{op}: target must be int64 (or uint8) class indices, got {target.dtype} (probability "
                        "targets need cross_entropy and the input's float dtype)")
    labels = target.numpy().astype(np.int64)
    kept = labels != ignore_index
    bad = kept & ((labels < 0) | (labels >= classes))
    if bad.any():
        raise ValueError(f"{op}: target {labels[bad][0]} is out of range for {classes} classes")
    return labels, kept

def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """-weight[t] * input[n, t, ...] for each target t = target[n, ...]; input holds log-probabilities."""
    _check("nll_loss", input, target, reduction)
    check_int(ignore_index, "ignore_index", "nll_loss")
    weight = _check_class_weight("nll_loss", weight, input)
    rows, labels_tensor, shape = _rows(input, target, "nll_loss")
    labels, kept = _labels(labels_tensor, rows.shape[1], ignore_index, "nll_loss")
    if weight is None and kept.all():   # the plain case, one gather
        picked = -rows[np.arange(rows.shape[0]), labels]
        return _reduce(picked.reshape(shape), reduction)
    safe = np.where(kept, labels, 0)
    scale = np.zeros(labels.shape, rows.dtype)
    scale[kept] = 1 if weight is None else weight.numpy()[safe[kept]]
    scale = Tensor(scale, device=rows.device)
    picked = -rows[np.arange(rows.shape[0]), safe] * scale
    if reduction == "mean":
        return picked.sum() / scale.sum()
    return _reduce(picked.reshape(shape), reduction)

def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """log_softmax over the classes (dim 1, or dim 0 of a (C,) input), then nll_loss; or, for float targets of
    the input's shape, -sum over classes of weight * target * log_softmax (probability targets).
    label_smoothing=e mixes the target with the uniform distribution: (1 - e) * target + e / C."""
    _check("cross_entropy", input, target, reduction)
    check_int(ignore_index, "ignore_index", "cross_entropy")
    check_number(label_smoothing, "label_smoothing", "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing={label_smoothing} must lie in [0, 1]")
    weight = _check_class_weight("cross_entropy", weight, input)
    class_dim = 1 if input.ndim > 1 else 0
    classes = input.shape[class_dim]
    log_p = log_softmax(input, class_dim)
    class_shape = (1, -1) + (1,) * (input.ndim - 2) if input.ndim > 1 else (-1,)
    if target.dtype.kind == "f":
        _check_same_shape("cross_entropy", input, target)
        if label_smoothing:
            target = target * (1 - label_smoothing) + label_smoothing / classes
        terms = log_p * target if weight is None else log_p * target * weight.reshape(class_shape)
        loss = -terms.sum(class_dim)
        return loss.sum() / (input.numel() // classes) if reduction == "mean" else _reduce(loss, reduction)
    nll = nll_loss(log_p, target, weight, ignore_index, reduction)
    if not label_smoothing:
        return nll
    # the uniform part: -sum over classes of weight * log_p / C per target, 0 where the target is ignored
    smooth = -(log_p if weight is None else log_p * weight.reshape(class_shape)).sum(class_dim)
    kept = target.numpy() != ignore_index
    smooth = smooth * Tensor(kept.astype(input.dtype), device=input.device)
    if reduction == "mean":
        if weight is None:
            denominator = kept.sum()
        else:
            denominator = weight.numpy()[np.where(kept, target.numpy(), 0)][kept].sum()
        smooth = smooth.sum() / denominator
    else:
        smooth = _reduce(smooth, reduction)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / classes)

# --- regression and probability losses -------------------------------------------------------------------------
def mse_loss(input, target, reduction="mean"):
    _check("mse_loss", input, target, reduction)
    _check_same_shape("mse_loss", input, target)
    diff = input - target
    return _reduce(diff * diff, reduction)

def l1_loss(input, target, reduction="mean"):
    _check("l1_loss", input, target, reduction)
    _check_same_shape("l1_loss", input, target)
    return _reduce((input - target).abs(), reduction)

def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta = 0 is l1_loss)."""
    _check("smooth_l1_loss", input, target, reduction)
    _check_same_shape("smooth_l1_loss", input, target)
    check_number(beta, "beta", "smooth_l1_loss", minimum=0)
    size = (input - target).abs()
    if beta == 0:
        return _reduce(size, reduction)
    return _reduce(where(size < beta, size * size * (0.5 / beta), size - 0.5 * beta), reduction)

def huber_loss(input, target, reduction="mean", delta=1.0):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta): smooth_l1_loss scaled by delta."""
    _check("huber_loss", input, target, reduction)
    _check_same_shape("huber_loss", input, target)
    if check_number(delta, "delta", "huber_loss") <= 0:
        raise ValueError(f"huber_loss: delta={delta} must be positive")
    size = (input - target).abs()
    return _reduce(where(size < delta, size * size * 0.5, (size - 0.5 * delta) * delta), reduction)

def _check_weight(op, weight, input, name="weight"):
    if weight is not None:
        check_tensor(weight, name, op)
        try:
            np.broadcast_shapes(weight.shape, input.shape)
        except ValueError:
            raise ValueError(f"{op}: {name} of shape {weight.shape} does not broadcast to the input's "
                             f"{input.shape}") from None
    return weight

class BinaryCrossEntropy(Function):
    """-(t log x + (1 - t) log(1 - x)) with each log clamped at -100. The gradients are PyTorch's: the input's
    (x - t) / max(x (1 - x), 1e-12), finite at x = 0 and 1, and the target's log(1 - x) - log(x), unclamped."""
    def forward(self, x, t):
        xp = self.xp
        self.save_for_backward(x, t)
        log_x, log_1mx = xp.maximum(xp.log(x), -100.0), xp.maximum(xp.log(xp.sub(1, x)), -100.0)
        return xp.neg(xp.add(xp.mul(t, log_x), xp.mul(xp.sub(1, t), log_1mx)))
    def backward(self, g):
        xp, (x, t) = self.xp, self.saved
        grad_x = xp.div(xp.mul(g, xp.sub(x, t)), xp.maximum(xp.mul(x, xp.sub(1, x)), 1e-12)) \
            if self.needs_input_grad[0] else None
        grad_t = xp.mul(g, xp.sub(xp.log(xp.sub(1, x)), xp.log(x))) if self.needs_input_grad[1] else None
        return grad_x, grad_t

def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """-(t log x + (1 - t) log(1 - x)) for probabilities x in [0, 1]; each log is clamped at -100, as in PyTorch,
    so a certain wrong answer costs 100, not inf."""
    _check("binary_cross_entropy", input, target, reduction)
    _check_same_shape("binary_cross_entropy", input, target)
    weight = _check_weight("binary_cross_entropy", weight, input)
    values = input.numpy()
    inside = (values >= 0) & (values <= 1)
    if not inside.all():
        raise ValueError(f"binary_cross_entropy: input {values[~inside][0]} is not a probability in [0, 1] (use "
                         "binary_cross_entropy_with_logits for raw scores)")
    loss = BinaryCrossEntropy.apply(input, target)
    return _reduce(loss if weight is None else loss * weight, reduction)

def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """binary_cross_entropy of sigmoid(input), computed from logsigmoid so that it never overflows; pos_weight
    scales the positive term (one entry per class, broadcast over the last dim)."""
    op = "binary_cross_entropy_with_logits"
    _check(op, input, target, reduction)
    _check_same_shape(op, input, target)
    weight = _check_weight(op, weight, input)
    pos_weight = _check_weight(op, pos_weight, input, "pos_weight")
    positive = logsigmoid(input)             # log sigmoid(x)
    negative = positive - input              # log (1 - sigmoid(x)) = log sigmoid(x) - x
    loss = -(target * positive if pos_weight is None else target * pos_weight * positive) - (1 - target) * negative
    return _reduce(loss if weight is None else loss * weight, reduction)

def kl_div(input, target, reduction="mean", log_target=False):
    """target * (log target - input), summed as `reduction` says; input holds log-probabilities, and so does
    target when log_target. Terms with target 0 are 0. 'batchmean' divides the sum by the batch size (the KL
    divergence proper); 'mean' divides by the number of elements, as in PyTorch."""
    op = "kl_div"
    _check(op, input, target, reduction, REDUCTIONS + ("batchmean",))
    _check_same_shape(op, input, target)
    if log_target:
        loss = target.exp() * (target - input)
    else:   # log of 1 where the target is 0, so that the masked-out term has no NaN in its gradient either
        positive = target > 0
        loss = where(positive, target * (where(positive, target, 1.0).log() - input), 0.0)
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction)
