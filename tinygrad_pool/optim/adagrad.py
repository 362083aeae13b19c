"""Adagrad with PyTorch's update (step t counts from 1; the sum starts at initial_accumulator_value):

    g = grad + weight_decay * p
    sum = sum + g^2
    p = p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(sum) + eps)

As in PyTorch, the state of every parameter given to the constructor exists from the start.
"""
from .optimizer import Optimizer, advance, scalar_state

class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, fused=fused))
        for group in self.param_groups:
            for p in group["params"]:
                self._start(p, group)

    def _start(self, p, group):
        self.state[p].update(step=scalar_state(), sum=self.state_tensor(p, group["initial_accumulator_value"]))

    def update(self, p, grad, group):
        state = self.state[p]
        if not state:   # a parameter of a group added later
            self._start(p, group)
        step = advance(state)
        p.xp.adagrad_step(p._data, grad, state["sum"]._data, group["lr"], group["lr_decay"], group["eps"],
                          group["weight_decay"], step)
