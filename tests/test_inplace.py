"""In-place ops: values, views, autograd through them, version counters and PyTorch's errors, on every device."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_pool as tp
from tinygrad_pool import Tensor
from conftest import assert_bad_input

OPS = {
    "add_": (lambda t, o: t.add_(o), np.add),
    "sub_": (lambda t, o: t.sub_(o), np.subtract),
    "mul_": (lambda t, o: t.mul_(o), np.multiply),
    "div_": (lambda t, o: t.div_(o), np.divide),
    "+=": (lambda t, o: t.__iadd__(o), np.add),
    "*=": (lambda t, o: t.__imul__(o), np.multiply),
}

@pytest.mark.parametrize("name", OPS)
@given(st.lists(st.floats(-4, 4), min_size=6, max_size=6), st.sampled_from([(), (3,), (2, 3)]))
def test_in_place_arithmetic_writes_the_out_of_place_result(device, name, values, other_shape):
    op, reference = OPS[name]
    x = np.array(values, np.float32).reshape(2, 3)
    other = np.linspace(0.5, 2, int(np.prod(other_shape))).astype(np.float32).reshape(other_shape)
    t = tp.tensor(x, device=device)
    before = t
    result = op(t, tp.tensor(other, device=device))
    assert result is before
    np.testing.assert_allclose(t.numpy(), reference(x, other), rtol=1e-6)

def test_views_share_the_write_on_the_cpu():
    x = tp.arange(6.0)
    view = x.reshape(2, 3)
    view[0] = 9
    x.add_(1)
    np.testing.assert_array_equal(view.numpy(), [[10, 10, 10], [4, 5, 6]])

def test_setitem_with_numbers_tensors_masks_and_broadcasting(device):
    x = tp.zeros(3, 4, device=device)
    x[0] = 1
    x[:, 1] = tp.tensor([5.0, 6.0, 7.0], device=device)
    x[x > 6] = -1
    x[[2, 2], [0, 3]] = 4
    expected = np.zeros((3, 4), np.float32)
    expected[0], expected[:, 1] = 1, [5, 6, 7]
    expected[expected > 6] = -1
    expected[[2, 2], [0, 3]] = 4
    np.testing.assert_array_equal(x.numpy(), expected)
    ints = tp.zeros(2, dtype=tp.int64, device=device)
    ints[0] = 3.7                                  # converted as PyTorch does
    assert ints.numpy().tolist() == [3, 0]

def test_fill_zero_clamp_and_copy(device):
    x = tp.tensor([[-2.0, 0.5], [3.0, 1.0]], device=device)
    x.clamp_(min=0, max=2)
    np.testing.assert_array_equal(x.numpy(), [[0, 0.5], [2, 1]])
    x.fill_(7)
    assert (x.numpy() == 7).all()
    x.zero_()
    assert (x.numpy() == 0).all()
    x.copy_(tp.tensor([1, 2], device=device))       # any dtype, broadcast
    np.testing.assert_array_equal(x.numpy(), [[1, 2], [1, 2]])
    x.copy_(tp.tensor([[5.0, 6.0], [7.0, 8.0]]))    # from the CPU, whatever x's device
    np.testing.assert_array_equal(x.numpy(), [[5, 6], [7, 8]])

def test_gradients_flow_through_in_place_ops(device):
    w = tp.tensor([1.0, 2.0, 3.0], dtype=tp.float64, device=device, requires_grad=True)
    h = w * 2
    h.mul_(w)               # 2 w^2
    h.add_(w, alpha=3)      # + 3 w
    h[0] = 0                # the first element no longer depends on w
    h.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [0, 4 * 2 + 3, 4 * 3 + 3])
    assert h.grad_fn is not None and repr(h.grad_fn).startswith("<PutBackward0")

def test_setitem_sends_the_gradient_to_the_value(device):
    x = tp.zeros(2, 3, dtype=tp.float64, device=device)
    v = tp.tensor([1.0, 2.0, 3.0], dtype=tp.float64, device=device, requires_grad=True)
    x[1] = v * 2
    (x * tp.tensor([[1.0, 1.0, 1.0], [1.0, 10.0, 100.0]], dtype=tp.float64, device=device)).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), [2, 20, 200])

def test_in_place_gradients_match_finite_differences(device):
    def fn(w, v):
        h = w * 2
        h.mul_(v)
        h[..., 0] = v[..., 1] * 3
        h.clamp_(max=4.0)
        return h
    w = tp.randn(2, 3, dtype=tp.float64, device=device, requires_grad=True)
    v = tp.randn(2, 3, dtype=tp.float64, device=device, requires_grad=True)
    assert tp.gradcheck(fn, (w, v))

def test_writing_what_backward_needs_raises_pytorchs_error(device):
    x = tp.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = x.sigmoid()                        # its backward reads y
    z = y * 1
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()
    a = tp.tensor([1.0, 2.0], device=device, requires_grad=True)
    b = a * 1
    c = b * b                              # reads b
    b.add_(1)
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0"):
        c.sum().backward()

def test_writing_what_backward_does_not_need_is_fine(device):
    a = tp.tensor([1.0, 2.0], device=device, requires_grad=True)
    b = a * 1
    c = b + 1                              # add reads neither operand
    b.mul_(5)
    c.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1, 1])

def test_updates_of_leaves_under_no_grad(device):
    w = tp.tensor([1.0, 2.0], device=device, requires_grad=True)
    with tp.no_grad():
        w.mul_(2)
        w[0] = 5
    np.testing.assert_array_equal(w.numpy(), [5, 4])
    assert w.requires_grad and w.is_leaf

def test_pytorch_agrees():
    torch = pytest.importorskip("torch")
    def program(lib, x):
        w = lib.tensor(x, requires_grad=True)
        h = w * 2
        h.mul_(w)
        h[1] = h[0] * 3
        h += w
        h.clamp_(max=10.0)
        h.sum().backward()
        return h.detach().numpy(), w.grad.numpy()
    x = np.array([0.5, 1.5, -2.0, 3.0], np.float32)
    for ours, theirs in zip(program(tp, x), program(torch, x)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)

leaf = tp.tensor([1.0, 2.0], requires_grad=True)
BAD = {
    "a leaf that requires grad": (lambda: leaf.add_(1), RuntimeError, "leaf tensor that requires grad"),
    "setitem on such a leaf": (lambda: leaf.__setitem__(0, 1.0), RuntimeError, "in-place operation"),
    "a float result into an int tensor": (lambda: tp.zeros(2, dtype=tp.int64).mul_(1.5), TypeError,
                                          "can't be cast to the tensor's type int64"),
    "a result that grows the tensor": (lambda: tp.zeros(3).add_(tp.zeros(2, 3)), ValueError,
                                       "does not fit the tensor of shape (3,)"),
    "a value that does not fit the region": (lambda: tp.zeros(2, 3).__setitem__(0, tp.zeros(4)), ValueError,
                                             "does not fit the indexed region of shape (3,)"),
    "an expanded view": (lambda: tp.zeros(1, 3).expand(2, 3).add_(1), RuntimeError, "read-only"),
    "a non-number alpha": (lambda: tp.zeros(2).add_(1, alpha="x"), TypeError, "alpha must be a number"),
    "fill_ with a tensor of two": (lambda: tp.zeros(2).fill_(tp.zeros(2)), ValueError, "one-element tensor"),
}

@pytest.mark.parametrize("case", BAD)
def test_bad_input_gets_a_clear_error(case):
    assert_bad_input(case, BAD)

def test_data_shares_storage_and_is_not_recorded(device):
    """PyTorch's `.data`: the same values, no grad, no history; writes through it reach the tensor."""
    w = tp.nn.Parameter(Tensor(np.arange(4.0), device=device))
    view = w.data
    assert view.is_leaf and not view.requires_grad and view.device == w.device
    view.mul_(2)
    w.data.add_(1)
    np.testing.assert_array_equal(w.numpy(), np.arange(4.0) * 2 + 1)
    loss = (w * w).sum()
    loss.backward()
    np.testing.assert_array_equal(w.grad.numpy(), 2 * (np.arange(4.0) * 2 + 1))
    w.grad.data.zero_()
    assert not w.grad.numpy().any()

def test_data_assignment_takes_a_tensor(device):
    w = tp.nn.Parameter(Tensor(np.zeros(3), device=device))
    w.data = Tensor(np.ones(5), device=device)
    assert w.shape == (5,) and w.numpy().sum() == 5 and w.requires_grad
    with pytest.raises(TypeError, match="data: expected a Tensor, got ndarray"):
        w.data = np.ones(3)
