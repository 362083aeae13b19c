"""RMSprop with PyTorch's update:

    g = grad + weight_decay * p
    s = alpha * s + (1 - alpha) * g^2
    avg = sqrt(s - a^2) + eps,  a = a + (1 - alpha) * (g - a)    (centered: a tracks the mean gradient)
    avg = sqrt(s) + eps                                           (otherwise)
    buf = momentum * buf + g / avg,  p = p - lr * buf             (momentum > 0)
    p = p - lr * g / avg                                          (otherwise)
"""
from .optimizer import Optimizer, advance, scalar_state

class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def update(self, p, grad, group):
        state = self.state[p]
        if not state:
            state.update(step=scalar_state(), square_avg=self.state_tensor(p))
            if group["momentum"] > 0:
                state["momentum_buffer"] = self.state_tensor(p)
            if group["centered"]:
                state["grad_avg"] = self.state_tensor(p)
        advance(state)
        grad_avg = state["grad_avg"]._data if group["centered"] else self.placeholder(p)
        buf = state["momentum_buffer"]._data if group["momentum"] > 0 else self.placeholder(p)
        p.xp.rmsprop_step(p._data, grad, state["square_avg"]._data, grad_avg, buf, group["lr"], group["alpha"],
                          group["eps"], group["weight_decay"], group["momentum"], group["centered"])
