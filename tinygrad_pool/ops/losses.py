"""Losses with PyTorch's names and reductions, composed from the other ops (their gradients come with them)."""
import numpy as np

from ..arguments import check_choice, check_tensor
from ..tensor import int64
from .activation import log_softmax

REDUCTIONS = ("mean", "sum", "none")

def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss

def _check(op, input, target, reduction):
    check_tensor(input, "input", op)
    check_tensor(target, "target", op)
    check_choice(reduction, "reduction", op, REDUCTIONS)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be float32 or float64, got {input.dtype}")

def nll_loss(input, target, reduction="mean"):
    """-input[n, target[n]] averaged (or summed) over the batch; input holds log-probabilities (N, C), or (C,)
    with a 0-d target for one sample."""
    _check("nll_loss", input, target, reduction)
    if input.ndim == 1 and target.ndim == 0:
        loss = nll_loss(input.unsqueeze(0), target.unsqueeze(0), reduction)
        return loss.squeeze(0) if reduction == "none" else loss
    if input.ndim != 2 or target.ndim != 1 or target.shape[0] != input.shape[0]:
        raise ValueError(f"nll_loss needs input (N, C) and target (N,), got {input.shape} and {target.shape}")
    if target.dtype != int64:
        raise TypeError(f"nll_loss target must be int64 class indices, got {target.dtype}")
    labels = target.numpy()
    if labels.size and (labels.min() < 0 or labels.max() >= input.shape[1]):
        bad = labels[(labels < 0) | (labels >= input.shape[1])][0]
        raise ValueError(f"nll_loss target {bad} is out of range for {input.shape[1]} classes")
    return _reduce(-input[np.arange(input.shape[0]), labels], reduction)

def cross_entropy(input, target, reduction="mean"):
    """log_softmax over classes, then nll_loss: takes raw scores (N, C) and int64 labels (N,), or (C,) and a
    0-d label."""
    _check("cross_entropy", input, target, reduction)
    return nll_loss(log_softmax(input, 1 if input.ndim > 1 else 0), target, reduction)

def mse_loss(input, target, reduction="mean"):
    _check("mse_loss", input, target, reduction)
    if input.shape != target.shape:
        raise ValueError(f"mse_loss needs equal shapes, got {input.shape} and {target.shape}")
    diff = input - target
    return _reduce(diff * diff, reduction)
