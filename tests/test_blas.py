"""The CPU backend's BLAS calls (backends/cpu/blas.py): `gemm`, one product where its operands lie (transposed
views, blocks of columns, accumulating), and the threaded 2-d matmul that cuts out's rows or columns."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from tinygrad_pool.backends.cpu import blas
from conftest import examples

def product_reference(a, b):
    """a @ b by the definition, in float64."""
    out = np.zeros((a.shape[0], b.shape[1]))
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            for k in range(a.shape[1]):
                out[i, j] += float(a[i, k]) * float(b[k, j])
    return out

def _tolerance(dtype, k):
    return dict(rtol=1e-5 if dtype == np.float32 else 1e-12, atol=(1e-5 if dtype == np.float32 else 1e-12) * (k + 1))

def _laid_out(x, layout, pad):
    """x stored by rows, by columns (a transposed view), or as a block of columns of a wider matrix."""
    if layout == "rows":
        return np.ascontiguousarray(x)
    if layout == "columns":
        return np.ascontiguousarray(x.T).T
    wide = np.full((x.shape[0], x.shape[1] + 2 * pad), np.nan, x.dtype)   # NaN elsewhere: a stray read shows
    wide[:, pad:pad + x.shape[1]] = x
    return wide[:, pad:pad + x.shape[1]]

LAYOUTS = st.sampled_from(["rows", "columns", "block"])

@examples(100)
@given(data=st.data())
def test_gemm_matches_the_definition_wherever_its_operands_lie(data):
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    m, k, n = (data.draw(st.integers(1, 9)) for _ in range(3))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1)))
    a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
    a_laid, b_laid = (_laid_out(x, data.draw(LAYOUTS), data.draw(st.integers(1, 3))) for x in (a, b))
    accumulate = data.draw(st.booleans())
    start = rng.standard_normal((m, n)).astype(dtype)
    wide = np.full((m, n + 4), 7.0, dtype)   # out as a block of columns: the columns around it stay
    out = wide[:, 2:2 + n]
    out[:] = start
    blas.gemm(a_laid, b_laid, out, accumulate)
    expected = product_reference(a, b) + (start if accumulate else 0)
    np.testing.assert_allclose(out, expected, **_tolerance(dtype, k))
    assert (wide[:, :2] == 7).all() and (wide[:, 2 + n:] == 7).all()

@examples(60)
@given(data=st.data())
def test_threaded_matmul_matches_the_definition_cut_by_rows_or_columns(data):
    """m >= n cuts out's rows, m < n its columns; any thread count, more threads than rows or columns too."""
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    m, k, n = data.draw(st.integers(1, 12)), data.draw(st.integers(1, 6)), data.draw(st.integers(1, 12))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1)))
    a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
    a_laid, b_laid = (_laid_out(x, data.draw(st.sampled_from(["rows", "columns"])), 0) for x in (a, b))
    out = np.full((m, n), np.nan, dtype)
    (a_stored, transpose_a), (b_stored, transpose_b) = blas._stored(a_laid), blas._stored(b_laid)
    blas._split_matmul(a_stored, b_stored, transpose_a, transpose_b, out, data.draw(st.integers(1, 4)))
    np.testing.assert_allclose(out, product_reference(a, b), **_tolerance(dtype, k))

@pytest.mark.parametrize("shape", [(64, 300, 128), (128, 64, 900), (3, 1000, 5)])
def test_a_linear_layers_products_take_transposed_operands_without_copies(shape):
    """x @ w.T, g @ w and g.T @ x: the shapes of a linear layer and its gradients."""
    m, k, n = shape
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((n, k), dtype=np.float32)
    g = rng.standard_normal((m, n), dtype=np.float32)
    for left, right in [(x, w.T), (g, w), (g.T, x)]:
        np.testing.assert_allclose(blas.matmul(left, right), left.astype(np.float64) @ right, rtol=1e-4, atol=1e-3)
