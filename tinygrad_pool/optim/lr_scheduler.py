"""Learning-rate schedules that rewrite each parameter group's "lr" (and, for the cyclic ones, its momentum), with
torch.optim.lr_scheduler's names, arguments and arithmetic.

Most schedules are chainable, as in PyTorch: each `step()` computes the new lr from the group's current one
(CosineAnnealingLR's recursive form, StepLR's multiplication by gamma), so that two schedules on one optimizer
compose, and the values agree with PyTorch's to the last bits over any number of steps. `step(epoch)`, deprecated
in PyTorch, jumps to `epoch` with the closed form where a schedule has one. A scheduler's `state_dict()` is its
attributes except the optimizer, as in PyTorch, so the two read each other's.
"""
import math
import types
import warnings
from bisect import bisect_right
from collections import Counter

from ..arguments import check_bool, check_choice, check_int, check_number, is_int
from .optimizer import Optimizer

class LRScheduler:
    """The base: `get_lr()` gives each group's next lr, `step()` advances `last_epoch` and writes them, and
    `get_last_lr()` returns what the last step wrote. `base_lrs` are the groups' "initial_lr"."""
    _is_initial = False

    def __init__(self, optimizer, last_epoch=-1):
        name = type(self).__name__
        _check_optimizer(optimizer, name)
        check_int(last_epoch, "last_epoch", name, minimum=-1)
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(f"{name}: param_groups[{i}] has no 'initial_lr', which resuming with "
                               f"last_epoch={last_epoch} needs: load the optimizer's state_dict first, or start "
                               "with last_epoch=-1")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self):
        """The step that every schedule takes when it is built, to epoch last_epoch + 1."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self):
        raise NotImplementedError

    def _closed_form_lr(self):
        """The lrs at last_epoch from base_lrs alone; schedules without a closed form step as usual."""
        return self.get_lr()

    def get_last_lr(self):
        return self._last_lr

    def step(self, epoch=None):
        """Advance one epoch (or jump to `epoch`, deprecated) and write the groups' new lrs; call it after the
        optimizer's step."""
        self._step_count += 1
        if epoch is not None:
            warnings.warn("step(epoch) is deprecated, as in PyTorch: it uses the closed form of the schedule where "
                          "there is one; call step() instead", UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            values = self._closed_form_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = _current_lrs(self.optimizer)

    def state_dict(self):
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)

class _LRScheduler(LRScheduler):
    """The base's older name, for schedules written against it."""

class LambdaLR(LRScheduler):
    """lr = base lr * lr_lambda(epoch), one function for every group or one per group."""
    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        _check_optimizer(optimizer, "LambdaLR")
        self.optimizer = optimizer
        self.lr_lambdas = _per_group_functions(lr_lambda, optimizer, "LambdaLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]

    state_dict = lambda self: _state_with_functions(self, "lr_lambdas")
    load_state_dict = lambda self, state_dict: _load_with_functions(self, state_dict, "lr_lambdas")

class MultiplicativeLR(LRScheduler):
    """lr = previous lr * lr_lambda(epoch) at every step after the first."""
    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        _check_optimizer(optimizer, "MultiplicativeLR")
        self.optimizer = optimizer
        self.lr_lambdas = _per_group_functions(lr_lambda, optimizer, "MultiplicativeLR")
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"MultiplicativeLR: lr_lambda must be a function, got {type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return _current_lrs(self.optimizer)
        return [group["lr"] * fn(self.last_epoch) for fn, group in zip(self.lr_lambdas, self.optimizer.param_groups)]

    state_dict = lambda self: _state_with_functions(self, "lr_lambdas")
    load_state_dict = lambda self, state_dict: _load_with_functions(self, state_dict, "lr_lambdas")

class StepLR(LRScheduler):
    """lr = initial lr * gamma ** (epoch // step_size); call `step()` once per epoch, after the optimizer's."""
    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        _check_optimizer(optimizer, "StepLR")
        self.step_size = check_int(step_size, "step_size", "StepLR", minimum=1)
        self.gamma = check_number(gamma, "gamma", "StepLR", minimum=0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return _current_lrs(self.optimizer)
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _closed_form_lr(self):
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]

class MultiStepLR(LRScheduler):
    """lr = initial lr * gamma ** (the number of milestones reached); a milestone listed twice counts twice."""
    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        _check_optimizer(optimizer, "MultiStepLR")
        if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
            raise TypeError(f"MultiStepLR: milestones must be a list of ints, got {type(milestones).__name__}")
        milestones = list(milestones)
        for milestone in milestones:
            check_int(milestone, "milestones", "MultiStepLR")
        self.milestones = Counter(milestones)
        self.gamma = check_number(gamma, "gamma", "MultiStepLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch not in self.milestones:
            return _current_lrs(self.optimizer)
        return [group["lr"] * self.gamma ** self.milestones[self.last_epoch] for group in self.optimizer.param_groups]

    def _closed_form_lr(self):
        reached = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [base * self.gamma ** reached for base in self.base_lrs]

class ConstantLR(LRScheduler):
    """lr = initial lr * factor until epoch total_iters, then the initial lr."""
    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        _check_optimizer(optimizer, "ConstantLR")
        check_number(factor, "factor", "ConstantLR")
        if not 0 <= factor <= 1.0:
            raise ValueError(f"ConstantLR: factor={factor} must lie between 0 and 1")
        self.factor, self.total_iters = factor, check_int(total_iters, "total_iters", "ConstantLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [group["lr"] * self.factor for group in self.optimizer.param_groups]
        if self.last_epoch != self.total_iters:
            return _current_lrs(self.optimizer)
        return [group["lr"] * (1.0 / self.factor) for group in self.optimizer.param_groups]

    def _closed_form_lr(self):
        return [base * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor))
                for base in self.base_lrs]

class LinearLR(LRScheduler):
    """The lr's factor moves linearly from start_factor to end_factor over total_iters epochs, then stays."""
    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        _check_optimizer(optimizer, "LinearLR")
        check_number(start_factor, "start_factor", "LinearLR")
        check_number(end_factor, "end_factor", "LinearLR")
        if not 0 < start_factor <= 1.0:
            raise ValueError(f"LinearLR: start_factor={start_factor} must be greater than 0 and at most 1")
        if not 0 <= end_factor <= 1.0:
            raise ValueError(f"LinearLR: end_factor={end_factor} must lie between 0 and 1")
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = check_int(total_iters, "total_iters", "LinearLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [group["lr"] * self.start_factor for group in self.optimizer.param_groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return _current_lrs(self.optimizer)
        change = self.end_factor - self.start_factor
        ratio = 1.0 + change / (self.total_iters * self.start_factor + (self.last_epoch - 1) * change)
        return [group["lr"] * ratio for group in self.optimizer.param_groups]

    def _closed_form_lr(self):
        fraction = min(self.total_iters, self.last_epoch) / self.total_iters
        return [base * (self.start_factor + (self.end_factor - self.start_factor) * fraction)
                for base in self.base_lrs]

class ExponentialLR(LRScheduler):
    """lr = previous lr * gamma at every step."""
    def __init__(self, optimizer, gamma, last_epoch=-1):
        _check_optimizer(optimizer, "ExponentialLR")
        self.gamma = check_number(gamma, "gamma", "ExponentialLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return _current_lrs(self.optimizer)
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _closed_form_lr(self):
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]

class PolynomialLR(LRScheduler):
    """lr = initial lr * (1 - epoch / total_iters) ** power, then 0 after total_iters."""
    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        _check_optimizer(optimizer, "PolynomialLR")
        self.total_iters = check_int(total_iters, "total_iters", "PolynomialLR")
        self.power = check_number(power, "power", "PolynomialLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial or self.last_epoch > self.total_iters:
            return _current_lrs(self.optimizer)
        factor = ((1.0 - self.last_epoch / self.total_iters)
                  / (1.0 - (self.last_epoch - 1) / self.total_iters)) ** self.power
        return [group["lr"] * factor for group in self.optimizer.param_groups]

    def _closed_form_lr(self):
        return [base * (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
                for base in self.base_lrs]

class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (initial lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2, without restarts (past T_max the
    cosine rises again), in PyTorch's recursive form: each step rescales the current lr's distance to eta_min."""
    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        _check_optimizer(optimizer, "CosineAnnealingLR")
        check_number(T_max, "T_max", "CosineAnnealingLR")
        if not T_max > 0:
            raise ValueError(f"CosineAnnealingLR: T_max={T_max} must be positive")
        self.T_max, self.eta_min = T_max, check_number(eta_min, "eta_min", "CosineAnnealingLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return _current_lrs(self.optimizer)
        epoch, period, low = self.last_epoch, self.T_max, self.eta_min
        if (epoch - 1 - period) % (2 * period) == 0:   # leaving the minimum, where the ratio below is 0 / 0
            return [group["lr"] + (base - low) * (1 - math.cos(math.pi / period)) / 2
                    for base, group in zip(self.base_lrs, self.optimizer.param_groups)]
        ratio = (1 + math.cos(math.pi * epoch / period)) / (1 + math.cos(math.pi * (epoch - 1) / period))
        return [ratio * (group["lr"] - low) + low for group in self.optimizer.param_groups]

    def _closed_form_lr(self):
        return [self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base in self.base_lrs]

class CosineAnnealingWarmRestarts(LRScheduler):
    """The cosine from the initial lr to eta_min over T_i epochs, then a restart; T_i starts at T_0 and grows by
    T_mult at each restart. `step(epoch)` takes fractional epochs (step once per batch with epoch + i / batches)."""
    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        _check_optimizer(optimizer, "CosineAnnealingWarmRestarts")
        if not is_int(T_0) or T_0 <= 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: T_0 must be a positive integer, got {T_0!r}")
        if not is_int(T_mult) or T_mult < 1:
            raise ValueError(f"CosineAnnealingWarmRestarts: T_mult must be an integer >= 1, got {T_mult!r}")
        if isinstance(eta_min, bool) or not isinstance(eta_min, (float, int)):
            raise ValueError(f"CosineAnnealingWarmRestarts: eta_min must be a float or an int, got {eta_min!r}")
        self.T_0, self.T_i, self.T_mult, self.eta_min, self.T_cur = T_0, T_0, T_mult, eta_min, last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
                for base in self.base_lrs]

    def step(self, epoch=None):
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur, self.T_i = self.T_cur % self.T_i, self.T_i * self.T_mult
        elif epoch < 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: epoch={epoch} must not be negative")
        elif epoch < self.T_0:
            self.T_i, self.T_cur = self.T_0, epoch
        elif self.T_mult == 1:
            self.T_cur = epoch % self.T_0
        else:
            restarts = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
            self.T_cur = epoch - self.T_0 * (self.T_mult ** restarts - 1) / (self.T_mult - 1)
            self.T_i = self.T_0 * self.T_mult ** restarts
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = _current_lrs(self.optimizer)

class CyclicLR(LRScheduler):
    """The lr cycles between base_lr and max_lr (step_size_up steps up, step_size_down down), with the amplitude
    scaled by `mode` ('triangular': 1, 'triangular2': halved each cycle, 'exp_range': gamma ** iterations) or by
    scale_fn; with cycle_momentum the momentum (SGD) or beta1 (Adam-like) cycles the other way. Step per batch."""
    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular",
                 gamma=1.0, scale_fn=None, scale_mode="cycle", cycle_momentum=True, base_momentum=0.8,
                 max_momentum=0.9, last_epoch=-1):
        _check_optimizer(optimizer, "CyclicLR")
        self.optimizer = optimizer
        check_int(last_epoch, "last_epoch", "CyclicLR", minimum=-1)
        base_lrs = _per_group(base_lr, "base_lr", optimizer, "CyclicLR")
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = _per_group(max_lr, "max_lr", optimizer, "CyclicLR")
        up = float(check_number(step_size_up, "step_size_up", "CyclicLR"))
        down = up if step_size_down is None else float(check_number(step_size_down, "step_size_down", "CyclicLR"))
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(f"CyclicLR: mode={mode!r} is invalid and scale_fn is None: use 'triangular', "
                             "'triangular2' or 'exp_range', or pass scale_fn")
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(f"CyclicLR: scale_fn must be callable, got {type(scale_fn).__name__}")
        self.mode, self.gamma, self._scale_fn_custom = mode, gamma, scale_fn
        self.scale_mode = check_choice(scale_mode, "scale_mode", "CyclicLR", ("cycle", "iterations"))
        if scale_fn is None:
            self.scale_mode = "iterations" if mode == "exp_range" else "cycle"
        self.cycle_momentum = check_bool(cycle_momentum, "cycle_momentum", "CyclicLR")
        if cycle_momentum:
            self.base_momentums, self.max_momentums = _start_momentum(self, base_momentum, max_momentum, last_epoch,
                                                                      "CyclicLR")
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x):
        """The amplitude's scale at cycle (or iteration) x."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def get_lr(self):
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        scale_factor = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [base + (top - base) * scale_factor * scale for base, top in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            momentums = [top - (top - base) * scale_factor * scale
                         for base, top in zip(self.base_momentums, self.max_momentums)]
            _set_momentum(self, momentums)
        return lrs

    state_dict = lambda self: _state_with_functions(self, "_scale_fn_custom")
    load_state_dict = lambda self, state_dict: _load_with_functions(self, state_dict, "_scale_fn_custom")

class OneCycleLR(LRScheduler):
    """The 1cycle policy: the lr rises from max_lr / div_factor to max_lr over pct_start of total_steps, then
    falls to initial lr / final_div_factor (three_phase: back to the initial lr first), annealed by cosine or
    linearly; with cycle_momentum the momentum (SGD) or beta1 (Adam-like) moves the other way. Step per batch."""
    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95, div_factor=25.0,
                 final_div_factor=1e4, three_phase=False, last_epoch=-1):
        _check_optimizer(optimizer, "OneCycleLR")
        self.optimizer = optimizer
        check_int(last_epoch, "last_epoch", "OneCycleLR", minimum=-1)
        if total_steps is not None:
            if not is_int(total_steps) or total_steps <= 0:
                raise ValueError(f"OneCycleLR: total_steps must be a positive integer, got {total_steps!r}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not is_int(epochs) or epochs <= 0:
                raise ValueError(f"OneCycleLR: epochs must be a positive integer, got {epochs!r}")
            if not is_int(steps_per_epoch) or steps_per_epoch <= 0:
                raise ValueError(f"OneCycleLR: steps_per_epoch must be a positive integer, got {steps_per_epoch!r}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("OneCycleLR: pass total_steps, or both epochs and steps_per_epoch")
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"OneCycleLR: pct_start must be a float between 0 and 1, got {pct_start!r}")
        self._anneal_func_type = check_choice(anneal_strategy, "anneal_strategy", "OneCycleLR", ("cos", "linear"))
        check_bool(three_phase, "three_phase", "OneCycleLR")
        rise_end = float(pct_start * self.total_steps) - 1
        if three_phase:
            self._schedule_phases = [
                _phase(rise_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(float(2 * pct_start * self.total_steps) - 2, "max_lr", "initial_lr", "base_momentum",
                       "max_momentum"),
                _phase(self.total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        else:
            self._schedule_phases = [
                _phase(rise_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(self.total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        max_lrs = _per_group(max_lr, "max_lr", optimizer, "OneCycleLR")
        if last_epoch == -1:
            for top, group in zip(max_lrs, optimizer.param_groups):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = check_bool(cycle_momentum, "cycle_momentum", "OneCycleLR")
        if cycle_momentum:
            _start_momentum(self, base_momentum, max_momentum, last_epoch, "OneCycleLR")
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start, end, pct):
        """From start (pct 0) to end (pct 1), along a half cosine or a line."""
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times, but total_steps is {self.total_steps}")
        lrs, momentums = [], []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, phase in enumerate(self._schedule_phases):
                if step <= phase["end_step"] or i == len(self._schedule_phases) - 1:
                    pct = (step - start) / (phase["end_step"] - start)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        momentums.append(self._anneal(group[phase["start_momentum"]],
                                                      group[phase["end_momentum"]], pct))
                    break
                start = phase["end_step"]
        if self.cycle_momentum:
            _set_momentum(self, momentums)
        return lrs

class SequentialLR(LRScheduler):
    """schedulers[0] until milestones[0], then schedulers[1] (started afresh at epoch 0) until milestones[1], ..."""
    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        _check_schedulers(schedulers, optimizer, "SequentialLR")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: {len(schedulers)} schedulers need {len(schedulers) - 1} milestones, got "
                             f"{len(milestones)}")
        self._schedulers, self._milestones = schedulers, milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        _undo_initial_steps(self)
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self):
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    state_dict = lambda self: _state_with_schedulers(self)
    load_state_dict = lambda self, state_dict: _load_with_schedulers(self, state_dict)

class ChainedScheduler(LRScheduler):
    """Steps every scheduler of the chain at each step(), so that their changes to the lr compose."""
    def __init__(self, schedulers, optimizer=None):
        optimizer = optimizer or (schedulers[0].optimizer if schedulers else None)
        _check_schedulers(schedulers, optimizer, "ChainedScheduler")
        self._schedulers, self.optimizer = schedulers, optimizer
        self._last_lr = _current_lrs(self._schedulers[-1].optimizer)

    def step(self):
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = _current_lrs(self._schedulers[-1].optimizer)

    state_dict = lambda self: _state_with_schedulers(self)
    load_state_dict = lambda self, state_dict: _load_with_schedulers(self, state_dict)

class ReduceLROnPlateau(LRScheduler):
    """lr = max(lr * factor, min_lr) once the metric passed to step(metric) has not improved (by threshold, 'rel'
    or 'abs', in mode 'min' or 'max') for more than `patience` steps; then `cooldown` steps pass before counting
    again. Changes smaller than eps are skipped."""
    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0, eps=1e-8):
        check_number(factor, "factor", "ReduceLROnPlateau")
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor={factor} must be below 1.0")
        self.factor = factor
        _check_optimizer(optimizer, "ReduceLROnPlateau")
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(f"ReduceLROnPlateau: expected {len(optimizer.param_groups)} min_lrs, one per "
                                 f"parameter group, got {len(min_lr)}")
            self.default_min_lr, self.min_lrs = None, list(min_lr)
        else:
            self.default_min_lr, self.min_lrs = min_lr, [min_lr] * len(optimizer.param_groups)
        self.patience, self.cooldown, self.eps = patience, cooldown, eps
        self.last_epoch = 0
        self._last_lr = _current_lrs(optimizer)
        self.mode = check_choice(mode, "mode", "ReduceLROnPlateau", ("min", "max"))
        self.threshold = check_number(threshold, "threshold", "ReduceLROnPlateau")
        self.threshold_mode = check_choice(threshold_mode, "threshold_mode", "ReduceLROnPlateau", ("rel", "abs"))
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.best, self.cooldown_counter, self.num_bad_epochs = self.mode_worse, 0, 0

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def _is_better(self, a, best):
        """Whether metric value a improves on `best` by more than the threshold."""
        if self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold) if self.mode == "min" else a > best * (self.threshold + 1.0)
        return a < best - self.threshold if self.mode == "min" else a > best + self.threshold

    def step(self, metrics, epoch=None):
        current = float(metrics)   # a number or a one-element Tensor
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn("step(metrics, epoch) is deprecated, as in PyTorch: call step(metrics)", UserWarning,
                          stacklevel=2)
        self.last_epoch = epoch
        if self._is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = _current_lrs(self.optimizer)

    def _reduce_lr(self):
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"ReduceLROnPlateau: the optimizer has {len(groups)} parameter groups but "
                                   f"min_lr gave {len(self.min_lrs)} (a group was added since): set min_lrs to one "
                                   "value per group")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, low in zip(groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, low)
            if old - new > self.eps:
                group["lr"] = new

# --- shared pieces -------------------------------------------------------------------------------------------
def _check_optimizer(optimizer, name):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{name}: optimizer must be an Optimizer, got {type(optimizer).__name__}")

def _current_lrs(optimizer):
    return [group["lr"] for group in optimizer.param_groups]

def _per_group(value, name, optimizer, scheduler):
    """One value per parameter group: a list or tuple of that length, or one value for every group."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(f"{scheduler}: {name} needs one value per parameter group: {len(value)} values for "
                             f"{len(optimizer.param_groups)} groups")
        return list(value)
    return [value] * len(optimizer.param_groups)

def _per_group_functions(lr_lambda, optimizer, name):
    if isinstance(lr_lambda, (list, tuple)):
        if len(lr_lambda) != len(optimizer.param_groups):
            raise ValueError(f"{name}: expected {len(optimizer.param_groups)} lr_lambdas, one per parameter group, "
                             f"got {len(lr_lambda)}")
        return list(lr_lambda)
    return [lr_lambda] * len(optimizer.param_groups)

def _state_with_functions(scheduler, key):
    """The state, with the functions under `key` (one or a list) as their attributes: None for a plain function or
    lambda, which cannot be saved, the attribute dict of a callable object."""
    state = {name: value for name, value in scheduler.__dict__.items() if name not in ("optimizer", key)}
    functions = getattr(scheduler, key)
    saved = [None if fn is None or isinstance(fn, types.FunctionType) else fn.__dict__.copy()
             for fn in (functions if isinstance(functions, list) else [functions])]
    state[key] = saved if isinstance(functions, list) else saved[0]
    return state

def _load_with_functions(scheduler, state_dict, key):
    saved = state_dict[key]
    scheduler.__dict__.update({name: value for name, value in state_dict.items() if name != key})
    functions = getattr(scheduler, key)
    for fn, attributes in zip(functions if isinstance(functions, list) else [functions],
                              saved if isinstance(saved, list) else [saved]):
        if attributes is not None:
            fn.__dict__.update(attributes)

def _check_schedulers(schedulers, optimizer, name):
    if not schedulers:
        raise ValueError(f"{name} needs at least one scheduler, got none")
    for i, scheduler in enumerate(schedulers):
        if not hasattr(scheduler, "optimizer"):
            raise TypeError(f"{name}: scheduler {i} ({type(scheduler).__name__}) has no optimizer attribute")
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(f"{name} cannot hold ReduceLROnPlateau (scheduler {i}), whose step needs the metric")
        if scheduler.optimizer is not optimizer:
            raise ValueError(f"{name}: scheduler {i} ({type(scheduler).__name__}) belongs to another optimizer than "
                             f"the {type(optimizer).__name__} given")

def _undo_initial_steps(scheduler):
    """Take back the step each scheduler inside (and inside those) took when it was built."""
    for inner in scheduler._schedulers:
        if hasattr(inner, "_schedulers"):
            _undo_initial_steps(inner)
        elif hasattr(inner, "last_epoch"):
            inner.last_epoch -= 1

def _state_with_schedulers(scheduler):
    state = {key: value for key, value in scheduler.__dict__.items() if key not in ("optimizer", "_schedulers")}
    state["_schedulers"] = [inner.state_dict() for inner in scheduler._schedulers]
    return state

def _load_with_schedulers(scheduler, state_dict):
    scheduler.__dict__.update({key: value for key, value in state_dict.items() if key != "_schedulers"})
    for inner, state in zip(scheduler._schedulers, state_dict["_schedulers"]):
        inner.load_state_dict(state)

def _start_momentum(scheduler, base_momentum, max_momentum, last_epoch, name):
    """Cyclic schedules move SGD's momentum or an Adam-like optimizer's beta1, which starts at max_momentum; each
    group keeps its two bounds. Returns (base_momentums, max_momentums), one per group."""
    optimizer = scheduler.optimizer
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError(f"{name}: cycle_momentum=True needs an optimizer with momentum or betas, got "
                         f"{type(optimizer).__name__}; pass cycle_momentum=False")
    scheduler.use_beta1 = "betas" in optimizer.defaults
    bottoms = _per_group(base_momentum, "base_momentum", optimizer, name)
    tops = _per_group(max_momentum, "max_momentum", optimizer, name)
    if last_epoch == -1:
        for top, bottom, group in zip(tops, bottoms, optimizer.param_groups):
            group["max_momentum"], group["base_momentum"] = top, bottom
        _set_momentum(scheduler, tops)
    return bottoms, tops

def _set_momentum(scheduler, momentums):
    for group, momentum in zip(scheduler.optimizer.param_groups, momentums):
        if scheduler.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

def _phase(end_step, start_lr, end_lr, start_momentum, end_momentum):
    """One phase of OneCycleLR: up to step end_step, from the group's entry start_lr to end_lr (and momentum)."""
    return dict(end_step=end_step, start_lr=start_lr, end_lr=end_lr, start_momentum=start_momentum,
                end_momentum=end_momentum)
