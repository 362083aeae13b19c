"""F.unfold / F.fold and their modules: plain loops as the reference, gradients, errors, PyTorch as an oracle."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F
from tinygrad_pool import nn
from conftest import assert_bad_input, tolerance

def blocks_per_dim(length, k, d, p, s):
    return (length + 2 * p - d * (k - 1) - 1) // s + 1

def naive_unfold(x, kernel, dilation, padding, stride):
    n, c, h, w = x.shape
    oh, ow = (blocks_per_dim(L, k, d, p, s) for L, k, d, p, s in zip((h, w), kernel, dilation, padding, stride))
    out = np.zeros((n, c * kernel[0] * kernel[1], oh * ow), x.dtype)
    for b in range(n):
        for ch in range(c):
            for kh in range(kernel[0]):
                for kw in range(kernel[1]):
                    row = (ch * kernel[0] + kh) * kernel[1] + kw
                    for i in range(oh):
                        for j in range(ow):
                            y = i * stride[0] - padding[0] + kh * dilation[0]
                            z = j * stride[1] - padding[1] + kw * dilation[1]
                            if 0 <= y < h and 0 <= z < w:
                                out[b, row, i * ow + j] = x[b, ch, y, z]
    return out

def naive_fold(cols, size, kernel, dilation, padding, stride):
    """The adjoint of naive_unfold, written as its own loops: every entry added where unfold read it."""
    n, rows, _ = cols.shape
    c = rows // (kernel[0] * kernel[1])
    oh, ow = (blocks_per_dim(L, k, d, p, s) for L, k, d, p, s in zip(size, kernel, dilation, padding, stride))
    out = np.zeros((n, c) + tuple(size), cols.dtype)
    for b in range(n):
        for row in range(rows):
            ch, tap = divmod(row, kernel[0] * kernel[1])
            kh, kw = divmod(tap, kernel[1])
            for i in range(oh):
                for j in range(ow):
                    y = i * stride[0] - padding[0] + kh * dilation[0]
                    z = j * stride[1] - padding[1] + kw * dilation[1]
                    if 0 <= y < size[0] and 0 <= z < size[1]:
                        out[b, ch, y, z] += cols[b, row, i * ow + j]
    return out

@st.composite
def window(draw):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    size = tuple(max(d * (k - 1) + 1 - 2 * p, 1) + draw(st.integers(0, 4))
                 for k, d, p in zip(kernel, dilation, padding))
    return kernel, dilation, padding, stride, size

@given(window(), st.integers(0, 2), st.integers(1, 3), st.sampled_from([np.float32, np.float64]), st.data())
def test_unfold_and_fold_match_the_loops(device, geometry, n, c, dtype, data):
    kernel, dilation, padding, stride, size = geometry
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    x = rng.standard_normal((n, c) + size).astype(dtype)
    got = F.unfold(tp.tensor(x, device=device), kernel, dilation, padding, stride).numpy()
    expected = naive_unfold(x, kernel, dilation, padding, stride)
    np.testing.assert_array_equal(got, expected)
    cols = rng.standard_normal(expected.shape).astype(dtype)
    folded = F.fold(tp.tensor(cols, device=device), size, kernel, dilation, padding, stride).numpy()
    np.testing.assert_allclose(folded, naive_fold(cols, size, kernel, dilation, padding, stride), **tolerance(dtype))

def test_special_values_are_copied_and_summed(device):
    x = np.array([[[[np.nan, np.inf], [-np.inf, -0.0]]]], np.float32)
    np.testing.assert_array_equal(F.unfold(tp.tensor(x, device=device), 1).numpy(), x.reshape(1, 1, 4))
    overlap = np.array([[[np.inf, -np.inf]]], np.float32)   # kernel 2 over length 3, stride 1: both add to the middle
    folded = F.fold(tp.tensor(np.repeat(overlap, 2, axis=1), device=device), (1, 3), (1, 2)).numpy()
    assert np.isnan(folded[0, 0, 0, 1]) and folded[0, 0, 0, 0] == np.inf and folded[0, 0, 0, 2] == -np.inf

def test_unbatched_inputs(device):
    x = tp.randn(2, 4, 5, device=device)
    np.testing.assert_array_equal(F.unfold(x, 2).numpy(), F.unfold(x.unsqueeze(0), 2).numpy()[0])
    cols = F.unfold(x, 2)
    np.testing.assert_array_equal(F.fold(cols, (4, 5), 2).numpy(), F.fold(cols.unsqueeze(0), (4, 5), 2).numpy()[0])

def test_gradients_match_finite_differences(device):
    x = tp.randn(2, 2, 4, 5, dtype=tp.float64, device=device, requires_grad=True)
    assert tp.gradcheck(lambda t: F.unfold(t, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), (x,))
    cols = tp.randn(1, 6, 6, dtype=tp.float64, device=device, requires_grad=True)
    assert tp.gradcheck(lambda t: F.fold(t, (3, 4), (1, 3), padding=(0, 1), stride=(1, 2)), (cols,))

def test_modules_run_the_functions_and_print_as_pytorch():
    unfold, fold = nn.Unfold(kernel_size=(2, 3), stride=2), nn.Fold(output_size=(4, 5), kernel_size=(2, 3),
                                                                     stride=2)
    x = tp.randn(1, 2, 4, 5)
    np.testing.assert_array_equal(unfold(x).numpy(), F.unfold(x, (2, 3), stride=2).numpy())
    assert fold(unfold(x)).shape == (1, 2, 4, 5)
    assert repr(unfold) == "Unfold(kernel_size=(2, 3), dilation=1, padding=0, stride=2)"
    assert repr(fold) == "Fold(output_size=(4, 5), kernel_size=(2, 3), dilation=1, padding=0, stride=2)"

def test_pytorch_agrees_forward_and_backward():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 7, 6)).astype(np.float32)
    args = dict(kernel_size=(3, 2), dilation=(2, 1), padding=(1, 0), stride=(2, 2))
    ours = tp.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    out, expected = F.unfold(ours, **args), torch.nn.functional.unfold(theirs, **args)
    np.testing.assert_array_equal(out.numpy(), expected.detach().numpy())
    g = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(tp.tensor(g))
    expected.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(F.fold(tp.tensor(g), (7, 6), **args).numpy(),
                               torch.nn.functional.fold(torch.tensor(g), (7, 6), **args).numpy(), rtol=1e-6,
                               atol=1e-6)

def test_an_empty_batch_gives_empty_blocks(device):
    assert F.unfold(tp.zeros(0, 2, 3, 3, device=device), 2).shape == (0, 8, 4)
    assert F.fold(tp.zeros(0, 8, 4, device=device), (3, 3), 2).shape == (0, 2, 3, 3)

x4 = tp.zeros(1, 2, 5, 5)
BAD = {
    "unfold of a list": (lambda: F.unfold([[1.0]], 2), TypeError, "unfold: input must be a Tensor"),
    "unfold of 5-d": (lambda: F.unfold(tp.zeros(1, 1, 2, 2, 2), 1), ValueError, "expected a 3-d (C, H, W) or 4-d"),
    "unfold of int64": (lambda: F.unfold(tp.zeros(1, 1, 2, 2, dtype=tp.int64), 1), TypeError, "float32 or float64"),
    "kernel 0": (lambda: F.unfold(x4, 0), ValueError, "kernel_size must be positive"),
    "stride 0": (lambda: F.unfold(x4, 2, stride=0), ValueError, "stride must be positive"),
    "padding -1": (lambda: F.unfold(x4, 2, padding=-1), ValueError, "padding must be non-negative"),
    "kernel of 3 entries": (lambda: F.unfold(x4, (2, 2, 2)), ValueError, "kernel_size"),
    "kernel 2.5": (lambda: F.unfold(x4, 2.5), TypeError, "kernel_size"),
    "kernel larger than input": (lambda: F.unfold(x4, 6), ValueError, "finds no block"),
    "empty channels": (lambda: F.unfold(tp.zeros(1, 0, 3, 3), 2), ValueError, "empty channel"),
    "fold of 4-d": (lambda: F.fold(x4, (5, 5), 2), ValueError, "expected a 2-d (C*KH*KW, L) or 3-d"),
    "fold rows not a multiple": (lambda: F.fold(tp.zeros(1, 12, 4), (3, 3), 3), ValueError,
                                 "positive multiple of kernel_size (3, 3)"),
    "fold block count": (lambda: F.fold(tp.zeros(1, 4, 5), (3, 3), 2), ValueError, "has 5 blocks"),
    "fold output_size of 3": (lambda: F.fold(tp.zeros(1, 4, 4), (3, 3, 3), 2), ValueError, "output_size"),
    "module kernel 0": (lambda: nn.Unfold(0), ValueError, "Unfold: kernel_size must be positive"),
}

@pytest.mark.parametrize("case", BAD)
def test_bad_input_gets_a_clear_error(case):
    assert_bad_input(case, BAD)
