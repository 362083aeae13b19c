"""Learning-rate schedules against their closed forms written out here, and against PyTorch's lr sequences where
it is installed; their state_dict, chaining, momentum cycling and bad arguments."""
import io
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_pool as tp
from tinygrad_pool import nn, optim
from tinygrad_pool.optim import lr_scheduler as S
from conftest import assert_bad_input

BASES = (0.1, 0.2)
STEPS = 30

def sgd(library=None, name="SGD", **kw):
    """An optimizer of two groups with lrs BASES, from tinygrad_pool or from `library` (torch)."""
    if library is None:
        params, opt = [nn.Parameter(tp.ones(1)) for _ in BASES], getattr(optim, name)
    else:
        params, opt = [library.nn.Parameter(library.ones(1)) for _ in BASES], getattr(library.optim, name)
    return opt([{"params": [p], "lr": lr} for p, lr in zip(params, BASES)], **kw)

def sequence(scheduler, steps=STEPS, metrics=None):
    """The lrs (and each group's momentum or beta1) before each of `steps` steps, one row per step."""
    rows = []
    for i in range(steps):
        groups = scheduler.optimizer.param_groups
        rows.append(list(scheduler.get_last_lr()) + [g["betas"][0] if "betas" in g else g.get("momentum", 0.0)
                                                     for g in groups])
        scheduler.optimizer.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[i])
    return np.array(rows)

def closed(factor, steps=STEPS):
    """The lrs of schedules whose lr is base * factor(epoch)."""
    return np.array([[base * factor(e) for base in BASES] for e in range(steps)])

def warm_restarts(epoch, T_0, T_mult):
    """(T_cur, T_i) at an integer epoch: the epochs since the last restart and the current period."""
    T_cur, T_i = epoch, T_0
    while T_cur >= T_i:
        T_cur, T_i = T_cur - T_i, T_i * T_mult
    return T_cur, T_i

def cosine(low, high, fraction):
    return low + (high - low) * (1 + math.cos(math.pi * fraction)) / 2

class Halving:
    """A callable object: LambdaLR saves its attributes in state_dict (a lambda cannot be saved)."""
    def __init__(self):
        self.rate = 0.5

    def __call__(self, epoch):
        return self.rate ** (epoch // 4)

CLOSED_FORMS = {
    "StepLR": (lambda o: S.StepLR(o, 4, gamma=0.7), lambda e: 0.7 ** (e // 4)),
    "MultiStepLR": (lambda o: S.MultiStepLR(o, [3, 9, 9, 20], gamma=0.5),
                    lambda e: 0.5 ** sum(m <= e for m in [3, 9, 9, 20])),
    "ExponentialLR": (lambda o: S.ExponentialLR(o, 0.9), lambda e: 0.9 ** e),
    "LambdaLR": (lambda o: S.LambdaLR(o, lambda e: 1 / (1 + e)), lambda e: 1 / (1 + e)),
    "MultiplicativeLR": (lambda o: S.MultiplicativeLR(o, lambda e: 0.95), lambda e: 0.95 ** e),
    "LinearLR": (lambda o: S.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=8),
                 lambda e: 0.25 + 0.65 * min(e, 8) / 8),
    "ConstantLR": (lambda o: S.ConstantLR(o, factor=0.5, total_iters=6), lambda e: 0.5 if e < 6 else 1.0),
    "PolynomialLR": (lambda o: S.PolynomialLR(o, total_iters=12, power=2.0), lambda e: (1 - min(e, 12) / 12) ** 2),
    "ChainedScheduler": (lambda o: S.ChainedScheduler([S.ConstantLR(o, 0.1, total_iters=4), S.ExponentialLR(o, 0.9)]),
                         lambda e: (0.1 if e < 4 else 1.0) * 0.9 ** e),
}

@pytest.mark.parametrize("name", CLOSED_FORMS)
def test_schedules_follow_their_closed_forms(name):
    build, factor = CLOSED_FORMS[name]
    np.testing.assert_allclose(sequence(build(sgd()))[:, :2], closed(factor), rtol=1e-12)

def test_cosine_annealing_follows_the_cosine_past_T_max():
    scheduler = S.CosineAnnealingLR(sgd(), T_max=7, eta_min=0.01)
    expected = np.array([[cosine(0.01, base, e / 7) for base in BASES] for e in range(STEPS)])
    np.testing.assert_allclose(sequence(scheduler)[:, :2], expected, rtol=1e-10)

def test_warm_restarts_restart_with_growing_periods():
    scheduler = S.CosineAnnealingWarmRestarts(sgd(), T_0=3, T_mult=2, eta_min=0.01)
    expected = []
    for e in range(STEPS):
        T_cur, T_i = warm_restarts(e, 3, 2)
        expected.append([cosine(0.01, base, T_cur / T_i) for base in BASES])
    np.testing.assert_allclose(sequence(scheduler)[:, :2], expected, rtol=1e-12)

def test_warm_restarts_take_fractional_epochs():
    scheduler = S.CosineAnnealingWarmRestarts(sgd(), T_0=4, T_mult=2)
    for epoch, (T_cur, T_i) in [(2.5, (2.5, 4)), (5.0, (1.0, 8)), (13.0, (1.0, 16))]:
        scheduler.step(epoch)
        assert (scheduler.T_cur, scheduler.T_i) == (T_cur, T_i)
        assert scheduler.get_last_lr()[0] == pytest.approx(cosine(0, BASES[0], T_cur / T_i), rel=1e-12)

def test_sequential_lr_switches_at_the_milestones():
    opt = sgd()
    scheduler = S.SequentialLR(opt, [S.LinearLR(opt, 0.1, total_iters=5), S.ExponentialLR(opt, 0.9)],
                               milestones=[5])
    expected = closed(lambda e: 0.1 + 0.9 * e / 5 if e < 5 else 0.9 ** (e - 5))
    np.testing.assert_allclose(sequence(scheduler)[:, :2], expected, rtol=1e-12)

def one_cycle(step, total, top, pct, div, final_div):
    """OneCycleLR's two phases in closed form: cosine up from top / div, then down to top / div / final_div."""
    start, low, peak = top / div, top / div / final_div, pct * total - 1
    if step <= peak:
        return cosine(top, start, step / peak)
    return cosine(low, top, (step - peak) / (total - 1 - peak))

def test_one_cycle_rises_then_anneals_and_moves_momentum_the_other_way():
    scheduler = S.OneCycleLR(sgd(momentum=0.9), max_lr=[1.0, 2.0], total_steps=STEPS)
    got = sequence(scheduler)
    for i, top in enumerate((1.0, 2.0)):
        np.testing.assert_allclose(got[:, i], [one_cycle(s, STEPS, top, 0.3, 25.0, 1e4) for s in range(STEPS)],
                                   rtol=1e-12)
    momentum = [one_cycle(s, STEPS, 0.85, 0.3, 0.85 / 0.95, 1.0) for s in range(STEPS)]
    np.testing.assert_allclose(got[:, 2], momentum, rtol=1e-12)   # 0.95 -> 0.85 -> 0.95
    with pytest.raises(ValueError, match="tried to step 31 times, but total_steps is 30"):
        scheduler.step()

def test_one_cycle_and_cyclic_lr_move_adams_beta1():
    opt = sgd(name="Adam", betas=(0.9, 0.99))
    S.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    assert opt.param_groups[0]["betas"] == (0.95, 0.99) and opt.param_groups[0]["max_momentum"] == 0.95
    opt = sgd(name="Adam")
    scheduler = S.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=2)
    scheduler.step()
    assert opt.param_groups[0]["betas"] == (pytest.approx(0.85), 0.999)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.055, rel=1e-12)

def test_cyclic_lr_is_a_triangle():
    scheduler = S.CyclicLR(sgd(momentum=0.9), base_lr=0.01, max_lr=0.1, step_size_up=4, step_size_down=6)
    position = [min(e % 10 / 4, (10 - e % 10) / 6) for e in range(STEPS)]
    got = sequence(scheduler)
    np.testing.assert_allclose(got[:, 0], [0.01 + 0.09 * x for x in position], rtol=1e-12)
    np.testing.assert_allclose(got[:, 2], [0.9 - 0.1 * x for x in position], rtol=1e-12)

def plateau_reference(metrics, lr, factor, patience, threshold, cooldown, min_lr):
    """ReduceLROnPlateau in mode 'min' with a relative threshold, as plain bookkeeping."""
    best, bad, cooling, lrs = math.inf, 0, 0, []
    for metric in metrics:
        lrs.append(lr)
        if metric < best * (1 - threshold):
            best, bad = metric, 0
        else:
            bad += 1
        if cooling > 0:
            cooling, bad = cooling - 1, 0
        if bad > patience:
            lr = max(lr * factor, min_lr) if lr - max(lr * factor, min_lr) > 1e-8 else lr
            cooling, bad = cooldown, 0
    return lrs

def test_reduce_on_plateau_waits_for_patience_and_cools_down():
    metrics = [1.0, 0.9, 0.9, 0.9, 0.95, 0.8, 0.8, 0.8, 0.8, 0.8] * 3
    scheduler = S.ReduceLROnPlateau(sgd(), patience=1, cooldown=2, min_lr=0.004)
    got = sequence(scheduler, metrics=metrics)[:, 0]
    np.testing.assert_allclose(got, plateau_reference(metrics, 0.1, 0.1, 1, 1e-4, 2, 0.004), rtol=1e-12)
    assert scheduler.step(tp.tensor(0.1)) is None and scheduler.best == pytest.approx(0.1)

@given(st.integers(1, 6), st.floats(0.1, 1.0), st.integers(1, 12), st.floats(0.0, 0.05))
def test_random_schedules_follow_their_closed_forms(step_size, gamma, T_max, eta_min):
    np.testing.assert_allclose(sequence(S.StepLR(sgd(), step_size, gamma))[:, :2],
                               closed(lambda e: gamma ** (e // step_size)), rtol=1e-10)
    np.testing.assert_allclose(sequence(S.ExponentialLR(sgd(), gamma))[:, :2], closed(lambda e: gamma ** e),
                               rtol=1e-10)
    expected = np.array([[cosine(eta_min, base, e / T_max) for base in BASES] for e in range(STEPS)])
    np.testing.assert_allclose(sequence(S.CosineAnnealingLR(sgd(), T_max, eta_min))[:, :2], expected,
                               rtol=1e-9, atol=1e-15)

def test_two_chainable_schedules_compose_on_one_optimizer():
    opt = sgd()
    first, second = S.StepLR(opt, 3, gamma=0.5), S.ExponentialLR(opt, 0.9)
    for _ in range(10):
        opt.step()
        first.step()
        second.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5 ** 3 * 0.9 ** 10, rel=1e-12)

def test_step_with_an_epoch_uses_the_closed_form_and_warns():
    scheduler = S.StepLR(sgd(), 2, gamma=0.5)
    with pytest.warns(UserWarning, match="deprecated"):
        scheduler.step(7)
    assert scheduler.last_epoch == 7 and scheduler.get_last_lr() == [0.1 * 0.5 ** 3, 0.2 * 0.5 ** 3]

def test_a_saved_scheduler_resumes_where_it_stopped():
    def build(opt):
        return S.SequentialLR(opt, [S.LinearLR(opt, 0.2, total_iters=4), S.CosineAnnealingLR(opt, T_max=9)], [4])
    straight = sequence(build(sgd()), 20)
    opt = sgd()
    scheduler = build(opt)
    first = sequence(scheduler, 8)
    buffer = io.BytesIO()
    tp.save({"optimizer": opt.state_dict(), "scheduler": scheduler.state_dict()}, buffer)
    buffer.seek(0)
    checkpoint = tp.load(buffer)
    opt = sgd()
    scheduler = build(opt)
    opt.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    np.testing.assert_array_equal(np.vstack([first, sequence(scheduler, 12)]), straight)

def test_a_lambda_schedule_saves_the_attributes_of_callable_objects():
    halving = Halving()
    scheduler = S.LambdaLR(sgd(), [lambda e: 1.0, halving])
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [None, {"rate": 0.5}] and "optimizer" not in state
    halving.rate = 0.25
    scheduler.load_state_dict(state)
    assert halving.rate == 0.5

def test_base_lrs_last_epoch_and_resuming():
    opt = sgd()
    scheduler = S.StepLR(opt, 2)
    assert scheduler.base_lrs == list(BASES) and scheduler.last_epoch == 0
    assert [g["initial_lr"] for g in opt.param_groups] == list(BASES)
    resumed = S.StepLR(opt, 2, last_epoch=5)
    assert resumed.last_epoch == 6 and isinstance(resumed, S.LRScheduler)

# --- bad arguments ----------------------------------------------------------------------------------------------
def resume_without_initial_lr():
    return S.ExponentialLR(optim.SGD([nn.Parameter(tp.ones(1))], lr=0.1), 0.9, last_epoch=3)

def milestone_too_many():
    opt = sgd()
    return S.SequentialLR(opt, [S.StepLR(opt, 1)], [3])

def other_optimizer():
    return S.ChainedScheduler([S.StepLR(sgd(), 1), S.StepLR(sgd(), 1)])

BAD = {
    "optimizer None": (lambda: S.StepLR(None, 1), TypeError, "optimizer must be an Optimizer, got NoneType"),
    "step_size 0": (lambda: S.StepLR(sgd(), 0), ValueError, "step_size=0 must be at least 1"),
    "gamma a string": (lambda: S.ExponentialLR(sgd(), "a"), TypeError, "gamma must be a number"),
    "milestones an int": (lambda: S.MultiStepLR(sgd(), 3), TypeError, "milestones must be a list of ints"),
    "last_epoch -2": (lambda: S.StepLR(sgd(), 1, last_epoch=-2), ValueError, "last_epoch=-2 must be at least -1"),
    "resume without initial_lr": (resume_without_initial_lr, KeyError, "has no 'initial_lr'"),
    "factor above 1": (lambda: S.ConstantLR(sgd(), factor=1.5), ValueError, "factor=1.5 must lie between 0 and 1"),
    "start_factor 0": (lambda: S.LinearLR(sgd(), start_factor=0), ValueError, "start_factor=0 must be greater than 0"),
    "end_factor 2": (lambda: S.LinearLR(sgd(), end_factor=2), ValueError, "end_factor=2 must lie between 0 and 1"),
    "T_max 0": (lambda: S.CosineAnnealingLR(sgd(), 0), ValueError, "T_max=0 must be positive"),
    "T_0 a float": (lambda: S.CosineAnnealingWarmRestarts(sgd(), 2.0), ValueError, "T_0 must be a positive integer"),
    "T_mult 0": (lambda: S.CosineAnnealingWarmRestarts(sgd(), 2, T_mult=0), ValueError, "T_mult must be an integer"),
    "lambdas per group": (lambda: S.LambdaLR(sgd(), [lambda e: 1.0]), ValueError, "expected 2 lr_lambdas"),
    "factor not callable": (lambda: S.MultiplicativeLR(sgd(), 0.9), TypeError, "lr_lambda must be a function"),
    "no total_steps": (lambda: S.OneCycleLR(sgd(), 1.0), ValueError, "pass total_steps, or both epochs"),
    "total_steps 0": (lambda: S.OneCycleLR(sgd(), 1.0, total_steps=0), ValueError, "got 0"),
    "pct_start an int": (lambda: S.OneCycleLR(sgd(), 1.0, 10, pct_start=1), ValueError,
                         "pct_start must be a float between 0 and 1, got 1"),
    "anneal_strategy": (lambda: S.OneCycleLR(sgd(), 1.0, 10, anneal_strategy="exp"), ValueError,
                        "anneal_strategy='exp'"),
    "max_lr per group": (lambda: S.OneCycleLR(sgd(), [1.0], 10), ValueError, "1 values for 2 groups"),
    "momentum without momentum": (lambda: S.OneCycleLR(sgd(name="Adagrad"), 1.0, 10), ValueError,
                                  "cycle_momentum=True needs an optimizer with momentum or betas"),
    "cyclic mode": (lambda: S.CyclicLR(sgd(), 0.01, 0.1, mode="square"), ValueError, "mode='square' is invalid"),
    "plateau factor 1": (lambda: S.ReduceLROnPlateau(sgd(), factor=1.0), ValueError, "factor=1.0 must be below 1.0"),
    "plateau mode": (lambda: S.ReduceLROnPlateau(sgd(), mode="low"), ValueError, "mode='low'"),
    "plateau threshold_mode": (lambda: S.ReduceLROnPlateau(sgd(), threshold_mode="x"), ValueError,
                               "threshold_mode='x'"),
    "plateau min_lrs": (lambda: S.ReduceLROnPlateau(sgd(), min_lr=[0.1]), ValueError, "expected 2 min_lrs"),
    "sequential milestones": (milestone_too_many, ValueError, "1 schedulers need 0 milestones, got 1"),
    "sequential of another optimizer": (lambda: S.SequentialLR(sgd(), [S.StepLR(sgd(), 1)], []), ValueError,
                                        "scheduler 0 (StepLR) belongs to another optimizer"),
    "chained optimizers": (other_optimizer, ValueError, "scheduler 1 (StepLR) belongs to another optimizer"),
    "chained plateau": (lambda: S.ChainedScheduler([S.ReduceLROnPlateau(sgd())]), ValueError,
                        "cannot hold ReduceLROnPlateau"),
    "chained nothing": (lambda: S.ChainedScheduler([]), ValueError, "needs at least one scheduler"),
}

@pytest.mark.parametrize("case", BAD)
def test_bad_arguments_name_the_value(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_bad_input(case, BAD)

# --- PyTorch as the oracle --------------------------------------------------------------------------------------
TORCH_CASES = {
    "StepLR": (dict(), lambda S, o: S.StepLR(o, 3, gamma=0.7)),
    "MultiStepLR": (dict(), lambda S, o: S.MultiStepLR(o, [3, 7, 7, 12], gamma=0.5)),
    "ExponentialLR": (dict(), lambda S, o: S.ExponentialLR(o, 0.93)),
    "CosineAnnealingLR": (dict(), lambda S, o: S.CosineAnnealingLR(o, T_max=7, eta_min=0.001)),
    "CosineAnnealingLR long": (dict(), lambda S, o: S.CosineAnnealingLR(o, T_max=10)),
    "CosineAnnealingWarmRestarts": (dict(), lambda S, o: S.CosineAnnealingWarmRestarts(o, 4, T_mult=2, eta_min=0.01)),
    "LambdaLR": (dict(), lambda S, o: S.LambdaLR(o, [lambda e: 0.9 ** e, Halving()])),
    "MultiplicativeLR": (dict(), lambda S, o: S.MultiplicativeLR(o, lambda e: 0.95)),
    "LinearLR": (dict(), lambda S, o: S.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=8)),
    "ConstantLR": (dict(), lambda S, o: S.ConstantLR(o, factor=0.5, total_iters=4)),
    "PolynomialLR": (dict(), lambda S, o: S.PolynomialLR(o, total_iters=12, power=2.0)),
    "OneCycleLR": (dict(momentum=0.9), lambda S, o: S.OneCycleLR(o, max_lr=[1.0, 2.0], total_steps=30)),
    "OneCycleLR linear": (dict(momentum=0.9), lambda S, o: S.OneCycleLR(
        o, 1.0, epochs=3, steps_per_epoch=10, pct_start=0.25, anneal_strategy="linear", three_phase=True)),
    "OneCycleLR Adam": (dict(name="Adam"), lambda S, o: S.OneCycleLR(o, max_lr=0.5, total_steps=30)),
    "CyclicLR": (dict(momentum=0.9), lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=4, step_size_down=6)),
    "CyclicLR triangular2": (dict(momentum=0.9), lambda S, o: S.CyclicLR(o, [0.01, 0.02], 0.1, 3,
                                                                         mode="triangular2")),
    "CyclicLR exp_range": (dict(name="Adam"), lambda S, o: S.CyclicLR(o, 0.01, 0.1, 3, mode="exp_range", gamma=0.9)),
    "SequentialLR": (dict(), lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, 0.1, total_iters=5), S.CosineAnnealingLR(o, 10), S.StepLR(o, 2)], milestones=[5, 15])),
    "ChainedScheduler": (dict(), lambda S, o: S.ChainedScheduler([S.ConstantLR(o, 0.1, total_iters=4),
                                                                  S.ExponentialLR(o, 0.9)])),
}

@pytest.mark.parametrize("case", TORCH_CASES)
def test_lr_sequences_match_pytorch(case):
    torch = pytest.importorskip("torch")
    options, build = TORCH_CASES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # PyTorch warns when its optimizer's step saw no gradient
        theirs = build(torch.optim.lr_scheduler, sgd(torch, **options))
        expected = sequence(theirs)
    ours = build(S, sgd(**options))
    np.testing.assert_allclose(sequence(ours), expected, rtol=1e-12, atol=0)
    assert set(ours.state_dict()) == set(theirs.state_dict()) - {"_get_lr_called_within_step"}

@pytest.mark.parametrize("options", [dict(patience=1), dict(patience=0, factor=0.5, eps=0.01),
                                     dict(mode="max", threshold_mode="abs", threshold=0.01, patience=2, cooldown=2,
                                          min_lr=[0.01, 0.05])])
def test_reduce_on_plateau_matches_pytorch(options):
    torch = pytest.importorskip("torch")
    metrics = [1.0, 0.9, 0.9, 0.9, 0.95, 0.8, 0.8, 0.8, 0.8, 0.8] * 3
    expected = sequence(torch.optim.lr_scheduler.ReduceLROnPlateau(sgd(torch), **options), metrics=metrics)
    np.testing.assert_allclose(sequence(S.ReduceLROnPlateau(sgd(), **options), metrics=metrics), expected,
                               rtol=1e-12)

def test_a_schedule_saved_by_pytorch_continues_as_pytorch_does(tmp_path):
    torch = pytest.importorskip("torch")
    theirs = torch.optim.lr_scheduler.CosineAnnealingLR(sgd(torch), T_max=9)
    sequence(theirs, 5)
    torch.save(theirs.state_dict(), tmp_path / "scheduler.pt")
    ours = S.CosineAnnealingLR(sgd(), T_max=9)
    ours.load_state_dict(tp.load(tmp_path / "scheduler.pt"))
    ours.optimizer.param_groups[0]["lr"], ours.optimizer.param_groups[1]["lr"] = theirs.get_last_lr()
    np.testing.assert_allclose(sequence(ours, 20), sequence(theirs, 20), rtol=1e-12)
