"""Adadelta with PyTorch's update (lr scales the step; 1.0 is the paper's method):

    g = grad + weight_decay * p
    s = rho * s + (1 - rho) * g^2
    delta = sqrt(acc_delta + eps) / sqrt(s + eps) * g
    acc_delta = rho * acc_delta + (1 - rho) * delta^2
    p = p - lr * delta
"""
from .optimizer import Optimizer

class Adadelta(Optimizer):
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay))
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Adadelta: rho={rho} must lie in [0, 1]")

    def update(self, p, grad, state, group):
        if not state:
            state.update(square_avg=self.zeros_like(p), acc_delta=self.zeros_like(p))
        p.xp.adadelta_step(p._data, grad, state["square_avg"], state["acc_delta"], group["lr"], group["rho"],
                           group["eps"], group["weight_decay"])
