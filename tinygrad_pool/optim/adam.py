"""Adam and AdamW with PyTorch's update (step t counts from 1):

    g = grad + weight_decay * p                      (Adam: L2 penalty in the gradient)
    p = p * (1 - lr * weight_decay)                  (AdamW: decoupled decay instead)
    m = beta1 * m + (1 - beta1) * g                  v = beta2 * v + (1 - beta2) * g^2
    v_max = max(v_max, v), used in place of v        (amsgrad)
    p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
"""
from .optimizer import Optimizer

class Adam(Optimizer):
    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad))

    def update(self, p, grad, state, group):
        if not state:
            state.update(step=0, exp_avg=self.zeros_like(p), exp_avg_sq=self.zeros_like(p),
                         max_exp_avg_sq=self.zeros_like(p) if group["amsgrad"] else p.xp.zeros((0,), p.dtype))
        state["step"] += 1
        beta1, beta2 = group["betas"]
        p.xp.adam_step(p._data, grad, state["exp_avg"], state["exp_avg_sq"], state["max_exp_avg_sq"], group["lr"],
                       beta1, beta2, group["eps"], group["weight_decay"], type(self).decoupled, group["amsgrad"],
                       state["step"])

class AdamW(Adam):
    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
