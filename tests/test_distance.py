"""normalize, cosine_similarity, pairwise_distance, pdist and their modules: values against plain loops,
gradients against float64 finite differences and PyTorch (zero vectors and equal rows too), special values,
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
def p_norm(values, p):
    values = [abs(float(v)) for v in values]
    if p == 0:
        return float(sum(v != 0 for v in values))
    if p == math.inf:
        return max(values)
    if p == -math.inf:
        return min(values)
    return sum(v ** p for v in values) ** (1 / p)

def along(x, dim, function):
    """function(vector) for every vector of x along dim, keeping that dim as size 1."""
    x = np.moveaxis(x, dim, -1)
    out = np.empty(x.shape[:-1])
    for index in np.ndindex(*out.shape):
        out[index] = function(x[index])
    return np.expand_dims(out, dim)

def normalize_reference(x, p, dim, eps):
    return x / np.maximum(along(x, dim, lambda v: p_norm(v, p)), eps)

def cosine_reference(x1, x2, dim, eps):
    x1, x2 = np.broadcast_arrays(x1, x2)
    out = np.empty(np.delete(x1.shape, dim))
    a, b = np.moveaxis(x1, dim, -1), np.moveaxis(x2, dim, -1)
    for index in np.ndindex(*out.shape):
        n1, n2 = max(p_norm(a[index], 2), eps), max(p_norm(b[index], 2), eps)
        out[index] = sum(u / n1 * v / n2 for u, v in zip(a[index], b[index]))
    return out

def pdist_reference(x, p):
    return np.array([p_norm(x[i] - x[j], p) for i, j in itertools.combinations(range(len(x)), 2)])

P_VALUES = [0, 0.5, 1, 1.5, 2, 3, math.inf]
shapes = st.sampled_from([(3, 4), (2, 3, 2), (5,), (1, 6)])

@given(shape=shapes, p=st.sampled_from(P_VALUES), eps=st.sampled_from([1e-12, 0.5]), seed=st.integers(0, 2**31))
def test_normalize_matches_the_reference(shape, p, eps, seed):
    x = np.random.default_rng(seed).normal(size=shape)
    x.flat[0] = 0.0
    dim = len(shape) - 1 if len(shape) < 2 else 1
    np.testing.assert_allclose(F.normalize(Tensor(x), p, dim, eps).numpy(), normalize_reference(x, p, dim, eps),
                               rtol=1e-12, atol=1e-15)

@given(shape=shapes, eps=st.sampled_from([1e-8, 2.0]), seed=st.integers(0, 2**31), zero=st.booleans())
def test_cosine_similarity_matches_the_reference(shape, eps, seed, zero):
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=shape), rng.normal(size=shape[-1:])   # x2 broadcasts
    if zero:
        x1[...] = 0.0
    dim = len(shape) - 1
    out = F.cosine_similarity(Tensor(x1), Tensor(x2), dim, eps)
    np.testing.assert_allclose(out.numpy(), cosine_reference(x1, x2, dim, eps), rtol=1e-12, atol=1e-15)

@given(shape=shapes, p=st.sampled_from(P_VALUES + [-1.0]), keepdim=st.booleans(), seed=st.integers(0, 2**31))
def test_pairwise_distance_matches_the_reference(shape, p, keepdim, seed):
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=shape), rng.normal(size=shape)
    expected = along(x1 - x2 + 1e-6, len(shape) - 1, lambda v: p_norm(v, p))
    out = F.pairwise_distance(Tensor(x1), Tensor(x2), p, 1e-6, keepdim)
    np.testing.assert_allclose(out.numpy(), expected if keepdim else expected[..., 0], rtol=1e-12)

@given(rows=st.integers(0, 6), columns=st.integers(1, 4), p=st.sampled_from(P_VALUES), seed=st.integers(0, 2**31))
def test_pdist_matches_the_reference(rows, columns, p, seed):
    x = np.random.default_rng(seed).integers(-2, 3, size=(rows, columns)).astype(np.float64)   # equal rows too
    out = F.pdist(Tensor(x), p)
    assert out.shape == (rows * (rows - 1) // 2,)
    np.testing.assert_allclose(out.numpy(), pdist_reference(x, p).reshape(-1), rtol=1e-12)

@pytest.mark.parametrize("p", [1, 1.5, 2, 3, math.inf])
def test_gradients_match_finite_differences(p):
    rng = np.random.default_rng(4)
    x1, x2 = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    a, b = Tensor(x1, requires_grad=True), Tensor(x2, requires_grad=True)
    assert gradcheck(lambda u: F.normalize(u, p, 1), [a])
    assert gradcheck(lambda u, v: F.pairwise_distance(u, v, p), [a, b])
    assert gradcheck(lambda u: F.pdist(u, p), [a])
    assert gradcheck(lambda u, v: F.cosine_similarity(u, v, 0), [a, b])

def _with_gradients(ours, theirs, torch, *arrays):
    tensors = [Tensor(x, requires_grad=True) for x in arrays]
    out = ours(*tensors)
    out.backward(tp.ones(*out.shape, dtype=out.dtype))
    reference = [torch.tensor(x, requires_grad=True) for x in arrays]
    expected = theirs(*reference)
    expected.backward(torch.ones_like(expected))
    grads = [np.zeros(x.shape) if t.grad is None else t.grad.numpy() for x, t in zip(arrays, tensors)]
    expected_grads = [np.zeros(x.shape) if t.grad is None else t.grad.numpy() for x, t in zip(arrays, reference)]
    return (out.numpy(), grads), (expected.detach().numpy(), expected_grads)

CASES = {   # name: (ours, torch's on torch.nn.functional), called on the inputs
    "normalize": (lambda x, y: F.normalize(x, 2, 1), lambda T, x, y: T.normalize(x, 2, 1)),
    "normalize p=1": (lambda x, y: F.normalize(x, 1, 0), lambda T, x, y: T.normalize(x, 1, 0)),
    "normalize p=inf": (lambda x, y: F.normalize(x, math.inf, 1), lambda T, x, y: T.normalize(x, math.inf, 1)),
    "cosine_similarity": (lambda x, y: F.cosine_similarity(x, y), lambda T, x, y: T.cosine_similarity(x, y)),
    "pairwise_distance": (lambda x, y: F.pairwise_distance(x, y), lambda T, x, y: T.pairwise_distance(x, y)),
    "pairwise_distance p=3": (lambda x, y: F.pairwise_distance(x, y, 3, keepdim=True),
                              lambda T, x, y: T.pairwise_distance(x, y, 3, keepdim=True)),
    "pdist": (lambda x, y: F.pdist(x), lambda T, x, y: T.pdist(x)),
    "pdist p=0.5": (lambda x, y: F.pdist(x, 0.5), lambda T, x, y: T.pdist(x, 0.5)),
    "pdist p=inf": (lambda x, y: F.pdist(x, math.inf), lambda T, x, y: T.pdist(x, math.inf)),
}

@pytest.mark.parametrize("name", CASES)
@given(seed=st.integers(0, 2**31), degenerate=st.booleans())
@examples(15)
def test_values_and_gradients_match_pytorch(name, seed, degenerate):
    """Zero vectors and equal rows too: the gradient is PyTorch's there (0, or the unclamped norm's)."""
    torch = pytest.importorskip("torch")
    ours, theirs = CASES[name]
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    if degenerate:
        x[0] = 0.0
        x[1] = x[2]
    (out, grads), (expected, expected_grads) = _with_gradients(
        lambda a, b: ours(a, b), lambda a, b: theirs(torch.nn.functional, a, b), torch, x, y)
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)
    for grad, expected_grad in zip(grads, expected_grads):
        np.testing.assert_allclose(grad, expected_grad, rtol=1e-9, atol=1e-12)

@pytest.mark.parametrize("name", CASES)
def test_special_values_match_pytorch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = CASES[name]
    x = np.array([[np.nan, 1.0, 2.0], [np.inf, -1.0, 0.5], [-0.0, 0.0, 0.0], [1e300, 2.0, -3.0]])
    y = np.array([[1.0, 2.0, 3.0], [0.0, -np.inf, 1.0], [0.0, -0.0, 1.0], [1.0, 1.0, 1.0]])
    with np.errstate(all="ignore"):
        out = ours(Tensor(x), Tensor(y)).numpy()
    expected = theirs(torch.nn.functional, torch.tensor(x), torch.tensor(y)).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-12, equal_nan=True)
    assert np.array_equal(np.signbit(out[~np.isnan(out)]), np.signbit(expected[~np.isnan(expected)]))

def test_mixed_and_integer_inputs_follow_pytorchs_dtypes():
    out = F.cosine_similarity(tp.ones(2, 3), tp.ones(2, 3, dtype=tp.float64))
    assert out.dtype == np.float64 and out.shape == (2,)
    distance = F.pairwise_distance(tp.tensor([[1, 2]]), tp.tensor([[1, 2]]))
    assert distance.dtype == np.float32 and distance.numpy()[0] == pytest.approx(math.sqrt(2) * 1e-6, rel=1e-5)
    assert F.pairwise_distance(tp.ones(3), tp.zeros(3)).shape == ()
    assert F.pairwise_distance(tp.ones(2, 3), tp.zeros(3), keepdim=True).shape == (2, 1)
    assert F.cosine_similarity(tp.tensor(1.0), tp.tensor(2.0), dim=0).item() == pytest.approx(1.0)
    assert F.normalize(tp.tensor(-3.0), dim=0).item() == -1.0
    assert F.pdist(tp.ones(1, 4)).shape == (0,) and F.pdist(tp.ones(0, 4)).shape == (0,)

def test_normalize_writes_into_out():
    out = tp.zeros(2, 2)
    result = F.normalize(tp.tensor([[3.0, 4.0], [0.0, 0.0]]), dim=1, out=out)
    assert result is out
    np.testing.assert_allclose(out.numpy(), [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)

def test_the_top_level_names_are_the_functions():
    assert tp.cosine_similarity is F.cosine_similarity and tp.pairwise_distance is F.pairwise_distance
    assert tp.pdist is F.pdist

def test_cpu_and_cuda_agree(device):
    if device == "cpu":
        pytest.skip("compares the CUDA result with the CPU one")
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=(3, 4)).astype(np.float32)
    x[1] = 0.0
    for name, (ours, _) in CASES.items():
        results = []
        for where in ("cpu", device):
            a, b = Tensor(x, device=where, requires_grad=True), Tensor(y, device=where, requires_grad=True)
            out = ours(a, b)
            out.backward(tp.ones(*out.shape, device=where))
            results.append([out.numpy(), a.grad.numpy(), b.grad.numpy() if b.grad is not None else None])
        for cpu, gpu in zip(*results):
            if cpu is not None:
                np.testing.assert_allclose(gpu, cpu, rtol=1e-5, atol=1e-6, err_msg=name)

def test_modules_take_pytorchs_arguments_and_reprs():
    x, y = tp.randn(3, 4), tp.randn(3, 4)
    assert repr(nn.CosineSimilarity()) == "CosineSimilarity()" and repr(nn.PairwiseDistance(1.0)) == \
        "PairwiseDistance()"
    np.testing.assert_array_equal(nn.CosineSimilarity(0, 1e-6)(x, y).numpy(),
                                  F.cosine_similarity(x, y, 0, 1e-6).numpy())
    distance = nn.PairwiseDistance(1.0, 1e-5, True)
    assert distance.norm == 1.0
    np.testing.assert_array_equal(distance(x, y).numpy(), F.pairwise_distance(x, y, 1.0, 1e-5, True).numpy())

BAD = {
    "normalize of a list": (lambda: F.normalize([1.0, 2.0]), TypeError, "normalize: input must be a Tensor"),
    "normalize of int64": (lambda: F.normalize(tp.tensor([1, 2]), dim=0), TypeError, "float32 or float64, got int64"),
    "normalize with dim 1 of a 1-d input": (lambda: F.normalize(tp.ones(3)), IndexError, "dim=1 is out of range"),
    "normalize with p 'fro'": (lambda: F.normalize(tp.ones(3), "fro", 0), TypeError, "p must be a number"),
    "cosine_similarity of int64": (lambda: F.cosine_similarity(tp.tensor([1, 2]), tp.tensor([1, 2]), dim=0),
                                   TypeError, "floating-point dtype"),
    "cosine_similarity of shapes that do not broadcast": (lambda: F.cosine_similarity(tp.ones(2, 3), tp.ones(3, 3)),
                                                          ValueError, "(2, 3) and (3, 3) do not broadcast"),
    "cosine_similarity with dim 2": (lambda: F.cosine_similarity(tp.ones(2, 3), tp.ones(2, 3), dim=2), IndexError,
                                     "dim=2 is out of range"),
    "cosine_similarity with a string eps": (lambda: F.cosine_similarity(tp.ones(2, 3), tp.ones(2, 3), eps="a"),
                                            TypeError, "eps must be a number"),
    "pairwise_distance of shapes that do not broadcast": (lambda: F.pairwise_distance(tp.ones(2, 3), tp.ones(4)),
                                                          ValueError, "(2, 3) and (4,) do not broadcast"),
    "pairwise_distance with keepdim 1": (lambda: F.pairwise_distance(tp.ones(2), tp.ones(2), keepdim=1), TypeError,
                                         "keepdim must be True or False"),
    "pdist of a 3-d input": (lambda: F.pdist(tp.ones(2, 3, 4)), ValueError, "2-d (N, M), got shape (2, 3, 4)"),
    "pdist with p -1": (lambda: F.pdist(tp.ones(3, 4), p=-1), ValueError, "p=-1 must be at least 0"),
    "pdist of int64": (lambda: F.pdist(tp.tensor([[1, 2], [3, 4]])), TypeError, "float32 or float64, got int64"),
    "CosineSimilarity with a float dim": (lambda: nn.CosineSimilarity(1.0), TypeError, "dim must be an int"),
    "PairwiseDistance with p None": (lambda: nn.PairwiseDistance(None), TypeError, "p must be a number"),
}

@pytest.mark.parametrize("case", BAD)
def test_bad_arguments_are_named(case):
    assert_bad_input(case, BAD)
