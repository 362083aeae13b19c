"""Adam and AdamW with PyTorch's update (step t counts from 1):

    g = grad + weight_decay * p                      (L2 penalty in the gradient)
    p = p * (1 - lr * weight_decay)                  (decoupled_weight_decay, AdamW: decay instead of the penalty)
    m = beta1 * m + (1 - beta1) * g                  v = beta2 * v + (1 - beta2) * g^2
    v_max = max(v_max, v), used in place of v        (amsgrad)
    p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
"""
from .optimizer import Optimizer, advance, scalar_state

class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def update(self, p, grad, group):
        state = self.state[p]
        if not state:
            state.update(step=scalar_state(), exp_avg=self.state_tensor(p), exp_avg_sq=self.state_tensor(p))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = self.state_tensor(p)
        step = advance(state)
        beta1, beta2 = group["betas"]
        v_max = state["max_exp_avg_sq"]._data if group["amsgrad"] else self.placeholder(p)
        p.xp.adam_step(p._data, grad, state["exp_avg"]._data, state["exp_avg_sq"]._data, v_max, group["lr"], beta1,
                       beta2, group["eps"], group["weight_decay"], group["decoupled_weight_decay"], group["amsgrad"],
                       step)

class AdamW(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
