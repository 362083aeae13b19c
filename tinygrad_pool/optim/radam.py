"""RAdam (Adam with a rectified variance estimate) with PyTorch's update (step t counts from 1):

    g = grad + weight_decay * p                     (or p = p * (1 - lr * weight_decay): decoupled_weight_decay)
    m = beta1 * m + (1 - beta1) * g                 v = beta2 * v + (1 - beta2) * g^2
    rho_inf = 2 / (1 - beta2) - 1,  rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
    r = sqrt((rho_t - 4) (rho_t - 2) rho_inf / ((rho_inf - 4) (rho_inf - 2) rho_t))
    p = p - lr * m / (1 - beta1^t) * sqrt(1 - beta2^t) / (sqrt(v) + eps) * r     (rho_t > 5)
    p = p - lr * m / (1 - beta1^t)                                               (otherwise)
"""
from .optimizer import Optimizer, advance, scalar_state

class RAdam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      foreach=foreach, capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable))

    def update(self, p, grad, group):
        state = self.state[p]
        if not state:
            state.update(step=scalar_state(), exp_avg=self.state_tensor(p), exp_avg_sq=self.state_tensor(p))
        step = advance(state)
        beta1, beta2 = group["betas"]
        p.xp.radam_step(p._data, grad, state["exp_avg"]._data, state["exp_avg_sq"]._data, group["lr"], beta1, beta2,
                        group["eps"], group["weight_decay"], group["decoupled_weight_decay"], step)
