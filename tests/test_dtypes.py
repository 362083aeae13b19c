"""int32 and uint8 tensors beside float32, float64, int64 and bool: creation, PyTorch's promotion and wrapping,
casts, reductions, indexing and checkpoints, on every device."""
import io

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F

INTEGERS = [tp.int64, tp.int32, tp.uint8]
ALL = [tp.float32, tp.float64, tp.int64, tp.int32, tp.uint8, tp.bool]

def test_names_and_aliases_resolve_as_in_pytorch():
    assert tp.int is tp.int32 and tp.long is tp.int64 and tp.double is tp.float64 and tp.float is tp.float32
    assert tp.zeros(2, dtype="int").dtype == tp.int32          # torch.int is int32
    assert tp.zeros(2, dtype=int).dtype == tp.int64            # the python type, as torch.tensor infers it
    assert tp.zeros(2, dtype="uint8").dtype == tp.uint8
    assert tp.ones(2).int().dtype == tp.int32 and tp.ones(2).byte().dtype == tp.uint8

def test_numpy_data_keeps_int32_and_uint8():
    images = np.arange(6, dtype=np.uint8).reshape(2, 3)
    assert tp.tensor(images).dtype == tp.uint8 and tp.from_numpy(images).dtype == tp.uint8
    assert tp.tensor(np.int32(3)).dtype == tp.int32
    assert tp.tensor([1, 2]).dtype == tp.int64                 # python ints stay int64
    np.testing.assert_array_equal(tp.tensor(images).numpy(), images)

def test_integer_arithmetic_wraps_as_in_pytorch(device):
    u = tp.tensor(np.array([1, 200], np.uint8), device=device)
    np.testing.assert_array_equal((u + 100).numpy(), [101, 44])
    np.testing.assert_array_equal((u + 300).numpy(), [45, 244])      # 300 becomes the uint8 44 first
    np.testing.assert_array_equal((-u).numpy(), [255, 56])
    np.testing.assert_array_equal((u - 201).numpy(), [56, 255])
    assert (u + 300).dtype == tp.uint8

@pytest.mark.parametrize("a", ALL, ids=str)
@pytest.mark.parametrize("b", ALL, ids=str)
def test_promotion_matches_pytorch(a, b):
    torch = pytest.importorskip("torch")
    ours = (tp.ones(2, dtype=a) + tp.ones(2, dtype=b)).dtype
    theirs = (torch.ones(2, dtype=getattr(torch, str(a))) + torch.ones(2, dtype=getattr(torch, str(b)))).dtype
    assert str(theirs) == f"torch.{ours}"
    for scalar in (2, 2.5, True):
        ours = (tp.ones(2, dtype=a) * scalar).dtype
        theirs = (torch.ones(2, dtype=getattr(torch, str(a))) * scalar).dtype
        assert str(theirs) == f"torch.{ours}", (a, scalar)

@pytest.mark.parametrize("dtype", INTEGERS, ids=str)
def test_reductions_sum_to_int64_and_keep_the_dtype_for_max(device, dtype):
    x = tp.tensor(np.array([[250, 3], [7, 9]], dtype), device=device)
    assert x.sum().dtype == tp.int64 and x.sum().item() == 269
    np.testing.assert_array_equal(x.sum(0).numpy(), [257, 12])
    assert x.max().dtype == dtype and x.max().item() == 250
    assert x.argmax().item() == 0
    with pytest.raises(TypeError, match="floating-point"):
        x.mean()
    assert x.mean(dtype=tp.float32).item() == pytest.approx(67.25)

@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=8))
def test_float_casts_truncate_toward_zero_as_numpy_and_pytorch(values):
    x = tp.tensor(np.array(values, np.float32))
    np.testing.assert_array_equal(x.int().numpy(), np.array(values, np.float32).astype(np.int32))

def test_casts_agree_between_devices(device):
    values = np.array([0, 1, 127, 255], np.uint8)
    x = tp.tensor(values, device=device)
    np.testing.assert_array_equal(x.int().numpy(), values.astype(np.int32))
    np.testing.assert_array_equal(x.float().numpy(), values.astype(np.float32))
    np.testing.assert_allclose((x / 255).numpy(), values / np.float32(255), rtol=1e-6)
    assert (x / 255).dtype == tp.float32

def test_int32_tensors_index_and_embed(device):
    x = tp.arange(12, device=device).reshape(3, 4)
    positions = tp.tensor(np.array([2, 0], np.int32), device=device)
    np.testing.assert_array_equal(x[positions].numpy(), [[8, 9, 10, 11], [0, 1, 2, 3]])
    weight = tp.randn(5, 2, device=device)
    np.testing.assert_array_equal(F.embedding(positions, weight).numpy(), weight.numpy()[[2, 0]])

def test_uint8_indices_ask_for_a_bool_mask():
    with pytest.raises(IndexError, match="bool mask"):
        tp.arange(3)[tp.tensor(np.array([1, 0, 1], np.uint8))]

def test_cross_entropy_takes_uint8_labels_as_pytorch(device):
    logits = tp.randn(4, 3, device=device)
    labels = np.array([0, 2, 1, 2])
    expected = F.cross_entropy(logits, tp.tensor(labels, device=device)).item()
    got = F.cross_entropy(logits, tp.tensor(labels.astype(np.uint8), device=device)).item()
    assert got == expected

def test_integer_tensors_never_require_grad():
    with pytest.raises(TypeError, match="floating-point"):
        tp.zeros(2, dtype=tp.uint8, requires_grad=True)

def test_checkpoints_keep_int32_and_uint8():
    state = {"counts": tp.tensor(np.array([1, -2], np.int32)), "mask": tp.tensor(np.array([0, 255], np.uint8))}
    buffer = io.BytesIO()
    tp.save(state, buffer)
    buffer.seek(0)
    loaded = tp.load(buffer)
    for name, value in state.items():
        assert loaded[name].dtype == value.dtype
        np.testing.assert_array_equal(loaded[name].numpy(), value.numpy())

BAD = {
    "uint8 of 256": (lambda: tp.tensor([256], dtype=tp.uint8), ValueError, "out of range [0, 255]"),
    "int32 of inf": (lambda: tp.tensor([float("inf")], dtype=tp.int32), ValueError, "cannot convert inf"),
    "full uint8 -1": (lambda: tp.full((1,), -1, dtype=tp.uint8), ValueError, "cannot be converted to uint8"),
    "int16": (lambda: tp.zeros(1, dtype="int16"), TypeError, "unknown dtype 'int16'"),
}

@pytest.mark.parametrize("case", BAD)
def test_bad_dtypes_and_values_get_clear_errors(case):
    from conftest import assert_bad_input
    assert_bad_input(case, BAD)
