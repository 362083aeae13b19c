"""Adadelta with PyTorch's update (lr scales the step; 1.0 is the paper's method):

    g = grad + weight_decay * p
    s = rho * s + (1 - rho) * g^2
    delta = sqrt(acc_delta + eps) / sqrt(s + eps) * g
    acc_delta = rho * acc_delta + (1 - rho) * delta^2
    p = p - lr * delta
"""
from .optimizer import Optimizer, advance, scalar_state

class Adadelta(Optimizer):
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      capturable=capturable, foreach=foreach, differentiable=differentiable))
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Adadelta: rho={rho} must lie in [0, 1]")

    def update(self, p, grad, group):
        state = self.state[p]
        if not state:
            state.update(step=scalar_state(), square_avg=self.state_tensor(p), acc_delta=self.state_tensor(p))
        advance(state)
        p.xp.adadelta_step(p._data, grad, state["square_avg"]._data, state["acc_delta"]._data, group["lr"],
                           group["rho"], group["eps"], group["weight_decay"])
