"""Every Tensor operation against numpy, over random shapes (broadcasting, size-0 and size-1 dims),
dtypes and non-contiguous inputs, on each device."""
import json
import os
import platform
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F
from tinygrad_pool import Tensor
from conftest import CUDA, SIMULATED, tolerance

FLOATS = st.sampled_from([np.float32, np.float64])

def arrays(shape, dtype, low=-3.0, high=3.0):
    return hnp.arrays(dtype, shape, elements=st.floats(float(np.float32(low)), float(np.float32(high)), width=32))

def close(ours, expected, dtype=np.float32):
    ours = ours.numpy() if isinstance(ours, Tensor) else ours
    assert ours.shape == np.shape(expected), (ours.shape, np.shape(expected))
    np.testing.assert_allclose(ours, expected, **tolerance(dtype))

BINARY = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "div": (lambda a, b: a / b, np.divide),
    "maximum": (lambda a, b: a.maximum(b), np.maximum),
    "minimum": (lambda a, b: a.minimum(b), np.minimum),
    "pow": (lambda a, b: a.abs() ** b, lambda a, b: np.abs(a) ** b),
}

@pytest.mark.parametrize("name", BINARY)
@given(data=st.data())
def test_binary_ops_broadcast_like_numpy(device, name, data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_side=0, max_side=3, max_dims=3))
    dtype = data.draw(FLOATS)
    a = data.draw(arrays(shapes.input_shapes[0], dtype))
    b = data.draw(arrays(shapes.input_shapes[1], dtype, 0.5, 3.0))   # away from 0: division and pow stay finite
    ours, reference = BINARY[name]
    close(ours(Tensor(a, device=device), Tensor(b, device=device)), reference(a, b), dtype)

@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow"])
def test_binary_ops_with_python_scalars_keep_the_tensor_dtype(device, name):
    x = np.array([[0.5, 1.5, 2.0]], np.float32)
    ours, reference = BINARY[name]
    for scalar in (2, 0.75):
        close(ours(Tensor(x, device=device), scalar), reference(x, np.float32(scalar)))
        if name != "pow":
            reflected = ours(scalar, Tensor(x, device=device))
            assert reflected.dtype == tp.float32
            close(reflected, reference(np.float32(scalar), x))

def test_promotion_follows_pytorch(device):
    i = Tensor([1, 2], device=device)
    f = Tensor([0.5, 0.5], device=device)
    assert (i + f).dtype == tp.float32 and (i + 0.5).dtype == tp.float32 and (i + 1).dtype == tp.int64
    assert (i / 2).dtype == tp.float32 and (i / 2).tolist() == [0.5, 1.0]
    assert (f + Tensor([1.0, 1.0], dtype=tp.float64, device=device)).dtype == tp.float64

@pytest.mark.parametrize("op", ["eq", "ne", "lt", "le", "gt", "ge"])
@given(data=st.data())
def test_comparisons_give_bool_without_grad(device, op, data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_side=0, max_side=3, max_dims=3))
    a = data.draw(hnp.arrays(np.float32, shapes.input_shapes[0], elements=st.sampled_from([-1.0, 0.0, 1.0])))
    b = data.draw(hnp.arrays(np.float32, shapes.input_shapes[1], elements=st.sampled_from([-1.0, 0.0, 1.0])))
    x = Tensor(a, device=device, requires_grad=True)
    out = getattr(x, f"__{op}__")(Tensor(b, device=device))
    assert out.dtype == tp.bool and not out.requires_grad
    assert np.array_equal(out.numpy(), getattr(np, {"eq": "equal", "ne": "not_equal", "lt": "less",
                                                    "le": "less_equal", "gt": "greater", "ge": "greater_equal"}[op])(a, b))

UNARY = {
    "neg": (lambda x: -x, np.negative, -3, 3),
    "exp": (Tensor.exp, np.exp, -3, 3),
    "log": (Tensor.log, np.log, 0.1, 3),
    "sqrt": (Tensor.sqrt, np.sqrt, 0.0, 3),
    "abs": (Tensor.abs, np.abs, -3, 3),
    "relu": (Tensor.relu, lambda x: np.maximum(x, 0), -3, 3),
    "sigmoid": (Tensor.sigmoid, lambda x: 1 / (1 + np.exp(-x)), -3, 3),
    "tanh": (Tensor.tanh, np.tanh, -3, 3),
    "clamp": (lambda x: x.clamp(-1, 0.5), lambda x: np.clip(x, -1, 0.5), -3, 3),
}

@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary_ops_like_numpy(device, name, data):
    ours, reference, low, high = UNARY[name]
    dtype = data.draw(FLOATS)
    x = data.draw(arrays(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3), dtype, low, high))
    close(ours(Tensor(x, device=device)), reference(x).astype(dtype), dtype)

def test_unary_special_values(device):
    x = Tensor([0.0, -1.0, np.inf, -np.inf, 40.0, -40.0], device=device)
    assert x.log().numpy()[:2].tolist()[0] == -np.inf and np.isnan(x.log().numpy()[1])
    assert np.array_equal(x.sigmoid().numpy()[2:], np.array([1, 0, 1, 0], np.float32))
    assert np.isnan(x.sqrt().numpy()[1])

@pytest.mark.parametrize("reduction", ["sum", "mean", "max", "min"])
@given(data=st.data())
def test_reductions_like_numpy(device, reduction, data):
    dtype = data.draw(FLOATS)
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    x = data.draw(arrays(shape, dtype))
    dim = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    keepdim = data.draw(st.booleans())
    t = Tensor(x, device=device)
    out = getattr(t, reduction)(dim, keepdim) if dim is not None else getattr(t, reduction)()
    if reduction in ("max", "min") and dim is not None:
        values, indices = out
        close(values, getattr(np, reduction)(x, axis=dim, keepdims=keepdim), dtype)
        expected = getattr(np, "arg" + reduction)(x, axis=dim, keepdims=keepdim)
        assert np.array_equal(indices.numpy(), expected)
        return
    expected = getattr(np, reduction)(x, axis=dim, keepdims=keepdim and dim is not None)
    close(out, np.asarray(expected, dtype), dtype)

def test_sum_over_several_dims_and_empty(device):
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    close(Tensor(x, device=device).sum((0, 2)), x.sum((0, 2)))
    close(Tensor(x, device=device).sum((0, -1), keepdim=True), x.sum((0, 2), keepdims=True))
    assert Tensor(np.zeros((0, 3), np.float32), device=device).sum(0).tolist() == [0, 0, 0]
    assert Tensor(np.zeros((2, 3), np.float32), device=device).sum(1).tolist() == [0, 0]

def test_argmax_and_ties(device):
    x = Tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]], device=device)
    assert x.argmax(1).tolist() == [1, 0] and x.argmax().item() == 1 and x.max(1).indices.tolist() == [1, 0]
    assert x.min(1, keepdim=True).indices.tolist() == [[0], [1]]

def test_large_reduction_uses_block_tree(device):
    x = np.random.default_rng(0).standard_normal((3, 5000)).astype(np.float32)
    close(Tensor(x, device=device).sum(1), x.sum(1).astype(np.float32), np.float64 if False else np.float32) \
        if device == "cpu" else np.testing.assert_allclose(Tensor(x, device=device).sum(1).numpy(), x.sum(1), rtol=1e-4)
    np.testing.assert_array_equal(Tensor(x, device=device).max(1).values.numpy(), x.max(1))

@given(data=st.data())
def test_movement_ops(device, data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3))
    x = data.draw(arrays(shape, np.float32))
    t = Tensor(x, device=device)
    perm = data.draw(st.permutations(range(len(shape))))
    assert np.array_equal(t.permute(*perm).numpy(), x.transpose(perm))
    assert np.array_equal(t.reshape(-1).numpy(), x.reshape(-1))
    assert np.array_equal(t.flatten(1).numpy(), x.reshape(shape[0], -1)) if len(shape) > 1 else True
    assert np.array_equal(t.unsqueeze(0).numpy(), x[None]) and np.array_equal(t.unsqueeze(-1).numpy(), x[..., None])
    assert np.array_equal(t.unsqueeze(1).squeeze(1).numpy(), x) and t.squeeze().shape == np.squeeze(x).shape
    assert np.array_equal(t.transpose(0, -1).numpy(), np.swapaxes(x, 0, -1))
    target = (2,) + shape
    assert np.array_equal(t.expand(*target).numpy(), np.broadcast_to(x, target))

def test_non_contiguous_inputs_match_contiguous(device):
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    permuted = Tensor(x, device=device).permute(2, 0, 1)
    expected = x.transpose(2, 0, 1)
    close(permuted * 2 + 1, expected * 2 + 1)
    close(permuted.sum(1), expected.sum(1))
    close(permuted.exp().log(), expected, np.float32)
    close(permuted.reshape(4, 6) @ Tensor(np.ones((6, 2), np.float32), device=device), expected.reshape(4, 6) @ np.ones((6, 2)))
    close(permuted[1:, 0], expected[1:, 0])

INDEXES = [
    (1,), (-1,), (slice(None), slice(1, 3)), (Ellipsis, 0), (None, 0), (slice(None, None, -1),),
    (slice(None), slice(None, None, 2), 1), (np.array([0, 1, 0]),), (np.array([0, 1]), np.array([2, 0])),
    (range(2), np.array([1, 2])), (np.array([[True, False, True], [False, True, False]]),), (slice(0, 0),),
]

@pytest.mark.parametrize("key", INDEXES, ids=range(len(INDEXES)))
def test_indexing_like_numpy(device, key):
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    ours = Tensor(x, device=device)[key if len(key) > 1 else key[0]]
    expected = x[tuple(np.asarray(k) if isinstance(k, range) else k for k in key)]
    assert np.array_equal(ours.numpy(), expected)

def test_indexing_errors(device):
    x = Tensor(np.zeros((2, 3), np.float32), device=device)
    with pytest.raises(IndexError):
        x[5]
    with pytest.raises(IndexError):
        x[0, 0, 0]
    with pytest.raises(IndexError, match="int64, int32 or bool"):
        x[Tensor([0.5])]

def test_pad_cat_stack_where(device):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    y = np.ones((2, 2), np.float32)
    tx, ty = Tensor(x, device=device), Tensor(y, device=device)
    assert np.array_equal(tx.pad((1, 2)).numpy(), np.pad(x, ((0, 0), (1, 2))))
    assert np.array_equal(F.pad(tx, (0, 1, 2, 0), value=-1.0).numpy(), np.pad(x, ((2, 0), (0, 1)), constant_values=-1))
    assert np.array_equal(tp.cat([tx, ty], dim=1).numpy(), np.concatenate([x, y], 1))
    assert np.array_equal(tp.stack([tx, tx], dim=1).numpy(), np.stack([x, x], 1))
    assert np.array_equal(tp.where(tx > 2, tx, 0.0).numpy(), np.where(x > 2, x, 0))
    assert np.array_equal(tx.where(tx > 2, Tensor([[9.0]], device=device)).numpy(), np.where(x > 2, x, 9))
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(3, 2\)"):
        tp.cat([tx, Tensor(x.T.copy(), device=device)], dim=0)
    with pytest.raises(ValueError, match="even length"):
        tx.pad((1,))

@given(data=st.data())
def test_matmul_like_numpy(device, data):
    dtype = data.draw(FLOATS)
    m, k, n = (data.draw(st.integers(0, 5)) for _ in range(3))
    batch_a, batch_b = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3)).input_shapes
    a = data.draw(arrays(batch_a + (m, k), dtype))
    b = data.draw(arrays(batch_b + (k, n), dtype))
    close(Tensor(a, device=device) @ Tensor(b, device=device), np.matmul(a, b), dtype)

def test_matmul_vectors_and_errors(device):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    v = np.ones(3, np.float32)
    close(Tensor(a, device=device) @ Tensor(v, device=device), a @ v)
    close(Tensor(v, device=device) @ Tensor(a.T.copy(), device=device), v @ a.T)
    assert (Tensor(v, device=device) @ Tensor(v, device=device)).item() == 3.0
    with pytest.raises(ValueError, match=r"\(2, 3\) @ \(2, 3\)"):
        Tensor(a, device=device) @ Tensor(a, device=device)
    with pytest.raises(ValueError, match="broadcast"):
        Tensor(np.ones((2, 1, 3)), device=device) @ Tensor(np.ones((3, 3, 1)), device=device)
    with pytest.raises(TypeError, match="float32 and float64"):
        Tensor(a, device=device) @ Tensor(a.T, dtype=tp.float64, device=device)

@pytest.mark.cuda
@pytest.mark.skipif(not CUDA, reason="no CUDA (set NUMBA_ENABLE_CUDASIM=1)")
@given(data=st.data())
def test_cuda_matmul_reads_transposed_operands_and_splits_long_products(data):
    """The register-tiled kernel across tile edges, with either operand stored transposed, and a K long enough
    to be cut into partial products that are summed afterwards."""
    from tinygrad_pool.backends import cuda as backend
    from tinygrad_pool.backends.cuda.matmul import MIN_SPLIT_K, product
    dtype, transpose_a, transpose_b = data.draw(FLOATS), data.draw(st.booleans()), data.draw(st.booleans())
    batch, m, n = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 9)), data.draw(st.integers(1, 9))
    k = data.draw(st.sampled_from([0, 3, 2 * MIN_SPLIT_K + 5]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    a = rng.standard_normal((batch, k, m) if transpose_a else (batch, m, k)).astype(dtype)
    b = rng.standard_normal((batch, n, k) if transpose_b else (batch, k, n)).astype(dtype)
    expected = np.matmul(a.swapaxes(1, 2) if transpose_a else a, b.swapaxes(1, 2) if transpose_b else b)
    out = product(backend.asarray(a), backend.asarray(b), transpose_a, transpose_b)
    np.testing.assert_allclose(backend.to_numpy(out), expected, **(tolerance(dtype) if dtype == np.float64 else
                                                                    dict(rtol=1e-4, atol=1e-4)))

@pytest.mark.cuda
@pytest.mark.skipif(not CUDA or SIMULATED, reason="needs a GPU: the simulator has no device memory to reuse")
def test_cuda_memory_hands_out_only_blocks_of_dead_arrays():
    import gc
    from tinygrad_pool.backends.cuda.array import device_buffer
    first = device_buffer(1000, np.float32)
    address = first.device_ctypes_pointer.value
    assert device_buffer(1000, np.float32).device_ctypes_pointer.value != address   # `first` is alive
    del first
    gc.collect()
    assert device_buffer(999, np.float32).device_ctypes_pointer.value == address    # same rounded size: reused
    x = Tensor(np.arange(1000, dtype=np.float32), device="cuda")
    doubled = x * 2
    del x
    gc.collect()
    assert (Tensor(np.ones(1000, np.float32), device="cuda") + doubled).tolist() == (np.arange(1000) * 2 + 1).tolist()

def test_broadcast_shape_mismatch_names_the_shapes(device):
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4,\)|\(4,\).*\(2, 3\)"):
        Tensor(np.ones((2, 3)), device=device) + Tensor(np.ones(4), device=device)

def test_large_matmul_on_cpu_matches_numpy():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((130, 257)).astype(np.float32), rng.standard_normal((257, 70)).astype(np.float32)
    np.testing.assert_allclose((Tensor(a) @ Tensor(b)).numpy(), a @ b, rtol=1e-4, atol=1e-4)
    assert (Tensor(np.ones((2, 3), np.int64)) @ Tensor(np.ones((3, 2), np.int64))).tolist() == [[3, 3], [3, 3]]

FRESH_PROCESS = """
import json
import numpy as np
from threadpoolctl import threadpool_info

def blas_threads():
    return {lib["filepath"]: lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}

np.ones((64, 64)) @ np.ones((64, 64))
numpy_blas = blas_threads()             # only numpy's BLAS is loaded yet
import tinygrad_pool as tp
from tinygrad_pool.backends.cpu import memory
x = tp.ones(8, 8)                       # loads the CPU backend: not a heavy call
kept_before = memory.kept
(x @ x).numpy()                         # the first product
print(json.dumps(dict(numpy_blas=numpy_blas, after=blas_threads(), kept_before=kept_before, kept_after=memory.kept)))
"""

@pytest.fixture(scope="module")
def fresh_process():
    """What a fresh process sees of the CPU backend's process-wide settings, before and after its first product."""
    env = {k: v for k, v in os.environ.items() if k != "TINYGRAD_POOL_KEEP_MEMORY"}
    result = subprocess.run([sys.executable, "-c", FRESH_PROCESS], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])

def test_scipys_blas_runs_one_thread_so_prange_owns_the_cores_and_numpys_keeps_its_own(fresh_process):
    numpy_blas, after = fresh_process["numpy_blas"], fresh_process["after"]
    scipy_blas = {path: threads for path, threads in after.items() if path not in numpy_blas}
    if not scipy_blas:
        pytest.skip("numpy and scipy share one BLAS here: both run one thread")
    assert set(scipy_blas.values()) == {1}
    assert {path: after[path] for path in numpy_blas} == numpy_blas

def test_importing_tinygrad_pool_leaves_malloc_alone_until_the_first_heavy_call(fresh_process):
    assert fresh_process["kept_before"] is None
    assert fresh_process["kept_after"] is (platform.libc_ver()[0] == "glibc")

@given(data=st.data())
def test_softmax_and_log_softmax(device, data):
    dtype = data.draw(FLOATS)
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    x = data.draw(arrays(shape, dtype, -30, 30))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    shifted = x - x.max(dim, keepdims=True)
    log_sm = shifted - np.log(np.exp(shifted).sum(dim, keepdims=True))
    close(Tensor(x, device=device).log_softmax(dim), log_sm, dtype)
    close(F.softmax(Tensor(x, device=device), dim), np.exp(log_sm), dtype)

def test_log_softmax_is_stable_for_huge_inputs(device):
    out = Tensor([[1000.0, 0.0, -1000.0]], device=device).log_softmax(1).numpy()
    assert np.isfinite(out[0, :2]).all() and out[0, 0] == 0.0

def test_losses_and_linear(device):
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((4, 3)), rng.standard_normal((5, 3)), rng.standard_normal(5)
    target = np.array([0, 4, 2, 1])
    logits = x @ w.T + b
    close(F.linear(Tensor(x, device=device), Tensor(w, device=device), Tensor(b, device=device)), logits.astype(np.float32))
    log_sm = logits - logits.max(1, keepdims=True)
    log_sm = log_sm - np.log(np.exp(log_sm).sum(1, keepdims=True))
    nll = -log_sm[np.arange(4), target]
    scores, labels = Tensor(logits, device=device), Tensor(target, device=device)
    np.testing.assert_allclose(F.cross_entropy(scores, labels).item(), nll.mean(), rtol=1e-5)
    np.testing.assert_allclose(F.cross_entropy(scores, labels, reduction="sum").item(), nll.sum(), rtol=1e-5)
    close(F.nll_loss(F.log_softmax(scores, 1), labels, reduction="none"), nll.astype(np.float32))
    np.testing.assert_allclose(F.mse_loss(scores, scores * 0).item(), (logits ** 2).mean(), rtol=1e-5)
    with pytest.raises(ValueError, match="target 7 is out of range for 5 classes"):
        F.cross_entropy(scores, Tensor([0, 7, 1, 1], device=device))
    with pytest.raises(ValueError, match="reduction='avg'"):
        F.cross_entropy(scores, labels, reduction="avg")
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(5, 4\)"):
        F.linear(Tensor(x, device=device), Tensor(np.ones((5, 4)), device=device))

def test_dropout(device):
    tp.manual_seed(0)
    x = tp.ones(1000, device=device)
    out = F.dropout(x, 0.25, training=True).numpy()
    assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.75)} and 0.15 < (out == 0).mean() < 0.35
    assert F.dropout(x, 0.25, training=False) is x
    assert F.dropout(x, 1.0).numpy().sum() == 0
    with pytest.raises(ValueError, match="p=1.5"):
        F.dropout(x, 1.5)

def test_reductions_over_no_dims_and_over_0d_tensors_follow_pytorch(device):
    x = Tensor(np.arange(24, dtype=np.float32).reshape(2, 3, 4), device=device)
    for dims in ((), []):
        assert x.sum(dim=dims).shape == () and x.sum(dim=dims).item() == 276
        assert x.mean(dim=dims, keepdim=True).shape == (1, 1, 1)
    scalar = Tensor(3.0, device=device, requires_grad=True)
    for reduced in (scalar.sum(0), scalar.mean(-1), scalar.sum((0,)), scalar.max(0).values):
        assert reduced.shape == () and reduced.item() == 3.0
    scalar.sum(0).backward()
    assert scalar.grad.item() == 1.0

def test_abs_and_sign_at_nan_and_zero_follow_pytorch(device):
    x = Tensor(np.array([np.nan, -0.0, 0.0, -2.0, np.inf], np.float32), device=device, requires_grad=True)
    x.abs().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0, 0, -1, 1])

def test_clamp_of_an_integer_tensor_by_a_float_is_float32(device):
    out = Tensor([1, 5], device=device).clamp(max=2.5)
    assert out.dtype == tp.float32 and out.tolist() == [1.0, 2.5]
    assert Tensor([1, 5], device=device).clamp(max=2).dtype == tp.int64

def test_cross_entropy_of_one_sample_matches_the_batched_form():
    scores, label = tp.randn(5), tp.tensor(3)
    batched = F.cross_entropy(scores.reshape(1, 5), label.reshape(1))
    assert F.cross_entropy(scores, label).item() == pytest.approx(batched.item())
    assert F.cross_entropy(scores, label, reduction="none").shape == ()
    torch = pytest.importorskip("torch")
    expected = torch.nn.functional.cross_entropy(torch.tensor(scores.numpy()), torch.tensor(3)).item()
    assert F.cross_entropy(scores, label).item() == pytest.approx(expected, rel=1e-5)
