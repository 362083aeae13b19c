"""einsum against numpy's over hypothesis-drawn equations (implicit and explicit outputs, '...', letters repeated
within an operand, sums over letters), float64 finite differences through the tape, size-1 broadcasting as
PyTorch's, the sublist form, a bad-input table, and PyTorch as an extra oracle where it is installed."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_pool as tp
from tinygrad_pool import Tensor
from conftest import assert_bad_input, tolerance

LETTERS = "abcdA"

@st.composite
def equations(draw, max_operands=3):
    """(equation, shapes): each letter keeps one size, '...' stands for the same trailing-aligned dims in every
    operand that has it (some operands may have fewer of them, which broadcast)."""
    sizes = {letter: draw(st.integers(1, 3)) for letter in LETTERS}
    if draw(st.booleans()):
        sizes[draw(st.sampled_from(LETTERS))] = 0
    ellipsis_shape = tuple(draw(st.lists(st.integers(1, 2), max_size=2))) if draw(st.booleans()) else None
    terms, shapes = [], []
    for _ in range(draw(st.integers(1, max_operands))):
        letters = draw(st.lists(st.sampled_from(LETTERS), max_size=3))
        shape = [sizes[letter] for letter in letters]
        if ellipsis_shape is not None and draw(st.booleans()):
            at = draw(st.integers(0, len(letters)))
            kept = ellipsis_shape[draw(st.integers(0, len(ellipsis_shape))):]
            kept = tuple(1 if draw(st.booleans()) else size for size in kept)
            letters = letters[:at] + ["..."] + letters[at:]
            shape = shape[:at] + list(kept) + shape[at:]
        terms.append("".join(letters))
        shapes.append(tuple(shape))
    used = sorted({letter for term in terms for letter in term if letter != "."})
    has_ellipsis = any("..." in term for term in terms)
    equation = ",".join(terms)
    if draw(st.booleans()):
        output = draw(st.permutations(used))[:draw(st.integers(0, len(used)))]
        if has_ellipsis:
            at = draw(st.integers(0, len(output)))
            output = list(output[:at]) + ["..."] + list(output[at:])
        equation += "->" + "".join(output)
    return equation, shapes

@given(data=st.data())
def test_einsum_matches_numpy(device, data):
    equation, shapes = data.draw(equations())
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    arrays = [data.draw(hnp.arrays(dtype, shape, elements=st.floats(-2, 2, width=32))) for shape in shapes]
    expected = np.einsum(equation, *(a.astype(np.float64) for a in arrays))
    ours = tp.einsum(equation, *(Tensor(a, device=device) for a in arrays))
    assert ours.dtype == dtype and ours.shape == expected.shape, (equation, ours.shape, expected.shape)
    np.testing.assert_allclose(ours.numpy(), expected, **tolerance(dtype))
    spaced = " " + equation.replace(",", " , ").replace("->", " -> ") + " "
    np.testing.assert_allclose(tp.einsum(spaced, [Tensor(a, device=device) for a in arrays]).numpy(), expected,
                               **tolerance(dtype))

def einsum_reference(equation, *arrays):
    """A plain loop over every assignment of the letters: the sum of the products, into the output's element."""
    inputs, output = equation.split("->")
    terms = inputs.split(",")
    letters = sorted({letter for term in terms for letter in term})
    sizes = {}
    for term, array in zip(terms, arrays):
        for letter, size in zip(term, array.shape):
            sizes[letter] = max(sizes.get(letter, 1), size)
    out = np.zeros(tuple(sizes[letter] for letter in output))
    for values in np.ndindex(*(sizes[letter] for letter in letters)):
        at = dict(zip(letters, values))
        product = 1.0
        for term, array in zip(terms, arrays):
            product *= array[tuple(at[letter] if array.shape[i] > 1 else 0 for i, letter in enumerate(term))]
        out[tuple(at[letter] for letter in output)] += product
    return out

@pytest.mark.parametrize("equation, shapes", [
    ("i,i->i", [(3,), (1,)]), ("ij,j->ij", [(2, 3), (1,)]), ("bij,bjk->bik", [(1, 2, 3), (4, 3, 2)]),
    ("ij,jk->ik", [(2, 1), (3, 2)]), ("i,j->ij", [(3,), (1,)]),
])
def test_size_one_dims_broadcast_as_in_pytorch(device, equation, shapes):
    arrays = [np.random.default_rng(len(shape)).standard_normal(shape) for shape in shapes]
    ours = tp.einsum(equation, *(Tensor(a, device=device) for a in arrays))
    np.testing.assert_allclose(ours.numpy(), einsum_reference(equation, *arrays), rtol=1e-12, atol=1e-12)

@pytest.mark.parametrize("equation, shapes", [
    ("ij,jk->ik", [(2, 3), (3, 2)]), ("ij,jk", [(2, 3), (3, 2)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]),
    ("iij->j", [(2, 2, 3)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]), ("...ij,...jk", [(2, 2, 3), (3, 2)]),
    ("i,i", [(3,), (3,)]), ("ij->", [(2, 3)]), ("ij,ij,ij->i", [(2, 3), (2, 3), (2, 3)]), ("ji", [(2, 3)]),
    ("i,j->ij", [(2,), (3,)]), ("i...->...", [(2, 3)]), ("ijk,kj->i", [(2, 3, 2), (2, 3)]),
])
def test_einsum_gradients_match_finite_differences(device, equation, shapes):
    rng = np.random.default_rng(0)
    tensors = [tp.tensor(rng.standard_normal(shape), device=device, requires_grad=True) for shape in shapes]
    assert tp.gradcheck(lambda *operands: tp.einsum(equation, *operands), tensors)

def test_einsum_forms_and_dtypes(device):
    a, b = tp.ones(2, 3, device=device), tp.ones(3, 4, device=device)
    assert tp.einsum(a, [0, 1], b, [1, 2], [0, 2]).shape == (2, 4)
    assert tp.einsum(a, [0, 1], b, [1, 2]).shape == (2, 4)
    assert tp.einsum(a, [Ellipsis, 1], [Ellipsis]).shape == (2,)
    assert tp.einsum("bA", a).shape == (3, 2)   # capitals come first in an implicit output
    assert tp.einsum("i...->i", tp.ones(2, 3, 4, device=device)).tolist() == [12.0, 12.0]
    ints = tp.einsum("ij,jk", tp.ones(2, 3, dtype=tp.int64, device=device), tp.ones(3, 2, dtype=tp.int64,
                                                                                   device=device))
    assert ints.dtype == tp.int64 and ints.tolist() == [[3, 3], [3, 3]]
    assert tp.einsum("", tp.tensor(2.0, device=device)).item() == 2.0
    assert tp.einsum("->", tp.tensor(2.0, device=device)).item() == 2.0
    assert tp.einsum("i,i", tp.zeros(0, device=device), tp.zeros(0, device=device)).item() == 0.0

v = tp.ones(3)
m = tp.ones(2, 3)
BAD = {
    "too few operands": (lambda: tp.einsum("i,j", v), ValueError, "has subscripts for 2 operands, but 1 were given"),
    "too many operands": (lambda: tp.einsum("i", v, v), ValueError, "has subscripts for 1 operands, but 2"),
    "a digit": (lambda: tp.einsum("i1", m), ValueError, "invalid subscript '1' at index 1"),
    "a lone dot": (lambda: tp.einsum("i.j", m), ValueError, "not part of an ellipsis"),
    "two ellipses": (lambda: tp.einsum("......", v), ValueError, "more than one ellipsis"),
    "two arrows": (lambda: tp.einsum("i->i->i", v), ValueError, "more than one '->'"),
    "an unknown output letter": (lambda: tp.einsum("ij->k", m), ValueError, "output subscript k does not appear"),
    "an output letter twice": (lambda: tp.einsum("ij->ii", m), ValueError, "appears more than once in the output"),
    "too many letters": (lambda: tp.einsum("ijk", m), ValueError, "operand 0 has 2 dims but its subscript names 3"),
    "sizes that do not broadcast": (lambda: tp.einsum("ij,jk", m, m), ValueError,
                                    "subscript j has size 2 in operand 1, which does not broadcast with the size 3"),
    "a repeated letter of two sizes": (lambda: tp.einsum("ii->i", m), ValueError,
                                       "subscript i is repeated for operand 0 but the sizes don't match"),
    "two dtypes": (lambda: tp.einsum("i,i", v, v.double()), TypeError, "share one dtype"),
    "a list operand": (lambda: tp.einsum("i", [1.0]), TypeError, "operands[0] must be a Tensor"),
    "an equation that is not a str": (lambda: tp.einsum(3, v), TypeError, "the equation must be a str"),
    "no operands": (lambda: tp.einsum("i"), ValueError, "needs at least one operand"),
    "a bad sublist": (lambda: tp.einsum(v, ["a"]), ValueError, "a sublist holds 'a'"),
}

@pytest.mark.parametrize("case", BAD)
def test_bad_input_gets_a_clear_error(case):
    assert_bad_input(case, BAD)

@given(data=st.data())
def test_against_pytorch(data):
    torch = pytest.importorskip("torch")
    equation, shapes = data.draw(equations())
    arrays = [data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-2, 2))) for shape in shapes]
    ours = tp.einsum(equation, *(tp.tensor(a) for a in arrays))
    theirs = torch.einsum(equation, *(torch.tensor(a) for a in arrays))
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-12)

def test_gradients_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    for equation, shapes in (("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]), ("ii,ij->j", [(3, 3), (3, 2)]),
                             ("...i,...i", [(2, 3), (1, 3)]), ("i,j->ij", [(3,), (1,)])):
        arrays = [rng.standard_normal(shape) for shape in shapes]
        grads = []
        for m in (tp, torch):
            tensors = [m.tensor(a, requires_grad=True) for a in arrays]
            (m.einsum(equation, *tensors) * 1.5).sum().backward()
            grads.append([t.grad.numpy() for t in tensors])
        for ours, theirs in zip(*grads):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12, err_msg=equation)
