"""Losses: every option and reduction against plain-loop references and PyTorch, float64 gradchecks, the modules,
CPU against CUDA, and the argument checks."""
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_pool as tp
import tinygrad_pool.nn as nn
import tinygrad_pool.nn.functional as F
from tinygrad_pool import Tensor, gradcheck
from conftest import assert_bad_input, examples

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
@examples(10)
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
@examples(40)
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
@examples(40)
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
    assert repr(nn.L1Loss(reduction="sum")) == "L1Loss()"   # PyTorch's loss reprs show no arguments

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
    "margin_ranking_loss of mismatched dims": (lambda: F.margin_ranking_loss(tp.ones(3), tp.ones(3), tp.ones(2, 3)),
                                               ValueError, "same number of dims, got shapes (3,), (3,) and (2, 3)"),
    "margin_ranking_loss with reduction 'bad'": (lambda: F.margin_ranking_loss(tp.ones(3), tp.ones(3), tp.ones(3),
                                                                               reduction="bad"), ValueError,
                                                 "reduction='bad'"),
    "hinge_embedding_loss with size_average": (lambda: F.hinge_embedding_loss(tp.ones(3), tp.ones(3), 1.0, True),
                                               ValueError, "size_average and reduce are deprecated"),
    "hinge_embedding_loss of int64": (lambda: F.hinge_embedding_loss(tp.tensor([1, 2]), tp.ones(2)), TypeError,
                                      "input must be float32 or float64, got int64"),
    "cosine_embedding_loss of a 2-d target": (lambda: F.cosine_embedding_loss(tp.ones(2, 3), tp.ones(2, 3),
                                                                              tp.ones(2, 1)), ValueError,
                                              "target must be 0-d or 1-d"),
    "cosine_embedding_loss of 1-d inputs and target": (lambda: F.cosine_embedding_loss(tp.ones(3), tp.ones(3),
                                                                                       tp.ones(3)), ValueError,
                                                       "a 1-d target takes 2-d inputs, got input1 (3,)"),
    "soft_margin_loss of shapes that do not broadcast": (lambda: F.soft_margin_loss(tp.ones(3), tp.ones(2)),
                                                         ValueError, "(3,) and (2,) do not broadcast"),
    "multilabel_soft_margin_loss with a bad weight": (lambda: F.multilabel_soft_margin_loss(
        tp.ones(2, 3), tp.ones(2, 3), weight=tp.ones(2)), ValueError, "weight of shape (2,)"),
    "multilabel_margin_loss with a class out of range": (lambda: F.multilabel_margin_loss(
        tp.ones(2, 3), tp.tensor([[0, 3, -1], [2, -1, 0]])), ValueError, "target 3 is out of range for 3 classes"),
    "multilabel_margin_loss of a target of another shape": (lambda: F.multilabel_margin_loss(
        tp.ones(2, 3), tp.tensor([[0, 1], [2, -1]])), ValueError, "target must have the input's shape (2, 3)"),
    "multilabel_margin_loss of float targets": (lambda: F.multilabel_margin_loss(tp.ones(2, 3), tp.ones(2, 3)),
                                                TypeError, "int64 class indices, got float32"),
    "multilabel_margin_loss of a 3-d input": (lambda: F.multilabel_margin_loss(
        tp.ones(2, 3, 4), tp.zeros(2, 3, 4, dtype=tp.int64)), ValueError, "(C,) or (N, C) tensor of scores"),
    "multi_margin_loss with a class out of range": (lambda: F.multi_margin_loss(tp.ones(2, 3), tp.tensor([0, 3])),
                                                    ValueError, "target 3 is out of range for 3 classes"),
    "multi_margin_loss with p 3": (lambda: F.multi_margin_loss(tp.ones(2, 3), tp.tensor([0, 1]), p=3), ValueError,
                                   "p=3: only 1 and 2"),
    "multi_margin_loss with one target for two samples": (lambda: F.multi_margin_loss(tp.ones(2, 3), tp.tensor([0])),
                                                          ValueError, "one class per sample, 2 in a 1-d tensor"),
    "multi_margin_loss with 2 weights for 3 classes": (lambda: F.multi_margin_loss(
        tp.ones(2, 3), tp.tensor([0, 1]), weight=tp.ones(2)), ValueError, "weight must have shape (3,)"),
    "multi_margin_loss of float targets": (lambda: F.multi_margin_loss(tp.ones(2, 3), tp.tensor([0.0, 1.0])),
                                           TypeError, "int64 class indices, got float32"),
    "triplet_margin_loss of mismatched dims": (lambda: F.triplet_margin_loss(tp.ones(2, 3), tp.ones(2, 3), tp.ones(3)),
                                               ValueError, "shapes (2, 3), (2, 3) and (3,)"),
    "triplet_margin_loss with margin -1": (lambda: F.triplet_margin_loss(tp.ones(2, 3), tp.ones(2, 3), tp.ones(2, 3),
                                                                         margin=-1), ValueError,
                                           "margin=-1 must be greater than 0"),
    "triplet_margin_with_distance_loss with margin 0": (lambda: F.triplet_margin_with_distance_loss(
        tp.ones(2, 3), tp.ones(2, 3), tp.ones(2, 3), margin=0), ValueError, "margin=0 must be greater than 0"),
    "triplet_margin_with_distance_loss with a string distance": (lambda: F.triplet_margin_with_distance_loss(
        tp.ones(2, 3), tp.ones(2, 3), tp.ones(2, 3), distance_function="l2"), TypeError,
        "distance_function must be callable"),
    "poisson_nll_loss with reduction 'x'": (lambda: F.poisson_nll_loss(tp.ones(3), tp.ones(3), reduction="x"),
                                            ValueError, "reduction='x'"),
    "poisson_nll_loss with full 1": (lambda: F.poisson_nll_loss(tp.ones(3), tp.ones(3), full=1), TypeError,
                                     "full must be True or False"),
    "gaussian_nll_loss with a negative variance": (lambda: F.gaussian_nll_loss(tp.ones(2, 3), tp.ones(2, 3),
                                                                               -tp.ones(2, 3)), ValueError,
                                                   "var must not be negative, got -1.0"),
    "gaussian_nll_loss with var -0.5": (lambda: F.gaussian_nll_loss(tp.ones(2, 3), tp.ones(2, 3), -0.5), ValueError,
                                        "var=-0.5 must not be negative"),
    "gaussian_nll_loss with a var of the wrong shape": (lambda: F.gaussian_nll_loss(tp.ones(2, 3), tp.ones(2, 3),
                                                                                    tp.ones(3)), ValueError,
                                                        "var of shape (3,) does not fit input (2, 3)"),
    "gaussian_nll_loss with reduction 'bad'": (lambda: F.gaussian_nll_loss(tp.ones(2, 3), tp.ones(2, 3),
                                                                           tp.ones(2, 3), reduction="bad"),
                                               ValueError, "reduction='bad'"),
    "MultiMarginLoss with reduce": (lambda: nn.MultiMarginLoss(reduce=False), ValueError, "use reduction="),
}

@pytest.mark.parametrize("case", BAD)
def test_bad_arguments_are_named(case):
    assert_bad_input(case, BAD)

# --- margin, embedding and likelihood losses -------------------------------------------------------------------
def _sigmoid_log(v):
    return -math.log1p(math.exp(-v)) if v >= 0 else v - math.log1p(math.exp(v))

def _distance(a, b, p=2.0, eps=1e-6):
    return sum(abs(u - v + eps) ** p for u, v in zip(a, b)) ** (1 / p)

def _cosine(a, b):
    dot = sum(u * v for u, v in zip(a, b))
    return dot / math.sqrt((sum(u * u for u in a) + 1e-12) * (sum(v * v for v in b) + 1e-12))

def _cosine_distance(a, b):
    return 1 - _cosine(a, b)

def ref_margin_ranking(x1, x2, y):
    return np.array([max(0.0, -t * (a - b) + 0.3) for a, b, t in zip(x1, x2, y)])

def ref_hinge_embedding(x, y):
    return np.array([(v if t != -1 else 0.0) + (max(0.0, 1.2 - v) if t != 1 else 0.0) for v, t in zip(x, y)])

def ref_cosine_embedding(x1, x2, y):
    return np.array([1 - _cosine(a, b) if t == 1 else (max(0.0, _cosine(a, b) - 0.2) if t == -1 else 0.0)
                     for a, b, t in zip(x1, x2, y)])

def ref_soft_margin(x, y):
    return np.vectorize(lambda v, t: math.log1p(math.exp(-t * v)))(x, y)

def ref_multilabel_soft_margin(x, y, w):
    return np.array([-sum(w[c] * (t[c] * _sigmoid_log(v[c]) + (1 - t[c]) * _sigmoid_log(-v[c]))
                          for c in range(len(v))) / len(v) for v, t in zip(x, y)])

def ref_multilabel_margin(x, y):
    out = []
    for v, labels in zip(x, y):
        targets = []
        for label in labels:
            if label < 0:
                break
            targets.append(label)
        out.append(sum(max(0.0, 1 - (v[j] - v[i])) for j in targets for i in range(len(v)) if i not in targets)
                   / len(v))
    return np.array(out)

def ref_multi_margin(x, y, w, p):
    return np.array([sum(w[t] * max(0.0, 0.7 - v[t] + v[i]) ** p for i in range(len(v)) if i != t) / len(v)
                     for v, t in zip(x, y)])

def ref_triplet(a, p, n, swap, distance):
    out = []
    for u, v, w in zip(a, p, n):
        far = min(distance(u, w), distance(v, w)) if swap else distance(u, w)
        out.append(max(0.0, 1.0 + distance(u, v) - far))
    return np.array(out)

def ref_poisson(x, t, log_input, full):
    out = []
    for v, k in zip(x.ravel(), t.ravel()):
        loss = math.exp(v) - k * v if log_input else v - k * math.log(v + 1e-8)
        if full and k > 1:
            loss += k * math.log(k) - k + 0.5 * math.log(2 * math.pi * k)
        out.append(loss)
    return np.array(out).reshape(x.shape)

def ref_gaussian(x, t, var, full):
    var = np.broadcast_to(var, x.shape)
    out = np.empty(x.shape)
    for index, v in np.ndenumerate(x):
        s = max(var[index], 1e-6)
        out[index] = 0.5 * (math.log(s) + (v - t[index]) ** 2 / s) + (0.5 * math.log(2 * math.pi) if full else 0)
    return out

def _signs(rng, shape):
    return rng.choice([-1.0, 1.0], size=shape)

def _label_rows(rng, rows, classes):
    labels = np.full((rows, classes), -1, np.int64)
    for r in range(rows):
        count = rng.integers(0, classes + 1)
        labels[r, :count] = rng.permutation(classes)[:count]
        labels[r, count:] = rng.integers(-1, classes, classes - count)   # after the first -1: ignored
        if count < classes:
            labels[r, count] = -1
    return labels

# name: (inputs from a generator, ours(T, inputs, reduction), the per-sample reference(inputs), the indices of the
# float inputs to differentiate); T is tinygrad_pool.nn.functional or torch.nn.functional
MARGIN_LOSSES = {
    "margin_ranking": (lambda r: [r.normal(size=5), r.normal(size=5), _signs(r, 5)],
                       lambda T, x, red: T.margin_ranking_loss(*x, margin=0.3, reduction=red), ref_margin_ranking,
                       (0, 1, 2)),
    "hinge_embedding": (lambda r: [r.normal(size=6), r.choice([-1.0, 1.0, 0.0], size=6)],
                        lambda T, x, red: T.hinge_embedding_loss(*x, margin=1.2, reduction=red), ref_hinge_embedding,
                        (0,)),
    "cosine_embedding": (lambda r: [r.normal(size=(4, 3)), r.normal(size=(4, 3)), _signs(r, 4)],
                         lambda T, x, red: T.cosine_embedding_loss(*x, margin=0.2, reduction=red),
                         ref_cosine_embedding, (0, 1)),
    "soft_margin": (lambda r: [r.normal(size=(3, 4)), _signs(r, (3, 4))],
                    lambda T, x, red: T.soft_margin_loss(*x, reduction=red), ref_soft_margin, (0,)),
    "multilabel_soft_margin": (lambda r: [r.normal(size=(3, 4)), r.integers(0, 2, (3, 4)).astype(float),
                                          r.random(4) + 0.5],
                               lambda T, x, red: T.multilabel_soft_margin_loss(x[0], x[1], weight=x[2],
                                                                               reduction=red),
                               ref_multilabel_soft_margin, (0, 1)),
    "multilabel_margin": (lambda r: [r.normal(size=(4, 5)), _label_rows(r, 4, 5)],
                          lambda T, x, red: T.multilabel_margin_loss(*x, reduction=red), ref_multilabel_margin,
                          (0,)),
    "multi_margin": (lambda r: [r.normal(size=(4, 3)), r.integers(0, 3, 4), r.random(3) + 0.5],
                     lambda T, x, red: T.multi_margin_loss(x[0], x[1], margin=0.7, weight=x[2], reduction=red),
                     lambda x, y, w: ref_multi_margin(x, y, w, 1), (0,)),
    "multi_margin_p2": (lambda r: [r.normal(size=(4, 3)), r.integers(0, 3, 4), r.random(3) + 0.5],
                        lambda T, x, red: T.multi_margin_loss(x[0], x[1], p=2, margin=0.7, weight=x[2],
                                                              reduction=red),
                        lambda x, y, w: ref_multi_margin(x, y, w, 2), (0,)),
    "triplet_margin": (lambda r: [r.normal(size=(4, 3)) for _ in range(3)],
                       lambda T, x, red: T.triplet_margin_loss(*x, reduction=red),
                       lambda a, p, n: ref_triplet(a, p, n, False, _distance), (0, 1, 2)),
    "triplet_margin_swap_p1": (lambda r: [r.normal(size=(4, 3)) for _ in range(3)],
                               lambda T, x, red: T.triplet_margin_loss(*x, p=1, swap=True, reduction=red),
                               lambda a, p, n: ref_triplet(a, p, n, True, lambda u, v: _distance(u, v, 1.0)),
                               (0, 1, 2)),
    "triplet_with_distance": (lambda r: [r.normal(size=(4, 3)) for _ in range(3)],
                              lambda T, x, red: T.triplet_margin_with_distance_loss(
                                  *x, distance_function=lambda a, b: 1 - T.cosine_similarity(a, b), swap=True,
                                  reduction=red),
                              lambda a, p, n: ref_triplet(a, p, n, True, _cosine_distance), (0, 1, 2)),
    "poisson_nll": (lambda r: [r.normal(size=(3, 4)), r.integers(0, 5, (3, 4)).astype(float)],
                    lambda T, x, red: T.poisson_nll_loss(*x, reduction=red),
                    lambda x, t: ref_poisson(x, t, True, False), (0, 1)),
    "poisson_nll_full": (lambda r: [r.random((3, 4)) + 0.1, r.integers(0, 5, (3, 4)).astype(float)],
                         lambda T, x, red: T.poisson_nll_loss(*x, log_input=False, full=True, reduction=red),
                         lambda x, t: ref_poisson(x, t, False, True), (0,)),
    "gaussian_nll": (lambda r: [r.normal(size=(3, 4)), r.normal(size=(3, 4)), r.random((3, 4)) + 0.1],
                     lambda T, x, red: T.gaussian_nll_loss(*x, reduction=red),
                     lambda x, t, v: ref_gaussian(x, t, v, False), (0, 1, 2)),
    "gaussian_nll_per_sample_full": (lambda r: [r.normal(size=(3, 4)), r.normal(size=(3, 4)), r.random(3) + 0.1],
                                     lambda T, x, red: T.gaussian_nll_loss(*x, full=True, reduction=red),
                                     lambda x, t, v: ref_gaussian(x, t, v[:, None], True), (0, 1, 2)),
    "gaussian_nll_one_in_a_dim": (lambda r: [r.normal(size=(3, 4)), r.normal(size=(3, 4)), r.random((1, 4))],
                                  lambda T, x, red: T.gaussian_nll_loss(*x, reduction=red),
                                  lambda x, t, v: ref_gaussian(x, t, v, False), (0, 1, 2)),
}

def _ours(arrays, differentiate, device="cpu"):
    return [Tensor(x, device=device, requires_grad=i in differentiate) if x.dtype.kind == "f" else
            Tensor(x, device=device) for i, x in enumerate(arrays)]

@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", MARGIN_LOSSES)
@given(seed=st.integers(0, 2**31))
@examples(10)
def test_margin_losses_match_the_reference(name, reduction, seed):
    make, call, reference, _ = MARGIN_LOSSES[name]
    arrays = make(np.random.default_rng(seed))
    out = call(F, _ours(arrays, ()), reduction).numpy()
    each = reference(*arrays)
    expected = {"none": each, "sum": each.sum(), "mean": each.mean()}[reduction]
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)

@pytest.mark.parametrize("name", MARGIN_LOSSES)
def test_margin_losses_pass_gradcheck(name):
    make, call, _, differentiate = MARGIN_LOSSES[name]
    arrays = make(np.random.default_rng(8))
    tensors = _ours(arrays, differentiate)

    def loss(*checked):
        inputs = list(tensors)
        for i, t in zip(differentiate, checked):
            inputs[i] = t
        return call(F, inputs, "sum")
    assert gradcheck(loss, [tensors[i] for i in differentiate])

@pytest.mark.parametrize("name", MARGIN_LOSSES)
def test_margin_losses_match_pytorch_with_gradients(name):
    torch = pytest.importorskip("torch")
    make, call, _, differentiate = MARGIN_LOSSES[name]
    for reduction, seed in itertools.product(("mean", "sum", "none"), (1, 2)):
        arrays = make(np.random.default_rng(seed))
        ours = _ours(arrays, differentiate)
        out = call(F, ours, reduction)
        out.backward(tp.ones(*out.shape, dtype=out.dtype))
        theirs = [torch.tensor(x, requires_grad=i in differentiate) for i, x in enumerate(arrays)]
        expected = call(torch.nn.functional, theirs, reduction)
        expected.backward(torch.ones_like(expected))
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
        for i in differentiate:
            np.testing.assert_allclose(ours[i].grad.numpy(), theirs[i].grad.numpy(), rtol=1e-9, atol=1e-12)

def test_margin_losses_of_single_samples_and_special_values_match_pytorch():
    torch = pytest.importorskip("torch")
    T = torch.nn.functional
    cases = [
        (lambda M, t: M.multi_margin_loss(t(np.array([0.1, 0.9, -0.4])), t(np.array(1)), reduction="none"), ()),
        (lambda M, t: M.multilabel_margin_loss(t(np.array([0.1, 0.9, -0.4])), t(np.array([2, -1, 0])),
                                               reduction="none"), ()),
        (lambda M, t: M.cosine_embedding_loss(t(np.array([1.0, 2.0])), t(np.array([0.0, 0.0])), t(np.array(-1.0))),
         ()),
        (lambda M, t: M.soft_margin_loss(t(np.array([np.inf, -np.inf, np.nan, -800.0])), t(np.ones(4)),
                                         reduction="none"), ()),
        (lambda M, t: M.poisson_nll_loss(t(np.array([np.inf, -np.inf, 0.0])), t(np.array([1.0, 0.0, 2.0])),
                                         full=True, reduction="none"), ()),
        (lambda M, t: M.gaussian_nll_loss(t(np.array([1.0, 2.0])), t(np.array([1.0, np.nan])), 0.0,
                                          reduction="none"), ()),
        (lambda M, t: M.hinge_embedding_loss(t(np.array([np.inf, -np.inf, np.nan])), t(np.array([1.0, -1.0, -1.0])),
                                             reduction="none"), ()),
    ]
    for call, _ in cases:
        ours = call(F, lambda a: Tensor(a)).numpy()
        theirs = call(T, lambda a: torch.tensor(a)).numpy()
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, equal_nan=True)

def test_margin_losses_agree_between_cpu_and_cuda(device):
    if device == "cpu":
        pytest.skip("compares the CUDA result with the CPU one")
    for name, (make, call, _, differentiate) in MARGIN_LOSSES.items():
        arrays = [x.astype(np.float32) if x.dtype == np.float64 else x for x in make(np.random.default_rng(4))]
        results = []
        for where in ("cpu", device):
            tensors = _ours(arrays, differentiate, where)
            out = call(F, tensors, "sum")
            out.backward()
            results.append([out.numpy()] + [tensors[i].grad.numpy() for i in differentiate])
        for cpu, gpu in zip(*results):
            np.testing.assert_allclose(gpu, cpu, rtol=2e-5, atol=1e-6, err_msg=name)

def test_new_loss_modules_take_pytorchs_arguments():
    rng = np.random.default_rng(0)
    x, y, z = (Tensor(rng.normal(size=(4, 3))) for _ in range(3))
    signs = Tensor(_signs(rng, 4))
    labels = Tensor(np.array([0, 2, 1, 2]))
    weight = Tensor(rng.random(3) + 0.5)
    cases = [
        (nn.MarginRankingLoss(0.5, reduction="sum"), (x[:, 0], y[:, 0], signs),
         F.margin_ranking_loss(x[:, 0], y[:, 0], signs, 0.5, reduction="sum")),
        (nn.HingeEmbeddingLoss(2.0), (x, y.sign()), F.hinge_embedding_loss(x, y.sign(), 2.0)),
        (nn.CosineEmbeddingLoss(0.1), (x, y, signs), F.cosine_embedding_loss(x, y, signs, 0.1)),
        (nn.SoftMarginLoss(reduction="none"), (x, y.sign()), F.soft_margin_loss(x, y.sign(), reduction="none")),
        (nn.MultiLabelSoftMarginLoss(weight), (x, (y > 0).double()),
         F.multilabel_soft_margin_loss(x, (y > 0).double(), weight)),
        (nn.MultiLabelMarginLoss(), (x, Tensor(np.array([[0, -1, 1]] * 4))),
         F.multilabel_margin_loss(x, Tensor(np.array([[0, -1, 1]] * 4)))),
        (nn.MultiMarginLoss(2, 0.5, weight), (x, labels), F.multi_margin_loss(x, labels, 2, 0.5, weight)),
        (nn.TripletMarginLoss(0.5, 1.0, swap=True), (x, y, z), F.triplet_margin_loss(x, y, z, 0.5, 1.0, swap=True)),
        (nn.TripletMarginWithDistanceLoss(margin=2.0), (x, y, z),
         F.triplet_margin_with_distance_loss(x, y, z, margin=2.0)),
        (nn.PoissonNLLLoss(log_input=False, full=True), (x.abs(), y.abs()),
         F.poisson_nll_loss(x.abs(), y.abs(), False, True)),
        (nn.GaussianNLLLoss(full=True), (x, y, z.abs()), F.gaussian_nll_loss(x, y, z.abs(), full=True)),
    ]
    for module, arguments, expected in cases:
        np.testing.assert_allclose(module(*arguments).numpy(), expected.numpy(), rtol=1e-12, err_msg=repr(module))
        assert repr(module).startswith(type(module).__name__ + "(")
    with pytest.warns(FutureWarning, match="NLLLoss2d is deprecated"):
        old_name = nn.NLLLoss2d(reduction="sum")
    np.testing.assert_allclose(old_name(x.log_softmax(1), labels).numpy(),
                               F.nll_loss(x.log_softmax(1), labels, reduction="sum").numpy())
    assert repr(nn.MultiMarginLoss(p=2)) == "MultiMarginLoss()" and repr(old_name) == "NLLLoss2d()"
    assert repr(nn.TripletMarginWithDistanceLoss()) == ("TripletMarginWithDistanceLoss(\n"
                                                       "  (distance_function): PairwiseDistance()\n)")
    assert list(nn.MultiMarginLoss(weight=weight).state_dict()) == ["weight"]
    assert isinstance(old_name, nn.NLLLoss)
