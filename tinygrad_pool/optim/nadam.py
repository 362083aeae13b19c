"""NAdam (Adam with Nesterov momentum) with PyTorch's update (step t counts from 1):

    g = grad + weight_decay * p                     (or p = p * (1 - lr * weight_decay): decoupled_weight_decay)
    mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay)),  mu_product = mu_1 * ... * mu_t
    m = beta1 * m + (1 - beta1) * g                 v = beta2 * v + (1 - beta2) * g^2
    denom = sqrt(v / (1 - beta2^t)) + eps
    p = p - lr * (1 - mu_t) / (1 - mu_product) * g / denom
          - lr * mu_{t+1} / (1 - mu_product * mu_{t+1}) * m / denom

mu_product is a float32 0-d tensor, as in PyTorch, so that both round it alike at every step.
"""
import numpy as np

from .optimizer import Optimizer, advance, scalar_state

class NAdam(Optimizer):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))

    def update(self, p, grad, group):
        state = self.state[p]
        if not state:
            state.update(step=scalar_state(), mu_product=scalar_state(1.0), exp_avg=self.state_tensor(p),
                         exp_avg_sq=self.state_tensor(p))
        step = advance(state)
        beta1, beta2 = group["betas"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * group["momentum_decay"]))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * group["momentum_decay"]))
        mu_product = state["mu_product"]._data
        np.multiply(mu_product, mu, out=mu_product)   # rounded to the counter's dtype, float32 unless loaded
        p.xp.nadam_step(p._data, grad, state["exp_avg"]._data, state["exp_avg_sq"]._data, group["lr"], beta1, beta2,
                        group["eps"], group["weight_decay"], group["decoupled_weight_decay"], step, mu, mu_next,
                        float(mu_product))
