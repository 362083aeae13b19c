"""Losses: every option and reduction against plain-loop references and PyTorch, float64 gradchecks, the modules,
CPU against CUDA, and the argument checks."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygrad_pool as tp
import tinygrad_pool.nn as nn
import tinygrad_pool.nn.functional as F
from tinygrad_pool import Tensor, gradcheck
from conftest import assert_bad_input

# --- plain-loop references -------------------------------------------------------------------------------------
def reference_cross_entropy(scores, labels, weight, ignore_index, smoothing, reduction):
    """scores (N, C, *rest) and labels (N, *rest), one target at a time, as PyTorch defines it."""
    n, classes = scores.shape[:2]
    losses, weights = [], []
    for index in np.ndindex(*labels.shape):
        row = scores[(index[0], slice(None)) + index[1:]]
        log_p = row - row.max() - math.log(np.exp(row - row.max()).sum())
        label = labels[index]
        if label == ignore_index:
            losses.append(0.0)
            continue
        w = 1.0 if weight is None else weight[label]
        smooth = -sum((1.0 if weight is None else weight[c]) * log_p[c] for c in range(classes)) / classes
        losses.append((1 - smoothing) * -w * log_p[label] + smoothing * smooth)
        weights.append(w)
    if reduction == "none":
        return np.array(losses).reshape(labels.shape)
    total = sum(losses)
    return total if reduction == "sum" else total / sum(weights)

def reference_pointwise(name, x, t, option):
    d = x - t
    if name == "l1":
        return abs(d)
    if name == "mse":
        return d * d
    if name == "smooth_l1":
        return 0.5 * d * d / option if abs(d) < option else abs(d) - 0.5 * option
    if name == "huber":
        return 0.5 * d * d if abs(d) < option else option * (abs(d) - 0.5 * option)
    if name == "bce":
        return -(t * max(math.log(x) if x > 0 else -math.inf, -100) +
                 (1 - t) * max(math.log(1 - x) if x < 1 else -math.inf, -100))
    if name == "bce_logits":
        return -(t * option * -math.log1p(math.exp(-x)) + (1 - t) * (-math.log1p(math.exp(-x)) - x))
    raise KeyError(name)

POINTWISE = {   # name: (ours, torch's, the option)
    "l1": (lambda x, t, r, o: F.l1_loss(x, t, reduction=r), lambda T, x, t, r, o: T.l1_loss(x, t, reduction=r), 0),
    "mse": (lambda x, t, r, o: F.mse_loss(x, t, reduction=r), lambda T, x, t, r, o: T.mse_loss(x, t, reduction=r),
            0),
    "smooth_l1": (lambda x, t, r, o: F.smooth_l1_loss(x, t, reduction=r, beta=o),
                  lambda T, x, t, r, o: T.smooth_l1_loss(x, t, reduction=r, beta=o), 0.7),
    "huber": (lambda x, t, r, o: F.huber_loss(x, t, reduction=r, delta=o),
              lambda T, x, t, r, o: T.huber_loss(x, t, reduction=r, delta=o), 1.3),
    "bce": (lambda x, t, r, o: F.binary_cross_entropy(x, t, reduction=r),
            lambda T, x, t, r, o: T.binary_cross_entropy(x, t, reduction=r), 0),
    "bce_logits": (lambda x, t, r, o: F.binary_cross_entropy_with_logits(
                       x, t, reduction=r, pos_weight=tp.full((x.shape[-1],), o, dtype=x.dtype)),
                   lambda T, x, t, r, o: T.binary_cross_entropy_with_logits(
                       x, t, reduction=r, pos_weight=__import__("torch").full((x.shape[-1],), o, dtype=x.dtype)),
                   1.7),
}

def _pair(name, seed, shape=(3, 4)):
    rng = np.random.default_rng(seed)
    x, t = rng.normal(size=shape) * 2, rng.normal(size=shape)
    if name == "bce":
        x, t = 1 / (1 + np.exp(-x)), rng.random(shape)
        x.flat[0], x.flat[1] = 0.0, 1.0   # the clamped logs
    if name == "bce_logits":
        t = rng.random(shape)
    return x, t

@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", POINTWISE)
@given(seed=st.integers(0, 2**31))
@settings(max_examples=10)
def test_pointwise_losses_match_the_reference(name, reduction, seed):
    ours, _, option = POINTWISE[name]
    x, t = _pair(name, seed)
    out = ours(Tensor(x), Tensor(t), reduction, option).numpy()
    each = np.vectorize(lambda a, b: reference_pointwise(name, a, b, option))(x, t)
    expected = {"none": each, "sum": each.sum(), "mean": each.mean()}[reduction]
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)

@pytest.mark.parametrize("name", POINTWISE)
def test_pointwise_losses_match_pytorch_with_gradients(name):
    torch = pytest.importorskip("torch")
    ours, theirs, option = POINTWISE[name]
    for reduction in ("mean", "sum", "none"):
        x, t = _pair(name, 7)
        a, b = Tensor(x, requires_grad=True), Tensor(t, requires_grad=True)
        out = ours(a, b, reduction, option)
        out.backward(tp.ones(*out.shape, dtype=out.dtype))
        ta, tb = torch.tensor(x, requires_grad=True), torch.tensor(t, requires_grad=True)
        expected = theirs(torch.nn.functional, ta, tb, reduction, option)
        expected.backward(torch.ones_like(expected))
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
        # rtol 1e-7: at bce's clamped ends the gradient is about 1e12 / batch, rounded in another order
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-7, atol=1e-12)
        np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-7, atol=1e-12)

@pytest.mark.parametrize("name", POINTWISE)
def test_pointwise_losses_pass_gradcheck(name):
    ours, _, option = POINTWISE[name]
    x, t = _pair(name, 3)
    if name == "bce":
        x = np.clip(x, 0.05, 0.95)   # away from the clamped ends
    assert gradcheck(lambda a, b: ours(a, b, "mean", option), [Tensor(x, requires_grad=True),
                                                               Tensor(t, requires_grad=True)])

cross_entropy_cases = st.fixed_dictionaries({
    "shape": st.sampled_from([(5, 4), (3, 4, 2), (2, 3, 2, 2), (4,)]),
    "weighted": st.booleans(), "ignore": st.booleans(), "smoothing": st.sampled_from([0.0, 0.1, 0.5]),
    "reduction": st.sampled_from(["mean", "sum", "none"]), "seed": st.integers(0, 2**31)})

def _class_problem(case):
    rng = np.random.default_rng(case["seed"])
    shape = case["shape"]
    classes = shape[1] if len(shape) > 1 else shape[0]
    scores = rng.normal(size=shape) * 3
    labels = rng.integers(0, classes, size=(shape[0],) + shape[2:] if len(shape) > 1 else ())
    ignore_index = -100
    if case["ignore"] and labels.ndim:
        ignore_index = 1
    weight = rng.random(classes) + 0.1 if case["weighted"] else None
    return scores, np.asarray(labels, np.int64), weight, ignore_index

@given(case=cross_entropy_cases)
@settings(max_examples=40)
def test_cross_entropy_matches_the_reference(case):
    scores, labels, weight, ignore_index = _class_problem(case)
    if labels.ndim and (labels == ignore_index).all():
        labels.flat[0] = 0
    out = F.cross_entropy(Tensor(scores), Tensor(labels), None if weight is None else Tensor(weight), ignore_index,
                          case["reduction"], case["smoothing"]).numpy()
    batched = scores.reshape((1,) + scores.shape) if scores.ndim == 1 else scores
    expected = reference_cross_entropy(batched, labels.reshape(labels.shape if scores.ndim > 1 else (1,)), weight,
                                       ignore_index, case["smoothing"], case["reduction"])
    np.testing.assert_allclose(out, np.reshape(expected, out.shape), rtol=1e-10, atol=1e-12)

@given(case=cross_entropy_cases, probabilities=st.booleans())
@settings(max_examples=40)
def test_cross_entropy_and_nll_loss_match_pytorch(case, probabilities):
    torch = pytest.importorskip("torch")
    scores, labels, weight, ignore_index = _class_problem(case)
    if probabilities:   # a distribution over the classes in place of each label
        target = np.random.default_rng(case["seed"]).random(scores.shape)
        target /= target.sum(axis=1 if scores.ndim > 1 else 0, keepdims=True)
        ignore_index = -100
    else:
        target = labels
    kwargs = dict(ignore_index=ignore_index, reduction=case["reduction"], label_smoothing=case["smoothing"])
    x = Tensor(scores, requires_grad=True)
    w = None if weight is None else Tensor(weight)
    out = F.cross_entropy(x, Tensor(target), w, **kwargs)
    out.backward(tp.ones(*out.shape, dtype=out.dtype))
    tx = torch.tensor(scores, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(tx, torch.tensor(target), None if weight is None else
                                                 torch.tensor(weight), **kwargs)
    expected.backward(torch.ones_like(expected))
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-9, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12, equal_nan=True)
    if not probabilities:
        log_p = torch.log_softmax(torch.tensor(scores), 1 if scores.ndim > 1 else 0)
        theirs = torch.nn.functional.nll_loss(log_p, torch.tensor(labels), None if weight is None else
                                              torch.tensor(weight), ignore_index=ignore_index,
                                              reduction=case["reduction"])
        ours = F.nll_loss(Tensor(log_p.numpy()), Tensor(labels), w, ignore_index, case["reduction"])
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-12, equal_nan=True)

def test_cross_entropy_options_pass_gradcheck():
    scores, labels, weight, _ = _class_problem(dict(shape=(3, 4, 2), weighted=True, ignore=False, smoothing=0.2,
                                                    reduction="mean", seed=5))
    labels[0, 0] = 2
    assert gradcheck(lambda x: F.cross_entropy(x, Tensor(labels), Tensor(weight), ignore_index=2,
                                               label_smoothing=0.2), [Tensor(scores, requires_grad=True)])

@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "batchmean"])
def test_kl_div_matches_pytorch(log_target, reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    log_q = np.log(rng.dirichlet(np.ones(5), size=3))
    p = rng.dirichlet(np.ones(5), size=3)
    p[0, 1] = 0.0    # a zero target contributes 0
    target = np.log(p + 1e-300) if log_target else p
    x = Tensor(log_q, requires_grad=True)
    out = F.kl_div(x, Tensor(target), reduction=reduction, log_target=log_target)
    out.backward(tp.ones(*out.shape, dtype=out.dtype))
    tx = torch.tensor(log_q, requires_grad=True)
    expected = torch.nn.functional.kl_div(tx, torch.tensor(target), reduction=reduction, log_target=log_target)
    expected.backward(torch.ones_like(expected))
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)

def test_binary_cross_entropy_with_logits_never_overflows():
    x = tp.tensor([100.0, -100.0, 0.0], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, tp.tensor([0.0, 1.0, 1.0]), reduction="none")
    np.testing.assert_allclose(loss.numpy(), [100.0, 100.0, math.log(2)], rtol=1e-6)

def test_loss_modules_take_pytorchs_arguments(device):
    x, labels = Tensor(np.random.randn(4, 3).astype(np.float32), device=device), Tensor([0, 2, 1, 2], device=device)
    weight = Tensor([1.0, 2.0, 0.5], device=device)
    module = nn.CrossEntropyLoss(weight=weight, ignore_index=1, label_smoothing=0.1)
    assert list(module.state_dict()) == ["weight"]
    expected = F.cross_entropy(x, labels, weight, ignore_index=1, label_smoothing=0.1)
    np.testing.assert_allclose(module(x, labels).numpy(), expected.numpy(), rtol=1e-6)
    np.testing.assert_allclose(nn.NLLLoss(reduction="sum")(x, labels).numpy(),
                               F.nll_loss(x, labels, reduction="sum").numpy())
    y = Tensor(np.random.rand(4, 3).astype(np.float32), device=device)
    for module, function in ((nn.L1Loss(), F.l1_loss), (nn.MSELoss(reduction="none"), lambda a, b: F.mse_loss(
            a, b, reduction="none")), (nn.SmoothL1Loss(beta=0.5), lambda a, b: F.smooth_l1_loss(a, b, beta=0.5)),
            (nn.HuberLoss(delta=2.0), lambda a, b: F.huber_loss(a, b, delta=2.0)),
            (nn.BCEWithLogitsLoss(pos_weight=weight), lambda a, b: F.binary_cross_entropy_with_logits(
                a, b, pos_weight=weight)), (nn.BCELoss(), lambda a, b: F.binary_cross_entropy(a.sigmoid(), b)),
            (nn.KLDivLoss(reduction="batchmean"), lambda a, b: F.kl_div(a, b, reduction="batchmean"))):
        first = x.sigmoid() if isinstance(module, nn.BCELoss) else x
        np.testing.assert_allclose(module(first, y).numpy(), function(x, y).numpy(), rtol=1e-6)
    assert repr(nn.L1Loss(reduction="sum")) == "L1Loss(reduction='sum')"

BAD = {
    "nll_loss with a weight per row": (lambda: F.nll_loss(tp.randn(4, 3), tp.tensor([0, 1, 2, 0]), tp.ones(4)),
                                       ValueError, "shape (3,), one entry per class"),
    "nll_loss with a float ignore_index": (lambda: F.nll_loss(tp.randn(4, 3), tp.tensor([0, 1, 2, 0]),
                                                              ignore_index=1.0), TypeError,
                                           "ignore_index must be an int"),
    "cross_entropy with smoothing 2": (lambda: F.cross_entropy(tp.randn(4, 3), tp.tensor([0, 1, 2, 0]),
                                                               label_smoothing=2.0), ValueError,
                                       "label_smoothing=2.0 must lie in [0, 1]"),
    "cross_entropy of a wrong target shape": (lambda: F.cross_entropy(tp.randn(2, 3, 4), tp.tensor([0, 1])),
                                              ValueError, "needs target (N, d1, ...) = (2, 4)"),
    "cross_entropy of float targets of another shape": (lambda: F.cross_entropy(tp.randn(2, 3), tp.rand(2, 4)),
                                                        ValueError, "equal shapes"),
    "binary_cross_entropy of a logit": (lambda: F.binary_cross_entropy(tp.tensor([1.5]), tp.tensor([1.0])),
                                        ValueError, "input 1.5 is not a probability"),
    "bce_with_logits with a bad pos_weight": (lambda: F.binary_cross_entropy_with_logits(
        tp.randn(2, 3), tp.rand(2, 3), pos_weight=tp.ones(2)), ValueError, "pos_weight of shape (2,)"),
    "l1_loss of a float64 target": (lambda: F.l1_loss(tp.ones(2), tp.ones(2, dtype=tp.float64)), TypeError,
                                    "target must have the input's dtype"),
    "smooth_l1_loss with beta -1": (lambda: F.smooth_l1_loss(tp.ones(2), tp.ones(2), beta=-1.0), ValueError,
                                    "beta=-1.0 must be at least 0"),
    "huber_loss with delta 0": (lambda: F.huber_loss(tp.ones(2), tp.ones(2), delta=0.0), ValueError,
                                "delta=0.0 must be positive"),
    "kl_div with reduction 'avg'": (lambda: F.kl_div(tp.ones(2), tp.ones(2), reduction="avg"), ValueError,
                                    "'batchmean'"),
    "MSELoss with size_average": (lambda: nn.MSELoss(size_average=True), ValueError, "use reduction="),
}

@pytest.mark.parametrize("case", BAD)
def test_bad_arguments_are_named(case):
    assert_bad_input(case, BAD)
