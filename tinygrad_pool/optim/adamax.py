"""Adamax (Adam with the infinity norm) with PyTorch's update (step t counts from 1):

    g = grad + weight_decay * p
    m = beta1 * m + (1 - beta1) * g
    u = max(beta2 * u, |g| + eps)
    p = p - lr / (1 - beta1^t) * m / u
"""
from .optimizer import Optimizer, advance, scalar_state

class Adamax(Optimizer):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, capturable=capturable))

    def update(self, p, grad, group):
        state = self.state[p]
        if not state:
            state.update(step=scalar_state(), exp_avg=self.state_tensor(p), exp_inf=self.state_tensor(p))
        step = advance(state)
        beta1, beta2 = group["betas"]
        p.xp.adamax_step(p._data, grad, state["exp_avg"]._data, state["exp_inf"]._data, group["lr"], beta1, beta2,
                         group["eps"], group["weight_decay"], step)
