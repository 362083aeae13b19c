"""Losses with PyTorch's names, arguments and reductions, composed from the other ops (their gradients come with
them).

Class-index losses (nll_loss, cross_entropy) take an input (N, C, d1, ...) or (C,) and int64 targets
(N, d1, ...) or (); `weight` rescales each class, `ignore_index` drops targets, and 'mean' divides by the total
weight of the targets kept, as in PyTorch. The margin losses (multi_margin_loss, multilabel_margin_loss) take an
input (N, C) or (C,) of scores.

The deprecated `size_average` and `reduce` arguments are accepted where PyTorch has them and must stay None:
pass `reduction`.
"""
import math

import numpy as np

from ..arguments import check_bool, check_choice, check_int, check_number, check_tensor
from ..autograd import Function
from ..tensor import Tensor, int64, uint8
from .activation import log_softmax, logsigmoid, relu
from .distance import at_least, pairwise_distance
from .elementwise import minimum, where

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

# --- margin and embedding losses -------------------------------------------------------------------------------
def _no_legacy(op, size_average, reduce):
    if size_average is not None or reduce is not None:
        raise ValueError(f"{op}: size_average and reduce are deprecated in PyTorch and not supported here: use "
                         "reduction='mean', 'sum' or 'none'")

def _check_inputs(op, reduction, size_average=None, reduce=None, **tensors):
    """Every tensor given is a Tensor, the first a float one; the reduction is PyTorch's."""
    _no_legacy(op, size_average, reduce)
    check_choice(reduction, "reduction", op, REDUCTIONS)
    for name, tensor in tensors.items():
        check_tensor(tensor, name, op)
    name, first = next(iter(tensors.items()))
    if first.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be float32 or float64, got {first.dtype}")

def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """max(0, -target * (input1 - input2) + margin): target 1 asks input1 to rank higher, -1 input2."""
    op = "margin_ranking_loss"
    _check_inputs(op, reduction, size_average, reduce, input1=input1, input2=input2, target=target)
    check_number(margin, "margin", op)
    if not input1.ndim == input2.ndim == target.ndim:
        raise ValueError(f"{op}: input1, input2 and target must have the same number of dims, got shapes "
                         f"{input1.shape}, {input2.shape} and {target.shape}")
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)

def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """input where target is 1, max(0, margin - input) where it is -1 (a target that is neither gets both
    terms, as in PyTorch)."""
    op = "hinge_embedding_loss"
    _check_inputs(op, reduction, size_average, reduce, input=input, target=target)
    check_number(margin, "margin", op)
    below_margin = where(target != 1, (margin - input).clamp(min=0), 0.0)
    return _reduce(below_margin + where(target != -1, input, 0.0), reduction)

def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """1 - cos(input1, input2) where target is 1, max(0, cos - margin) where it is -1; a (N,) target takes
    (N, D) inputs, a 0-d one (D,) inputs."""
    op = "cosine_embedding_loss"
    _check_inputs(op, reduction, size_average, reduce, input1=input1, input2=input2, target=target)
    check_number(margin, "margin", op)
    if target.ndim not in (0, 1):
        raise ValueError(f"{op}: target must be 0-d or 1-d (one label per pair), got shape {target.shape}")
    if input1.ndim != target.ndim + 1 or input2.ndim != target.ndim + 1:
        raise ValueError(f"{op}: a {target.ndim}-d target takes {target.ndim + 1}-d inputs, got input1 "
                         f"{input1.shape} and input2 {input2.shape}")
    dim = target.ndim
    squared_norms = ((x * x).sum(dim) + 1e-12 for x in (input1, input2))
    cos = (input1 * input2).sum(dim) / (next(squared_norms) * next(squared_norms)).sqrt()
    loss = where(target == 1, 1 - cos, 0.0) + where(target == -1, (cos - margin).clamp(min=0), 0.0)
    return _reduce(loss, reduction)

def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-target * input)), the logistic loss of labels -1 and 1."""
    _check_inputs("soft_margin_loss", reduction, size_average, reduce, input=input, target=target)
    return _reduce((-input * target).exp().log1p(), reduction)

def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """binary cross-entropy of sigmoid(input) against 0/1 targets, averaged over the classes (the last dim)."""
    op = "multilabel_soft_margin_loss"
    _check_inputs(op, reduction, size_average, reduce, input=input, target=target)
    if input.ndim == 0:
        raise ValueError(f"{op}: input must have a class dim, (N, C) or (C,), got a 0-d tensor")
    weight = _check_weight(op, weight, input)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss.sum(input.ndim - 1) / input.shape[-1], reduction)

def _score_rows(op, input):
    """input as (N, C) rows of class scores, from (N, C) or (C,)."""
    if input.ndim not in (1, 2) or (input.ndim == 1 and input.numel() == 0) or input.shape[-1] == 0:
        raise ValueError(f"{op}: input must be a non-empty (C,) or (N, C) tensor of scores, got shape {input.shape}")
    return input.reshape(1, -1) if input.ndim == 1 else input

def _class_labels(op, target, classes):
    """target's int64 values, each checked to be a class in [0, classes)."""
    if target.dtype != int64:
        raise TypeError(f"{op}: target must hold int64 class indices, got {target.dtype}")
    labels = target.numpy()
    bad = (labels < 0) | (labels >= classes)
    if bad.any():
        raise ValueError(f"{op}: target {labels[bad].flat[0]} is out of range for {classes} classes")
    return labels

def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Each sample's target row lists its classes, ended by the first negative entry; the loss sums
    max(0, 1 - (x[j] - x[i])) over its classes j and every class i not among them, divided by C."""
    op = "multilabel_margin_loss"
    _check_inputs(op, reduction, size_average, reduce, input=input, target=target)
    rows = _score_rows(op, input)
    if target.shape != input.shape:
        raise ValueError(f"{op}: target must have the input's shape {input.shape}, got {target.shape}")
    if target.dtype != int64:
        raise TypeError(f"{op}: target must hold int64 class indices, got {target.dtype}")
    count, classes = rows.shape
    labels = target.numpy().reshape(count, classes)
    listed = np.cumprod(labels >= 0, axis=1).astype(bool)   # the entries before the first negative one
    if (listed & (labels >= classes)).any():
        raise ValueError(f"{op}: target {labels[listed & (labels >= classes)][0]} is out of range for {classes} "
                         "classes")
    width = max(int(listed.sum(1).max(initial=0)), 1)
    listed, labels = listed[:, :width], np.where(listed, labels, 0)[:, :width]
    is_target = np.zeros((count, classes), bool)
    is_target[np.nonzero(listed)[0], labels[listed]] = True
    pairs = Tensor((listed[:, :, None] & ~is_target[:, None, :]).astype(rows.dtype), device=input.device)
    scores = rows[np.arange(count)[:, None], labels]                        # (N, targets)
    hinge = relu(1 - scores.reshape(count, width, 1) + rows.reshape(count, 1, classes))
    loss = (hinge * pairs).sum((1, 2)) / classes
    return _reduce(loss if input.ndim == 2 else loss.reshape(()), reduction)

def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """The multi-class hinge loss: the sum over classes i other than the target y of
    weight[y] * max(0, margin - x[y] + x[i])^p, divided by C; p is 1 or 2."""
    op = "multi_margin_loss"
    _check_inputs(op, reduction, size_average, reduce, input=input, target=target)
    if check_int(p, "p", op) not in (1, 2):
        raise ValueError(f"{op}: p={p}: only 1 and 2 are supported")
    check_number(margin, "margin", op)
    rows = _score_rows(op, input)
    count, classes = rows.shape
    if target.numel() != count or target.ndim > 1:
        raise ValueError(f"{op}: target must hold one class per sample, {count} in a 1-d tensor, got shape "
                         f"{target.shape} for input {input.shape}")
    labels = _class_labels(op, target, classes).reshape(count)
    if weight is not None and (check_tensor(weight, "weight", op).ndim != 1 or weight.numel() != classes):
        raise ValueError(f"{op}: weight must have shape ({classes},), one entry per class, got {weight.shape}")
    others = Tensor((np.arange(classes) != labels[:, None]).astype(rows.dtype), device=input.device)
    picked = rows[np.arange(count), labels].reshape(count, 1)
    hinge = relu(margin - picked + rows)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        hinge = hinge * weight[labels].reshape(count, 1)
    loss = (hinge * others).sum(1) / classes
    return _reduce(loss if input.ndim == 2 else loss.reshape(target.shape), reduction)

def _check_triplet(op, anchor, positive, negative, margin, swap):
    check_number(margin, "margin", op)
    if not margin > 0:
        raise ValueError(f"{op}: margin={margin} must be greater than 0")
    check_bool(swap, "swap", op)
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise ValueError(f"{op}: anchor, positive and negative must have the same number of dims, got shapes "
                         f"{anchor.shape}, {positive.shape} and {negative.shape}")

def _triplet(distance, anchor, positive, negative, margin, swap, reduction):
    """max(0, margin + d(anchor, positive) - d(anchor, negative)), the negative distance being the smaller of
    d(anchor, negative) and d(positive, negative) when `swap`."""
    far = distance(anchor, negative)
    if swap:
        far = minimum(far, distance(positive, negative))
    return _reduce((margin + distance(anchor, positive) - far).clamp(min=0), reduction)

def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """The triplet loss over pairwise_distance with norm p (eps as pairwise_distance's)."""
    op = "triplet_margin_loss"
    _check_inputs(op, reduction, size_average, reduce, anchor=anchor, positive=positive, negative=negative)
    _check_triplet(op, anchor, positive, negative, margin, swap)
    check_number(p, "p", op)
    check_number(eps, "eps", op)
    return _triplet(lambda a, b: pairwise_distance(a, b, p, eps), anchor, positive, negative, margin, swap,
                    reduction)

def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    """The triplet loss with any distance_function(x1, x2) (pairwise_distance when None)."""
    op = "triplet_margin_with_distance_loss"
    _check_inputs(op, reduction, anchor=anchor, positive=positive, negative=negative)
    _check_triplet(op, anchor, positive, negative, margin, swap)
    if distance_function is not None and not callable(distance_function):
        raise TypeError(f"{op}: distance_function must be callable or None, got {type(distance_function).__name__}")
    return _triplet(distance_function or pairwise_distance, anchor, positive, negative, margin, swap, reduction)

# --- likelihood losses -----------------------------------------------------------------------------------------
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """The negative log-likelihood of target under a Poisson distribution of rate exp(input) (log_input) or
    input: exp(input) - target * input, or input - target * log(input + eps). `full` adds Stirling's
    approximation of log(target!) where target > 1."""
    op = "poisson_nll_loss"
    _check_inputs(op, reduction, size_average, reduce, input=input, target=target)
    check_bool(log_input, "log_input", op)
    check_bool(full, "full", op)
    check_number(eps, "eps", op)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + where(target <= 1, 0.0, stirling)
    return _reduce(loss, reduction)

def _variance_shape(op, var, input):
    """var as it broadcasts to the input: its shape, or the input's without the last dim (one variance per
    sample), or the input's with size 1 in one dim."""
    if var.shape == input.shape:
        return var
    if var.shape == input.shape[:-1]:
        return var.unsqueeze(-1)
    if var.ndim == input.ndim and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1:
        return var
    raise ValueError(f"{op}: var of shape {var.shape} does not fit input {input.shape}: use the input's shape, "
                     "the input's shape without its last dim, or the input's shape with 1 in one dim")

def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """The negative log-likelihood of target under normal distributions of mean input and variance var:
    0.5 (log var + (input - target)^2 / var), with var at least eps (its gradient as if unclamped, as in
    PyTorch); `full` adds the constant 0.5 log(2 pi)."""
    op = "gaussian_nll_loss"
    check_tensor(input, "input", op)
    check_tensor(target, "target", op)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be float32 or float64, got {input.dtype}")
    check_bool(full, "full", op)
    check_number(eps, "eps", op)
    if isinstance(var, Tensor):
        if (var.numpy() < 0).any():
            raise ValueError(f"{op}: var must not be negative, got {var.numpy()[var.numpy() < 0].flat[0]}")
        var = _variance_shape(op, var, input)
    else:
        if check_number(var, "var", op) < 0:
            raise ValueError(f"{op}: var={var} must not be negative")
        var = Tensor._wrap(input.xp.full(input.shape, var, input.dtype), input.device)
    check_choice(reduction, "reduction", op, REDUCTIONS)
    var = at_least(var, eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
