"""Optimizers against their update rules written out here, step by step, and against PyTorch where installed."""
import numpy as np
import pytest

import tinygrad_pool as tp
from tinygrad_pool import Tensor, nn, optim

STEPS = 4

def gradients(shape, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for _ in range(STEPS)]

def run(make, device, p0, grads):
    p = nn.Parameter(Tensor(p0, device=device))
    opt = make([p])
    for g in grads:
        p.grad = Tensor(g, device=device)
        opt.step()
    return p.numpy()

def sgd_formula(p, grads, lr, momentum, dampening, weight_decay, nesterov):
    buf = None
    for g in grads:
        g = g + weight_decay * p
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
    return p

def adam_formula(p, grads, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad):
    m = v = v_max = np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_max = np.maximum(v_max, v)
        used = v_max if amsgrad else v
        p = p - lr / (1 - beta1 ** t) * m / (np.sqrt(used) / np.sqrt(1 - beta2 ** t) + eps)
    return p

def adadelta_formula(p, grads, lr, rho, eps, weight_decay):
    s = acc = np.zeros_like(p)
    for g in grads:
        g = g + weight_decay * p
        s = rho * s + (1 - rho) * g * g
        delta = np.sqrt(acc + eps) / np.sqrt(s + eps) * g
        acc = rho * acc + (1 - rho) * delta * delta
        p = p - lr * delta
    return p

SGD_CASES = [dict(lr=0.1, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False),
             dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01, nesterov=False),
             dict(lr=0.05, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=True)]

@pytest.mark.parametrize("kw", SGD_CASES)
def test_sgd_follows_its_update_rule(device, kw):
    p0, grads = np.random.default_rng(1).standard_normal((3, 4)), gradients((3, 4))
    np.testing.assert_allclose(run(lambda ps: optim.SGD(ps, **kw), device, p0, grads),
                               sgd_formula(p0, grads, **kw), rtol=1e-12)

ADAM_CASES = [(optim.Adam, dict(lr=0.01, weight_decay=0.0, amsgrad=False)),
              (optim.Adam, dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
              (optim.AdamW, dict(lr=0.01, weight_decay=0.1, amsgrad=False))]

@pytest.mark.parametrize("cls, kw", ADAM_CASES)
def test_adam_and_adamw_follow_their_update_rule(device, cls, kw):
    p0, grads = np.random.default_rng(2).standard_normal(7), gradients(7, seed=3)
    expected = adam_formula(p0, grads, beta1=0.9, beta2=0.999, eps=1e-8, decoupled=cls is optim.AdamW, **kw)
    np.testing.assert_allclose(run(lambda ps: cls(ps, **kw), device, p0, grads), expected, rtol=1e-10)

@pytest.mark.parametrize("weight_decay", [0.0, 0.05])
def test_adadelta_follows_its_update_rule(device, weight_decay):
    p0, grads = np.random.default_rng(4).standard_normal((2, 5)), gradients((2, 5), seed=5)
    np.testing.assert_allclose(run(lambda ps: optim.Adadelta(ps, lr=1.0, weight_decay=weight_decay), device, p0,
                                   grads),
                               adadelta_formula(p0, grads, 1.0, 0.9, 1e-6, weight_decay), rtol=1e-10)

def test_float32_parameters_stay_float32_and_update_in_place():
    p = nn.Parameter(np.ones(5, np.float32))
    storage = p._data
    p.grad = Tensor(np.ones(5, np.float32))
    optim.Adam([p], lr=0.1).step()
    assert p._data is storage and p.dtype == np.float32
    np.testing.assert_allclose(p.numpy(), 0.9, rtol=1e-6)

def test_parameters_without_gradient_are_skipped_and_zero_grad_clears():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    a.grad = Tensor(np.ones(2))
    opt = optim.SGD([a, b], lr=1.0)
    opt.step()
    assert a.tolist() == [0.0, 0.0] and b.tolist() == [1.0, 1.0]
    opt.zero_grad()
    assert a.grad is None

@pytest.mark.parametrize("name, kw", [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
                                      ("Adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
                                      ("AdamW", dict(lr=0.01)), ("Adadelta", dict(lr=1.0, weight_decay=0.01))])
def test_optimizers_match_pytorch(name, kw):
    torch = pytest.importorskip("torch")
    p0, grads = np.random.default_rng(6).standard_normal((4, 3)), gradients((4, 3), seed=7)
    theirs = torch.nn.Parameter(torch.from_numpy(p0.copy()))
    opt = getattr(torch.optim, name)([theirs], **kw)
    for g in grads:
        theirs.grad = torch.from_numpy(g)
        opt.step()
    np.testing.assert_allclose(run(lambda ps: getattr(optim, name)(ps, **kw), "cpu", p0, grads),
                               theirs.detach().numpy(), rtol=1e-10, atol=1e-14)

def test_param_groups_carry_their_own_learning_rate():
    a, b = nn.Parameter(np.ones(1)), nn.Parameter(np.ones(1))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad, b.grad = Tensor(np.ones(1)), Tensor(np.ones(1))
    opt.step()
    assert a.tolist() == [0.9] and b.tolist() == [0.5]

def test_step_lr_multiplies_by_gamma_every_step_size_epochs():
    opt = optim.Adadelta([nn.Parameter(np.ones(1))], lr=1.0)
    scheduler = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    seen = []
    for _ in range(5):
        seen.append(scheduler.get_last_lr()[0])
        scheduler.step()
    assert seen == [1.0, 1.0, 0.5, 0.5, 0.25]

def test_invalid_optimizer_arguments_name_the_value():
    p = [nn.Parameter(np.ones(1))]
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="lr=-1"):
        optim.SGD(p, lr=-1)
    with pytest.raises(ValueError, match="nesterov=True needs momentum > 0"):
        optim.SGD(p, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match=r"betas=\(0.9, 1.0\)"):
        optim.Adam(p, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="rho=2"):
        optim.Adadelta(p, rho=2)
    with pytest.raises(ValueError, match="step_size=0 must be at least 1"):
        optim.lr_scheduler.StepLR(optim.SGD(p, lr=0.1), step_size=0)
    with pytest.raises(TypeError, match="require grad"):
        optim.SGD([tp.ones(2)], lr=0.1)
