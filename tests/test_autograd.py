"""The tape: finite-difference gradients of every differentiable op (float64), accumulation, broadcasting,
no_grad, retain_graph, and PyTorch as an extra oracle when installed."""
import numpy as np
import pytest

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F
from tinygrad_pool import Tensor, gradcheck

def leaf(shape, device, low=-2.0, high=2.0, seed=0):
    values = np.random.default_rng(seed).uniform(low, high, shape)
    return Tensor(values, dtype=tp.float64, device=device, requires_grad=True)

# (name, function, input shapes, value range): every differentiable op, incl. broadcasting pairs.
CASES = [
    ("add", lambda a, b: a + b, [(2, 3), (3,)], (-2, 2)),
    ("sub", lambda a, b: a - b, [(2, 1), (1, 3)], (-2, 2)),
    ("mul", lambda a, b: a * b, [(2, 3), (2, 1)], (-2, 2)),
    ("div", lambda a, b: a / b, [(2, 3), (3,)], (0.5, 2)),
    ("pow", lambda a, b: a ** b, [(2, 3), (2, 3)], (0.5, 2)),
    ("pow_scalar", lambda a: a ** 3, [(4,)], (-2, 2)),
    ("rsub_rdiv", lambda a: (1 - a) + 2 / a, [(4,)], (0.5, 2)),
    ("maximum", lambda a, b: a.maximum(b), [(2, 3), (3,)], (-2, 2)),
    ("minimum", lambda a, b: a.minimum(b), [(2, 3), (2, 3)], (-2, 2)),
    ("where", lambda a, b: tp.where(a > 0, a, b), [(2, 3), (3,)], (-2, 2)),
    ("neg", lambda a: -a, [(3,)], (-2, 2)),
    ("exp", lambda a: a.exp(), [(2, 3)], (-2, 2)),
    ("log", lambda a: a.log(), [(2, 3)], (0.5, 2)),
    ("sqrt", lambda a: a.sqrt(), [(2, 3)], (0.5, 2)),
    ("abs", lambda a: a.abs(), [(2, 3)], (0.5, 2)),
    ("relu", lambda a: a.relu(), [(2, 3)], (0.2, 2)),
    ("sigmoid", lambda a: a.sigmoid(), [(2, 3)], (-2, 2)),
    ("tanh", lambda a: a.tanh(), [(2, 3)], (-2, 2)),
    ("clamp", lambda a: a.clamp(-0.5, 0.5), [(2, 3)], (-2, 2)),
    ("sum", lambda a: a.sum(1), [(2, 3)], (-2, 2)),
    ("sum_keepdim", lambda a: a.sum((0, 2), keepdim=True), [(2, 3, 2)], (-2, 2)),
    ("mean", lambda a: a.mean(0), [(2, 3)], (-2, 2)),
    ("max_all", lambda a: a.max(), [(2, 3)], (-2, 2)),
    ("max_dim", lambda a: a.max(1).values, [(2, 3)], (-2, 2)),
    ("min_dim", lambda a: a.min(0, keepdim=True).values, [(2, 3)], (-2, 2)),
    ("reshape", lambda a: a.reshape(3, 2) * Tensor(np.arange(6.0).reshape(3, 2), device=a.device), [(2, 3)], (-2, 2)),
    ("permute", lambda a: a.permute(2, 0, 1), [(2, 3, 2)], (-2, 2)),
    ("transpose", lambda a: a.transpose(0, 1), [(2, 3)], (-2, 2)),
    ("expand", lambda a: a.expand(2, 3, 3), [(3, 1)], (-2, 2)),
    ("squeeze", lambda a: a.unsqueeze(0).squeeze(), [(2, 3)], (-2, 2)),
    ("getitem_basic", lambda a: a[1:, ::2], [(3, 4)], (-2, 2)),
    ("getitem_gather", lambda a: a[np.array([0, 2, 0]), np.array([1, 1, 1])], [(3, 4)], (-2, 2)),
    ("pad", lambda a: a.pad((1, 2, 0, 1), value=3.0), [(2, 3)], (-2, 2)),
    ("cat", lambda a, b: tp.cat([a, b], dim=1), [(2, 3), (2, 1)], (-2, 2)),
    ("stack", lambda a, b: tp.stack([a, b], dim=0), [(2, 3), (2, 3)], (-2, 2)),
    ("matmul", lambda a, b: a @ b, [(2, 3), (3, 4)], (-2, 2)),
    ("matmul_batched", lambda a, b: a @ b, [(2, 2, 3), (3, 2)], (-2, 2)),
    ("matvec", lambda a, b: a @ b, [(2, 3), (3,)], (-2, 2)),
    ("softmax", lambda a: a.softmax(1), [(2, 4)], (-2, 2)),
    ("log_softmax", lambda a: a.log_softmax(0), [(3, 2)], (-2, 2)),
    ("linear", lambda x, w, b: F.linear(x, w, b), [(2, 3), (4, 3), (4,)], (-2, 2)),
    ("cross_entropy", lambda x: F.cross_entropy(x, Tensor([2, 0], device=x.device)), [(2, 3)], (-2, 2)),
    ("mse_loss", lambda a, b: F.mse_loss(a, b), [(2, 3), (2, 3)], (-2, 2)),
]

@pytest.mark.parametrize("name,fn,shapes,bounds", CASES, ids=[c[0] for c in CASES])
def test_gradients_match_finite_differences(device, name, fn, shapes, bounds):
    inputs = [leaf(shape, device, *bounds, seed=i) for i, shape in enumerate(shapes)]
    assert gradcheck(fn, inputs)

def test_casts_pass_the_gradient_back_in_the_input_dtype(device):
    x = Tensor([1.0, 2.0], dtype=tp.float64, requires_grad=True, device=device)
    (x.float() * 3).sum().backward()
    assert x.grad.dtype == tp.float64 and x.grad.tolist() == [3.0, 3.0]

def test_gradcheck_catches_a_wrong_gradient():
    class Wrong(tp.autograd.Function):
        def forward(self, x):
            return x * 2
        def backward(self, g):
            return g * 3
    with pytest.raises(tp.GradcheckError, match="input 0"):
        gradcheck(lambda x: Wrong.apply(x), [leaf((3,), "cpu")])
    with pytest.raises(TypeError, match="float64"):
        gradcheck(lambda x: x * 2, [Tensor([1.0], requires_grad=True)])

def test_the_readme_example_matches_pytorch(device):
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, device=device)
    y = (x @ x).relu().sum()
    y.backward()
    assert x.grad.tolist() == [[7.0, 11.0], [9.0, 13.0]]
    torch = pytest.importorskip("torch")
    xt = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    (xt @ xt).relu().sum().backward()
    assert x.grad.tolist() == xt.grad.tolist()

def test_gradients_accumulate_until_cleared(device):
    x = Tensor([1.0, 2.0], requires_grad=True, device=device)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]

def test_a_tensor_used_twice_gets_both_gradients(device):
    x = Tensor([3.0], requires_grad=True, device=device)
    y = x * x + x
    y.backward()
    assert x.grad.tolist() == [7.0]

def test_broadcast_gradients_reduce_to_the_input_shape(device):
    bias = Tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    scale = Tensor([[2.0]], requires_grad=True, device=device)
    x = Tensor(np.ones((4, 3)), device=device)
    ((x + bias) * scale).sum().backward()
    assert bias.grad.shape == (3,) and bias.grad.tolist() == [8.0, 8.0, 8.0]
    assert scale.grad.shape == (1, 1) and scale.grad.item() == 4 * 9.0

def test_no_grad_as_context_and_decorator(device):
    x = Tensor([1.0], requires_grad=True, device=device)
    with tp.no_grad():
        assert not (x * 2).requires_grad and not tp.is_grad_enabled()
    assert tp.is_grad_enabled()

    @tp.no_grad()
    def infer(t):
        return t * 2
    assert not infer(x).requires_grad and (x * 2).requires_grad

def test_backward_twice_needs_retain_graph(device):
    x = Tensor([2.0], requires_grad=True, device=device)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [8.0]
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()

def test_backward_errors(device):
    x = Tensor([1.0, 2.0], requires_grad=True, device=device)
    with pytest.raises(RuntimeError, match="non-scalar"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0], device=device).sum().backward()
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        (x * 2).backward(Tensor([1.0, 1.0, 1.0]))
    (x * 2).backward(Tensor([1.0, 0.5]))
    assert x.grad.tolist() == [2.0, 1.0]

def test_no_gradient_flows_through_comparisons_and_detach(device):
    x = Tensor([1.0, -1.0], requires_grad=True, device=device)
    y = (x * (x > 0).float()).sum() + (x.detach() * 5).sum()
    y.backward()
    assert x.grad.tolist() == [1.0, 0.0]

def test_deep_graph_does_not_hit_the_recursion_limit():
    x = Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(3000):
        y = y + 1
    y.backward()
    assert x.grad.tolist() == [1.0]

def test_a_small_network_matches_pytorch(device):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, w1, w2 = rng.standard_normal((5, 4)), rng.standard_normal((3, 4)), rng.standard_normal((2, 3))
    target = np.array([0, 1, 1, 0, 1])
    ours = [Tensor(a, dtype=tp.float64, device=device, requires_grad=True) for a in (w1, w2)]
    loss = F.cross_entropy(F.linear(F.linear(Tensor(x, dtype=tp.float64, device=device), ours[0]).tanh(), ours[1]),
                           Tensor(target, device=device))
    loss.backward()
    theirs = [torch.tensor(a, requires_grad=True) for a in (w1, w2)]
    torch_loss = torch.nn.functional.cross_entropy(
        torch.nn.functional.linear(torch.nn.functional.linear(torch.tensor(x), theirs[0]).tanh(), theirs[1]),
        torch.tensor(target))
    torch_loss.backward()
    np.testing.assert_allclose(loss.item(), torch_loss.item(), rtol=1e-12)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10)

def test_no_grad_decorator_is_reentrant():
    @tp.no_grad()
    def depth(n):
        assert not tp.is_grad_enabled()
        return 0 if n == 0 else 1 + depth(n - 1)
    assert depth(5) == 5
    assert tp.is_grad_enabled()

def test_no_grad_keeps_grad_mode_per_thread():
    """Two threads inside one decorated function at once: each leaves with grad mode as it found it, and a
    thread that never entered no_grad records the tape meanwhile."""
    import threading
    inside, release = threading.Barrier(3), threading.Event()

    @tp.no_grad()
    def wait_inside():
        inside.wait()
        release.wait()

    seen = {}
    def worker(name):
        wait_inside()
        seen[name] = tp.is_grad_enabled()
    threads = [threading.Thread(target=worker, args=(name,)) for name in "ab"]
    for thread in threads:
        thread.start()
    inside.wait()
    recorded = (Tensor([1.0], requires_grad=True) * 2).requires_grad
    release.set()
    for thread in threads:
        thread.join()
    assert recorded and seen == {"a": True, "b": True} and tp.is_grad_enabled()

def test_leaf_gradients_own_writable_storage(device):
    """One upstream gradient reaches both leaves (an add, a broadcast sum): each .grad is still its own array."""
    x = Tensor(np.ones(3, np.float32), device=device, requires_grad=True)
    y = Tensor(np.ones(3, np.float32), device=device, requires_grad=True)
    (x + y).sum().backward()
    gx, gy = x.grad.numpy(), y.grad.numpy()
    if device == "cpu":
        assert not np.shares_memory(gx, gy) and gx.flags.writeable and gy.flags.writeable
        gx[0] = 5.0
        assert y.grad.numpy()[0] == 1.0
    np.testing.assert_array_equal(gy, [1, 1, 1])
    z = Tensor(np.ones((2, 2), np.float32), device=device, requires_grad=True)
    seed = Tensor(np.full((2, 2), 3.0, np.float32), device=device)
    z.backward(seed)          # a leaf as the root: its gradient is a copy of the caller's
    if device == "cpu":
        assert not np.shares_memory(z.grad.numpy(), seed.numpy())

def test_an_optimizer_step_writes_into_leaf_gradients_safely(device):
    from tinygrad_pool import nn, optim
    a, b = nn.Parameter(tp.ones(4).to(device)), nn.Parameter(tp.ones(4).to(device))
    opt = optim.SGD([a, b], lr=0.5, momentum=0.9, weight_decay=0.1)
    (a + b).sum().backward()
    opt.step()
    np.testing.assert_allclose(a.numpy(), b.numpy())
    np.testing.assert_allclose(a.numpy(), 1 - 0.5 * 1.1)

def test_post_accumulate_grad_hooks_see_the_final_grad_and_callbacks_run_after_the_walk():
    from tinygrad_pool import autograd
    x = Tensor([1.0, 2.0], requires_grad=True)
    events = []

    def hook(tensor):
        events.append(("hook", tensor.grad.tolist()))
        autograd.queue_callback(lambda: events.append(("after", x.grad.tolist())))
    handle = x.register_post_accumulate_grad_hook(hook)
    (x * x + x).sum().backward()   # x reaches the loss on two paths: the hook runs once, on the sum
    assert events == [("hook", [3.0, 5.0]), ("after", [3.0, 5.0])]
    handle.remove()
    later = x.register_post_accumulate_grad_hook(lambda tensor: events.append("later"))
    handle.remove()   # a second remove, after another hook came: that one stays
    (x * 2).sum().backward()
    assert events[2:] == ["later"] and x.grad.tolist() == [5.0, 7.0]
    later.remove()

def test_hooks_and_callbacks_refuse_what_pytorch_refuses():
    from tinygrad_pool import autograd
    x = Tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="only a leaf tensor"):
        (x * 2).register_post_accumulate_grad_hook(print)
    with pytest.raises(TypeError, match="hook must be callable, got int"):
        x.register_post_accumulate_grad_hook(3)
    with pytest.raises(RuntimeError, match="no backward pass is running"):
        autograd.queue_callback(print)
