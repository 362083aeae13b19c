"""The CPU's threaded arithmetic and fill (backends/cpu/threaded.py) against a plain loop, special values included,
and gradient accumulation into an existing .grad, which is in place as in PyTorch."""
import operator

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_pool as tp
from tinygrad_pool.backends.cpu import threaded

SPECIAL = [0.0, -0.0, 1.0, -2.5, np.inf, -np.inf, np.nan, 1e-45, 3e38]
OPERATORS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv}

@pytest.fixture
def every_size_threaded(monkeypatch):
    """Send arrays of any size to the threads, so that small drawn arrays test the kernels."""
    monkeypatch.setattr(threaded, "PARALLEL_MIN", 1)

def _elementwise_reference(op, a, b):
    """A plain loop of the Python operator on numpy scalars (IEEE arithmetic in the arrays' dtype)."""
    out = np.empty_like(a)
    flat_a, flat_b, flat_out = a.reshape(-1), b.reshape(-1), out.reshape(-1)
    with np.errstate(all="ignore"):
        for i in range(flat_a.size):
            flat_out[i] = op(flat_a[i], flat_b[i])
    return out

def _same_bits(ours, expected):
    assert ours.dtype == expected.dtype and ours.shape == expected.shape
    nan = np.isnan(expected)
    assert np.array_equal(np.isnan(ours), nan)
    assert np.array_equal(ours[~nan].view(np.uint8), expected[~nan].view(np.uint8))   # -0.0 is not 0.0

@pytest.mark.parametrize("name", sorted(OPERATORS))
@given(data=st.data())
def test_threaded_arithmetic_equals_a_plain_loop(every_size_threaded, name, data):
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=6))
    elements = st.one_of(st.sampled_from(SPECIAL), st.floats(-1e3, 1e3, width=32))
    a, b = (data.draw(hnp.arrays(dtype, shape, elements=elements)) for _ in range(2))
    _same_bits(getattr(threaded, name)(a, b), _elementwise_reference(OPERATORS[name], a, b))

@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_large_arrays_take_the_threads_and_equal_numpy(name):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(threaded.PARALLEL_MIN + 7).astype(np.float32)
    b = rng.standard_normal(a.size).astype(np.float32)
    a[:len(SPECIAL)], b[:len(SPECIAL)] = SPECIAL, SPECIAL[::-1]
    with np.errstate(all="ignore"):
        _same_bits(getattr(threaded, name)(a, b), OPERATORS[name](a, b))

def test_other_operands_go_to_numpy_with_its_broadcasting_and_dtypes(every_size_threaded):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert threaded.add(a, np.float32(1)).tolist() == (a + 1).tolist()
    assert threaded.mul(a, np.ones(3)).dtype == np.float64   # numpy's promotion
    assert threaded.div(np.arange(4), np.arange(4) + 1).dtype == np.float64   # integers: numpy's true division
    assert threaded.sub(a.T, a.T).tolist() == [[0.0, 0.0]] * 3   # not C-ordered: numpy

@pytest.mark.parametrize("size", [5, threaded.PARALLEL_MIN + 3])
@pytest.mark.parametrize("dtype,value", [(np.float32, -0.0), (np.float64, np.nan), (np.float32, 7), (np.int64, 3),
                                         (np.bool_, True)])
def test_full_equals_numpy_full(size, dtype, value):
    ours, expected = threaded.full((size,), value, np.dtype(dtype)), np.full((size,), value, dtype)
    _same_bits(ours, expected) if expected.dtype.kind == "f" else np.testing.assert_array_equal(ours, expected)
    assert ours.dtype == expected.dtype

@pytest.mark.parametrize("size", [10, threaded.PARALLEL_MIN + 4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_copy_is_a_new_array_with_the_same_bits(size, dtype):
    a = np.arange(size, dtype=dtype)
    if dtype != np.int64:
        a[:len(SPECIAL)] = SPECIAL
    for source in (a, a[::2], a.reshape(2, -1).T):
        ours = threaded.copy(source)
        assert not np.shares_memory(ours, source) and ours.strides == np.array(source).strides
        np.testing.assert_array_equal(ours, source)
        assert ours.dtype == source.dtype and np.array_equal(np.signbit(ours), np.signbit(source))

def test_a_tensor_made_from_numpy_owns_a_copy():
    a = np.ones(threaded.PARALLEL_MIN, np.float32)
    t = tp.tensor(a)
    a[0] = 5
    assert t[0].item() == 1.0 and t.dtype == tp.float32

@pytest.mark.parametrize("size", [4, threaded.PARALLEL_MIN])
def test_add_into_adds_in_place_and_refuses_read_only_memory(size):
    x, a = np.ones(size, np.float32), np.full(size, 2.0, np.float32)
    assert threaded.add_into(x, a) and (x == 3).all()
    x.flags.writeable = False
    assert not threaded.add_into(x, a) and (x == 3).all()

def test_a_leaf_gradient_accumulates_in_place_as_in_pytorch(device):
    x = tp.tensor([1.0, 2.0], requires_grad=True, device=device)
    (x * 3).sum().backward()
    first = x.grad
    (x * x).sum().backward()
    assert x.grad is first and first.tolist() == [5.0, 7.0]   # a reference to .grad sees the sum
    torch = pytest.importorskip("torch")
    xt = torch.tensor([1.0, 2.0], requires_grad=True)
    (xt * 3).sum().backward()
    first_t = xt.grad
    (xt * xt).sum().backward()
    assert xt.grad is first_t and first_t.tolist() == first.tolist()

def test_a_read_only_or_other_dtype_grad_gets_a_new_sum():
    x = tp.tensor([1.0, 2.0], requires_grad=True)
    x.grad = tp.tensor(np.broadcast_to(np.float32(1.0), (2,)))   # a read-only view
    (x * 3).sum().backward()
    assert x.grad.tolist() == [4.0, 4.0]
