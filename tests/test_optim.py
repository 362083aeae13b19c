"""Optimizers against their update rules written out here, step by step, and against PyTorch where installed;
their state_dict in PyTorch's layout, saved and loaded both ways; parameter groups, zero_grad and bad arguments."""
import io

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_pool as tp
from tinygrad_pool import Tensor, nn, optim
from conftest import assert_bad_input

STEPS = 4

def gradients(shape, seed=0, steps=STEPS):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for _ in range(steps)]

def run(make, device, p0, grads):
    p = nn.Parameter(Tensor(p0, device=device))
    opt = make([p])
    for g in grads:
        p.grad = Tensor(g, device=device)
        opt.step()
    return p.numpy()

# --- the update rules, one step at a time -----------------------------------------------------------------------
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

def rmsprop_formula(p, grads, lr, alpha, eps, weight_decay, momentum, centered):
    s = mean = buf = np.zeros_like(p)
    for g in grads:
        g = g + weight_decay * p
        s = alpha * s + (1 - alpha) * g * g
        if centered:
            mean = alpha * mean + (1 - alpha) * g
            avg = np.sqrt(s - mean * mean) + eps
        else:
            avg = np.sqrt(s) + eps
        if momentum > 0:
            buf = momentum * buf + g / avg
            p = p - lr * buf
        else:
            p = p - lr * g / avg
    return p

def adagrad_formula(p, grads, lr, lr_decay, weight_decay, initial_accumulator_value, eps):
    total = np.full_like(p, initial_accumulator_value)
    for t, g in enumerate(grads, 1):
        g = g + weight_decay * p
        total = total + g * g
        p = p - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(total) + eps)
    return p

def adamax_formula(p, grads, lr, beta1, beta2, eps, weight_decay):
    m = u = np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        u = np.maximum(beta2 * u, np.abs(g) + eps)
        p = p - lr / (1 - beta1 ** t) * m / u
    return p

def nadam_formula(p, grads, lr, beta1, beta2, eps, weight_decay, momentum_decay, decoupled):
    m = v = np.zeros_like(p)
    mu_product = np.float32(1.0)   # a float32 counter, as in PyTorch
    for t, g in enumerate(grads, 1):
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        mu = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        mu_product = mu_product * np.float32(mu)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        denom = np.sqrt(v / (1 - beta2 ** t)) + eps
        p = p - lr * (1 - mu) / (1 - float(mu_product)) * g / denom
        p = p - lr * mu_next / (1 - float(mu_product) * mu_next) * m / denom
    return p

def radam_formula(p, grads, lr, beta1, beta2, eps, weight_decay, decoupled):
    m = v = np.zeros_like(p)
    rho_inf = 2 / (1 - beta2) - 1
    for t, g in enumerate(grads, 1):
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        corrected = m / (1 - beta1 ** t)
        rho_t = rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)
        if rho_t > 5:
            r = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p = p - lr * corrected * np.sqrt(1 - beta2 ** t) / (np.sqrt(v) + eps) * r
        else:
            p = p - lr * corrected
    return p

def formula_for(name, kw):
    """(the optimizer's keyword arguments, the formula's) for optimizer `name` with hyperparameters kw: the
    formula takes every hyperparameter, the optimizer its own names."""
    kw = dict(kw)
    betas = kw.pop("betas", (0.9, 0.999))
    if name == "SGD":
        full = dict(lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False) | kw
        return kw, lambda p, g: sgd_formula(p, g, **full)
    if name in ("Adam", "AdamW"):
        full = dict(lr=1e-3, eps=1e-8, weight_decay=1e-2 if name == "AdamW" else 0, amsgrad=False) | kw
        return kw | dict(betas=betas), lambda p, g: adam_formula(p, g, beta1=betas[0], beta2=betas[1],
                                                                 decoupled=name == "AdamW", **full)
    if name == "Adadelta":
        full = dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0) | kw
        return kw, lambda p, g: adadelta_formula(p, g, **full)
    if name == "RMSprop":
        full = dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False) | kw
        return kw, lambda p, g: rmsprop_formula(p, g, **full)
    if name == "Adagrad":
        full = dict(lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10) | kw
        return kw, lambda p, g: adagrad_formula(p, g, **full)
    if name == "Adamax":
        full = dict(lr=2e-3, eps=1e-8, weight_decay=0) | kw
        return kw | dict(betas=betas), lambda p, g: adamax_formula(p, g, beta1=betas[0], beta2=betas[1], **full)
    decoupled = kw.pop("decoupled_weight_decay", False)
    given = kw | dict(betas=betas, decoupled_weight_decay=decoupled)
    if name == "NAdam":
        full = dict(lr=2e-3, eps=1e-8, weight_decay=0, momentum_decay=4e-3) | kw
        return given, lambda p, g: nadam_formula(p, g, beta1=betas[0], beta2=betas[1], decoupled=decoupled, **full)
    full = dict(lr=1e-3, eps=1e-8, weight_decay=0) | kw
    return given, lambda p, g: radam_formula(p, g, beta1=betas[0], beta2=betas[1], decoupled=decoupled, **full)

CASES = [
    ("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.01)), ("Adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("Adadelta", dict()), ("Adadelta", dict(lr=0.5, weight_decay=0.05)),
    ("RMSprop", dict()), ("RMSprop", dict(momentum=0.9, weight_decay=0.1)),
    ("RMSprop", dict(alpha=0.9, centered=True)), ("RMSprop", dict(momentum=0.5, centered=True)),
    ("Adagrad", dict()), ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("Adamax", dict()), ("Adamax", dict(lr=0.05, betas=(0.8, 0.99), weight_decay=0.1)),
    ("NAdam", dict()), ("NAdam", dict(lr=0.05, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict()), ("RAdam", dict(lr=0.05, weight_decay=0.1)),
    ("RAdam", dict(weight_decay=0.1, decoupled_weight_decay=True))]
NAMES = sorted({name for name, _ in CASES})

@pytest.mark.parametrize("name, kw", CASES)
def test_each_optimizer_follows_its_update_rule(device, name, kw):
    """Eight steps: RAdam's rectification starts at step 6, with the default betas."""
    p0, grads = np.random.default_rng(1).standard_normal((3, 4)), gradients((3, 4), seed=2, steps=8)
    given, formula = formula_for(name, kw)
    np.testing.assert_allclose(run(lambda ps: getattr(optim, name)(ps, **given), device, p0, grads),
                               formula(p0, grads), rtol=1e-10, atol=1e-14)

@st.composite
def hyperparameters(draw):
    name = draw(st.sampled_from(NAMES))
    kw = dict(lr=draw(st.floats(1e-3, 0.5)), weight_decay=draw(st.sampled_from([0.0, 0.01, 0.2])))
    if name == "SGD":
        kw |= dict(momentum=draw(st.sampled_from([0.0, 0.5, 0.9])), dampening=draw(st.sampled_from([0.0, 0.3])))
        kw["nesterov"] = kw["momentum"] > 0 and kw["dampening"] == 0 and draw(st.booleans())
    elif name in ("Adam", "AdamW", "Adamax", "NAdam", "RAdam"):
        kw["betas"] = (draw(st.floats(0.0, 0.95)), draw(st.floats(0.5, 0.999)))
        if name in ("Adam", "AdamW"):
            kw["amsgrad"] = draw(st.booleans())
        if name in ("NAdam", "RAdam"):
            kw["decoupled_weight_decay"] = draw(st.booleans())
    elif name == "RMSprop":
        kw |= dict(alpha=draw(st.floats(0.5, 0.999)), momentum=draw(st.sampled_from([0.0, 0.7])),
                   centered=draw(st.booleans()))
    elif name == "Adagrad":
        kw |= dict(lr_decay=draw(st.sampled_from([0.0, 0.1])),
                   initial_accumulator_value=draw(st.sampled_from([0.0, 0.3])))
    elif name == "Adadelta":
        kw["rho"] = draw(st.floats(0.5, 0.99))
    return name, kw

@given(hyperparameters(), st.integers(1, 7), st.integers(1, 6), st.integers(0, 2**16))
def test_random_hyperparameters_follow_the_update_rules(device, case, size, steps, seed):
    name, kw = case
    rng = np.random.default_rng(seed)
    p0, grads = rng.standard_normal(size), [rng.standard_normal(size) for _ in range(steps)]
    given, formula = formula_for(name, kw)
    np.testing.assert_allclose(run(lambda ps: getattr(optim, name)(ps, **given), device, p0, grads),
                               formula(p0, grads), rtol=1e-9, atol=1e-12)

def test_maximize_climbs_the_gradient(device):
    p0, grads = np.random.default_rng(3).standard_normal(5), gradients(5, seed=4)
    for name in NAMES:
        ascent = run(lambda ps: getattr(optim, name)(ps, lr=0.1, maximize=True), device, p0, grads)
        descent = run(lambda ps: getattr(optim, name)(ps, lr=0.1), device, p0, [-g for g in grads])
        np.testing.assert_array_equal(ascent, descent, err_msg=name)

def test_float32_parameters_stay_float32_and_update_in_place(device):
    for name in NAMES:
        p = nn.Parameter(tp.ones(5, device=device))
        storage = p._data
        p.grad = tp.ones(5, device=device)
        getattr(optim, name)([p], lr=0.1).step()
        assert p._data is storage and p.dtype == np.float32, name
        assert np.all(p.numpy() < 1), name

def test_adadelta_updates_float32_in_float32_in_pytorchs_order():
    """Bit for bit the float32 arithmetic of PyTorch's Adadelta, operation by operation (numpy float32 here):
    square_avg * rho + (1 - rho) * g * g, sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g, and so on."""
    rng = np.random.default_rng(5)
    p0 = rng.standard_normal(1000).astype(np.float32)
    param = Tensor(p0.copy(), requires_grad=True)
    opt = optim.Adadelta([param], lr=0.5, rho=0.8, eps=1e-6, weight_decay=0.01)
    p, square_avg, acc_delta = p0.copy(), np.zeros(1000, np.float32), np.zeros(1000, np.float32)
    lr, rho, one_minus_rho, eps, decay = (np.float32(v) for v in (0.5, 0.8, 1 - 0.8, 1e-6, 0.01))
    for _ in range(3):
        grad = rng.standard_normal(1000).astype(np.float32)
        param.grad = Tensor(grad)
        opt.step()
        g = grad + decay * p
        square_avg = rho * square_avg + one_minus_rho * g * g
        delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * g
        p, acc_delta = p - lr * delta, rho * acc_delta + one_minus_rho * delta * delta
        np.testing.assert_array_equal(param.numpy(), p)

@pytest.mark.parametrize("name, beta1, weight_decay", [("Adam", 0.9, 0.01), ("Adam", 0.3, 0.0), ("AdamW", 0.9, 0.01)])
def test_adam_updates_float32_in_float32_in_pytorchs_order(name, beta1, weight_decay):
    """As for Adadelta: exp_avg moves as torch.lerp with weight w = 1 - beta1 (both of its branches), exp_avg_sq
    as mul_ then addcmul_, and the step is addcdiv_ by sqrt(exp_avg_sq) / sqrt(1 - beta2^t) + eps."""
    rng = np.random.default_rng(6)
    p0 = rng.standard_normal(1000).astype(np.float32)
    param = Tensor(p0.copy(), requires_grad=True)
    opt = getattr(optim, name)([param], lr=0.01, betas=(beta1, 0.999), eps=1e-8, weight_decay=weight_decay)
    p, m, v = p0.copy(), np.zeros(1000, np.float32), np.zeros(1000, np.float32)
    f = np.float32
    w = f(1 - beta1)
    for step in range(1, 4):
        grad = rng.standard_normal(1000).astype(np.float32)
        param.grad = Tensor(grad)
        opt.step()
        if name == "AdamW":
            p, g = p * f(1 - 0.01 * weight_decay), grad
        else:
            g = grad + f(weight_decay) * p if weight_decay else grad
        m = m + w * (g - m) if w < 0.5 else g - (g - m) * (f(1) - w)
        v = f(0.999) * v + f(1 - 0.999) * g * g
        step_size, correction = f(0.01 / (1 - beta1 ** step)), f((1 - 0.999 ** step) ** 0.5)
        p = p - step_size * m / (np.sqrt(v) / correction + f(1e-8))
        np.testing.assert_array_equal(param.numpy(), p)

@pytest.mark.parametrize("name, kw", [("Adam", {}), ("AdamW", dict(weight_decay=0.01)), ("Adadelta", {}),
                                      ("RMSprop", {}), ("Adagrad", dict(lr_decay=0.01)), ("Adamax", {}),
                                      ("NAdam", {}), ("NAdam", dict(decoupled_weight_decay=True, weight_decay=0.01)),
                                      ("RAdam", {})])
def test_a_float32_step_rounds_as_pytorchs_does(name, kw):
    """Updated in float32, in PyTorch's order of operations, a first step on 100k float32 weights gives PyTorch's
    values bit for bit but for at most 1% of them (its vectorised kernels fuse some multiply-adds); computed in
    float64 and rounded once, up to 47% had differed in the last bit."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    start, grad = (rng.standard_normal(100_000).astype(np.float32) for _ in range(2))
    ours, theirs = Tensor(start.copy(), requires_grad=True), torch.tensor(start.copy(), requires_grad=True)
    ours.grad, theirs.grad = Tensor(grad), torch.tensor(grad)
    getattr(optim, name)([ours], **kw).step()
    getattr(torch.optim, name)([theirs], **kw).step()
    assert (ours.numpy() != theirs.detach().numpy()).mean() <= 0.01

def test_parameters_without_gradient_are_skipped_and_zero_grad_clears():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    a.grad = Tensor(np.ones(2))
    opt = optim.SGD([a, b], lr=1.0)
    opt.step()
    assert a.tolist() == [0.0, 0.0] and b.tolist() == [1.0, 1.0]
    opt.zero_grad()
    assert a.grad is None

def test_zero_grad_without_set_to_none_zeroes_the_same_tensor_in_place(device):
    p = nn.Parameter(tp.ones(3, device=device))
    grad = Tensor(np.array([np.inf, np.nan, -2.0], np.float32), device=device)
    p.grad = grad
    optim.Adam([p]).zero_grad(set_to_none=False)
    assert p.grad is grad and p.grad.tolist() == [0.0, 0.0, 0.0]

def test_step_runs_the_closure_with_grad_and_returns_its_loss():
    p = nn.Parameter(np.array([3.0]))
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with tp.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0 and p.tolist() == [1.5]
    assert opt.step() is None

def test_param_groups_carry_their_own_learning_rate():
    a, b = nn.Parameter(np.ones(1)), nn.Parameter(np.ones(1))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad, b.grad = Tensor(np.ones(1)), Tensor(np.ones(1))
    opt.step()
    assert a.tolist() == [0.9] and b.tolist() == [0.5]

def test_add_param_group_adds_a_group_with_the_defaults():
    a, b = nn.Parameter(np.ones(1)), nn.Parameter(np.ones(1))
    opt = optim.Adagrad([a], lr=0.1)
    group = {"params": b, "lr": 0.5, "name": "head"}
    opt.add_param_group(group)
    assert opt.param_groups[1] is group and group["params"] == [b] and group["eps"] == 1e-10
    a.grad, b.grad = Tensor(np.ones(1)), Tensor(np.ones(1))
    opt.step()
    np.testing.assert_allclose([a.item(), b.item()], [0.9, 0.5])
    assert opt.state_dict()["param_groups"][1]["params"] == [1]

def test_named_parameters_keep_their_names():
    model = nn.Linear(2, 2)
    opt = optim.SGD(model.named_parameters(), lr=0.1)
    group = opt.state_dict()["param_groups"][0]
    assert group["param_names"] == ["weight", "bias"] and group["params"] == [0, 1]
    assert opt.param_groups[0]["params"] == [model.weight, model.bias]

def test_adagrad_starts_every_state_at_construction():
    opt = optim.Adagrad([nn.Parameter(np.ones(2))], initial_accumulator_value=0.5)
    state = opt.state_dict()["state"][0]
    assert state["step"].item() == 0.0 and state["sum"].tolist() == [0.5, 0.5]

def test_repr_lists_each_group_as_pytorch_does():
    opt = optim.SGD([nn.Parameter(np.ones(1))], lr=0.1)
    assert repr(opt).splitlines()[:4] == ["SGD (", "Parameter Group 0", "    dampening: 0", "    differentiable: False"]
    assert repr(opt).endswith("    weight_decay: 0\n)")

# --- state_dict and load_state_dict -----------------------------------------------------------------------------
def trained(name, device, steps=3, dtype=np.float64, **kw):
    """(optimizer, its two parameters) after `steps` steps on fixed gradients."""
    rng = np.random.default_rng(8)
    ps = [nn.Parameter(Tensor(rng.standard_normal(s).astype(dtype), device=device)) for s in [(2, 3), (3,)]]
    opt = getattr(optim, name)([{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.02}], lr=0.01, **kw)
    for step in range(steps):
        for i, p in enumerate(ps):
            p.grad = Tensor(rng.standard_normal(p.shape).astype(dtype), device=device)
        opt.step()
    return opt, ps

def continue_training(opt, ps, steps=3, seed=9):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        for p in ps:
            p.grad = Tensor(rng.standard_normal(p.shape).astype(p.dtype), device=p.device)
        opt.step()
    return [p.numpy() for p in ps]

STATE_CASES = [("SGD", dict(momentum=0.9)), ("Adam", dict(amsgrad=True)), ("AdamW", {}), ("Adadelta", {}),
               ("RMSprop", dict(momentum=0.9, centered=True)), ("Adagrad", {}), ("Adamax", {}), ("NAdam", {}),
               ("RAdam", {})]

def test_state_dict_numbers_the_parameters_over_the_groups():
    opt, ps = trained("Adam", "cpu", amsgrad=True)
    state = opt.state_dict()
    assert [g["params"] for g in state["param_groups"]] == [[0], [1]]
    assert state["param_groups"][1]["lr"] == 0.02
    assert list(state["state"][0]) == ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]
    step = state["state"][1]["step"]
    assert step.item() == 3.0 and step.dtype == np.float32 and step.shape == () and step.device == "cpu"
    assert state["state"][0]["exp_avg"] is opt.state[ps[0]]["exp_avg"]   # not a copy, as in PyTorch

@pytest.mark.parametrize("name, kw", STATE_CASES)
def test_a_saved_and_loaded_state_continues_identically(device, name, kw):
    opt, ps = trained(name, device, **kw)
    buffer = io.BytesIO()
    tp.save(opt.state_dict(), buffer)
    copies = [nn.Parameter(p.clone()) for p in ps]
    fresh = getattr(optim, name)([{"params": [copies[0]]}, {"params": [copies[1]]}], lr=0.5, **kw)
    buffer.seek(0)
    fresh.load_state_dict(tp.load(buffer))
    assert fresh.param_groups[1]["lr"] == 0.02 and fresh.param_groups[1]["params"] == [copies[1]]
    for ours, theirs in zip(continue_training(fresh, copies), continue_training(opt, ps)):
        np.testing.assert_array_equal(ours, theirs)

def test_loading_casts_the_state_to_each_parameter(device):
    opt, _ = trained("Adam", "cpu")
    target = [nn.Parameter(tp.zeros(2, 3, device=device)), nn.Parameter(tp.zeros(3, device=device))]
    fresh = optim.Adam([{"params": [target[0]]}, {"params": [target[1]]}])
    fresh.load_state_dict(opt.state_dict())
    state = fresh.state[target[0]]
    assert state["exp_avg"].dtype == np.float32 and state["exp_avg"].device == device
    assert state["step"].dtype == np.float32 and state["step"].device == "cpu"
    assert state["exp_avg"]._data is not opt.state[opt.param_groups[0]["params"][0]]["exp_avg"]._data
    np.testing.assert_allclose(state["exp_avg_sq"].numpy(), opt.state_dict()["state"][0]["exp_avg_sq"].numpy(),
                               rtol=1e-6)

def test_a_step_saved_as_a_number_becomes_a_counter():
    p = nn.Parameter(np.ones(2))
    opt = optim.Adam([p])
    opt.load_state_dict({"state": {0: {"step": 4, "exp_avg": tp.zeros(2, dtype=tp.float64),
                                       "exp_avg_sq": tp.zeros(2, dtype=tp.float64)}},
                         "param_groups": [dict(opt.state_dict()["param_groups"][0])]})
    assert opt.state[p]["step"].dtype == np.float32 and opt.state[p]["step"].item() == 4.0

def test_a_failed_load_changes_nothing():
    p = nn.Parameter(np.ones(2))
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    groups, state = opt.param_groups, opt.state
    bad = {"state": {0: {"momentum_buffer": tp.zeros(3)}}, "param_groups": [dict(lr=0.5, params=[0])]}
    with pytest.raises(ValueError, match=r"momentum_buffer' of parameter 0 has shape \(3,\)"):
        opt.load_state_dict(bad)
    assert opt.param_groups is groups and opt.state is state and groups[0]["lr"] == 0.1

# --- bad arguments ----------------------------------------------------------------------------------------------
def params():
    return [nn.Parameter(np.ones(1))]

def two_groups():
    return optim.SGD([{"params": params()}, {"params": params()}], lr=0.1)

def duplicated():
    p = params()
    return optim.SGD([{"params": p}, {"params": p}], lr=0.1)

def mixed_names():
    model = nn.Linear(1, 1)
    return optim.SGD([{"params": model.named_parameters()}, {"params": params()}], lr=0.1)

BAD = {
    "empty parameter list": (lambda: optim.SGD([], lr=0.1), ValueError, "empty parameter list"),
    "negative lr": (lambda: optim.SGD(params(), lr=-1), ValueError, "lr=-1 must be at least 0"),
    "negative momentum": (lambda: optim.RMSprop(params(), momentum=-0.1), ValueError, "momentum=-0.1"),
    "negative eps": (lambda: optim.Adagrad(params(), eps=-1e-3), ValueError, "eps=-0.001"),
    "negative alpha": (lambda: optim.RMSprop(params(), alpha=-0.5), ValueError, "alpha=-0.5"),
    "negative lr_decay": (lambda: optim.Adagrad(params(), lr_decay=-1), ValueError, "lr_decay=-1"),
    "negative accumulator": (lambda: optim.Adagrad(params(), initial_accumulator_value=-1), ValueError,
                             "initial_accumulator_value=-1"),
    "negative momentum_decay": (lambda: optim.NAdam(params(), momentum_decay=-1), ValueError, "momentum_decay=-1"),
    "negative weight_decay": (lambda: optim.RAdam(params(), weight_decay=-0.1), ValueError, "weight_decay=-0.1"),
    "nesterov without momentum": (lambda: optim.SGD(params(), lr=0.1, nesterov=True), ValueError,
                                  "nesterov=True needs momentum > 0"),
    "beta of 1": (lambda: optim.Adamax(params(), betas=(0.9, 1.0)), ValueError, "betas=(0.9, 1.0)"),
    "betas not a pair": (lambda: optim.NAdam(params(), betas=0.9), TypeError, "betas must be a pair"),
    "rho above 1": (lambda: optim.Adadelta(params(), rho=2), ValueError, "rho=2"),
    "centered a string": (lambda: optim.RMSprop(params(), centered="yes"), TypeError, "centered must be True"),
    "foreach a string": (lambda: optim.Adam(params(), foreach="no"), TypeError, "foreach must be True or False"),
    "differentiable": (lambda: optim.Adam(params(), differentiable=True), ValueError,
                       "differentiable=True is not supported"),
    "capturable": (lambda: optim.RAdam(params(), capturable=True), ValueError, "capturable=True is not supported"),
    "tensor without grad": (lambda: optim.SGD([tp.ones(2)], lr=0.1), TypeError, "require grad"),
    "group not a dict": (lambda: optim.SGD(params(), lr=0.1).add_param_group([1]), TypeError, "'params' entry"),
    "group of a set": (lambda: optim.SGD(params(), lr=0.1).add_param_group({"params": set(params())}), TypeError,
                       "not a set"),
    "parameter in two groups": (duplicated, ValueError, "more than one parameter group"),
    "named and unnamed groups": (mixed_names, ValueError, "parameter names"),
    "zero_grad flag a string": (lambda: optim.SGD(params(), lr=0.1).zero_grad("no"), TypeError,
                                "set_to_none must be True or False"),
    "load a list": (lambda: optim.SGD(params(), lr=0.1).load_state_dict([]), TypeError, "expected a dict"),
    "load without groups": (lambda: optim.SGD(params(), lr=0.1).load_state_dict({"state": {}}), KeyError,
                            "no 'param_groups' entry"),
    "load into fewer groups": (lambda: optim.SGD(params(), lr=0.1).load_state_dict(two_groups().state_dict()),
                               ValueError, "different number of parameter groups (2) than this optimizer (1)"),
    "load a bigger group": (lambda: optim.SGD(params(), lr=0.1).load_state_dict(
        optim.SGD(params() + params(), lr=0.1).state_dict()), ValueError, "group 0 holds 2 parameters there and 1"),
}

@pytest.mark.parametrize("case", BAD)
def test_bad_arguments_name_the_value(case):
    assert_bad_input(case, BAD)

# --- special values ---------------------------------------------------------------------------------------------
def test_an_infinite_parameter_without_weight_decay_stays_infinite(device):
    """0 * inf is NaN, so a weight decay of 0 must add nothing, as in PyTorch."""
    for name in NAMES:
        p = nn.Parameter(Tensor(np.array([np.inf, -np.inf, -0.0]), device=device))
        p.grad = Tensor(np.array([1.0, -1.0, 0.0]), device=device)
        getattr(optim, name)([p], lr=0.1, weight_decay=0).step()
        got = p.numpy()
        assert got[0] == np.inf and got[1] == -np.inf, name

# --- PyTorch as the oracle --------------------------------------------------------------------------------------
TORCH_CASES = CASES + [(name, dict(kw, maximize=True)) for name, kw in CASES[::4]]

@pytest.mark.parametrize("name, kw", TORCH_CASES)
def test_optimizers_match_pytorch_over_thirty_steps(name, kw):
    torch = pytest.importorskip("torch")
    p0, grads = np.random.default_rng(6).standard_normal((4, 3)), gradients((4, 3), seed=7, steps=30)
    theirs = torch.nn.Parameter(torch.from_numpy(p0.copy()))
    opt = getattr(torch.optim, name)([theirs], **kw)
    for g in grads:
        theirs.grad = torch.from_numpy(g)
        opt.step()
    np.testing.assert_allclose(run(lambda ps: getattr(optim, name)(ps, **kw), "cpu", p0, grads),
                               theirs.detach().numpy(), rtol=1e-10, atol=1e-14)

@pytest.mark.parametrize("name", NAMES)
def test_float32_steps_match_pytorch(name):
    torch = pytest.importorskip("torch")
    p0, grads = np.random.default_rng(6).standard_normal(6).astype(np.float32), gradients(6, seed=7, steps=10)
    theirs = torch.nn.Parameter(torch.from_numpy(p0.copy()))
    opt = getattr(torch.optim, name)([theirs], lr=0.01)
    for g in grads:
        theirs.grad = torch.from_numpy(g.astype(np.float32))
        opt.step()
    ours = run(lambda ps: getattr(optim, name)(ps, lr=0.01), "cpu", p0, [g.astype(np.float32) for g in grads])
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-5, atol=1e-6)

@pytest.mark.parametrize("name, kw", STATE_CASES)
def test_state_dict_has_pytorchs_layout(name, kw):
    torch = pytest.importorskip("torch")
    ours, _ = trained(name, "cpu", **kw)
    ps = [torch.nn.Parameter(torch.zeros(s, dtype=torch.float64)) for s in [(2, 3), (3,)]]
    opt = getattr(torch.optim, name)([{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.02}], lr=0.01, **kw)
    for p in ps:
        p.grad = torch.ones_like(p)
    opt.step()
    mine, theirs = ours.state_dict(), opt.state_dict()
    assert mine["param_groups"] == theirs["param_groups"]
    assert [list(g) for g in mine["param_groups"]] == [list(g) for g in theirs["param_groups"]]
    for index, entries in theirs["state"].items():
        assert list(mine["state"][index]) == list(entries)
        for key, value in entries.items():
            assert mine["state"][index][key].shape == tuple(value.shape), key
            assert str(mine["state"][index][key].dtype) == str(value.dtype).replace("torch.", ""), key

@pytest.mark.parametrize("name, kw", STATE_CASES)
def test_a_state_saved_by_pytorch_continues_as_pytorch_does(tmp_path, name, kw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(10)
    p0 = [rng.standard_normal(s) for s in [(2, 3), (3,)]]
    theirs = [torch.nn.Parameter(torch.from_numpy(p.copy())) for p in p0]
    opt = getattr(torch.optim, name)([{"params": [theirs[0]]}, {"params": [theirs[1]], "lr": 0.02}], lr=0.01, **kw)
    for _ in range(3):
        for p in theirs:
            p.grad = torch.from_numpy(rng.standard_normal(tuple(p.shape)))
        opt.step()
    torch.save(opt.state_dict(), tmp_path / "optimizer.pt")
    ours = [nn.Parameter(tp.tensor(p.detach().numpy().copy())) for p in theirs]
    mine = getattr(optim, name)([{"params": [ours[0]]}, {"params": [ours[1]]}], lr=0.5, **kw)
    mine.load_state_dict(tp.load(tmp_path / "optimizer.pt"))
    rng = np.random.default_rng(11)
    for _ in range(3):
        for ours_p, theirs_p in zip(ours, theirs):
            g = rng.standard_normal(tuple(theirs_p.shape))
            theirs_p.grad, ours_p.grad = torch.from_numpy(g.copy()), tp.tensor(g)
        opt.step()
        mine.step()
    for ours_p, theirs_p in zip(ours, theirs):
        np.testing.assert_allclose(ours_p.numpy(), theirs_p.detach().numpy(), rtol=1e-12, atol=1e-15)

def test_pytorch_loads_our_state_and_continues_as_we_do(tmp_path):
    torch = pytest.importorskip("torch")
    opt, ps = trained("Adam", "cpu", amsgrad=True)
    tp.save(opt.state_dict(), tmp_path / "optimizer.pt")
    theirs = [torch.nn.Parameter(torch.from_numpy(p.numpy().copy())) for p in ps]
    their_opt = torch.optim.Adam([{"params": [theirs[0]]}, {"params": [theirs[1]]}], amsgrad=True)
    their_opt.load_state_dict(torch.load(tmp_path / "optimizer.pt", weights_only=True))
    ours = continue_training(opt, ps)
    rng = np.random.default_rng(9)
    for _ in range(3):
        for p in theirs:
            p.grad = torch.from_numpy(rng.standard_normal(tuple(p.shape)))
        their_opt.step()
    for mine, p in zip(ours, theirs):
        np.testing.assert_allclose(mine, p.detach().numpy(), rtol=1e-12)

def test_special_values_as_pytorch():
    torch = pytest.importorskip("torch")
    p0 = np.array([np.inf, -0.0, 1.0, 2.0, -np.inf, 0.0, 3.0, -1.0])
    g0 = np.array([1.0, 0.0, np.nan, np.inf, 0.0, -0.0, -np.inf, 1.0])
    for name in NAMES:
        for kw in [dict(), dict(weight_decay=0.1)]:
            theirs = torch.nn.Parameter(torch.from_numpy(p0.copy()))
            opt = getattr(torch.optim, name)([theirs], lr=0.1, **kw)
            grads = [g0, g0] + [np.linspace(-1, 1, 8)] * 4
            for g in grads:
                theirs.grad = torch.from_numpy(g.copy())
                opt.step()
            ours = run(lambda ps: getattr(optim, name)(ps, lr=0.1, **kw), "cpu", p0, grads)
            expected = theirs.detach().numpy()
            np.testing.assert_allclose(ours, expected, rtol=1e-12, err_msg=f"{name} {kw}")
            assert (np.signbit(ours) == np.signbit(expected))[~np.isnan(expected)].all(), name

def test_repr_matches_pytorch():
    torch = pytest.importorskip("torch")
    ours = optim.RMSprop([nn.Parameter(np.ones(1))], lr=0.1, centered=True)
    theirs = torch.optim.RMSprop([torch.nn.Parameter(torch.ones(1))], lr=0.1, centered=True)
    assert repr(ours) == repr(theirs)
