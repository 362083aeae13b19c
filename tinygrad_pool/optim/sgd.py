"""Stochastic gradient descent with PyTorch's momentum, dampening, Nesterov and (L2) weight decay:

    g = grad + weight_decay * p
    buf = g  (first step),  else  buf = momentum * buf + (1 - dampening) * g
    g = g + momentum * buf  (nesterov)  or  buf
    p = p - lr * g

(-grad with maximize, here and in every optimizer.) Without momentum there is no state.
"""
from .optimizer import Optimizer

class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False,
                 foreach=None, differentiable=False, fused=None):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov=True needs momentum > 0 and dampening = 0, got "
                             f"momentum={momentum}, dampening={dampening}")

    def update(self, p, grad, group):
        if group["momentum"] == 0:
            p.xp.sgd_step(p._data, grad, self.placeholder(p), group["lr"], 0.0, group["dampening"],
                          group["weight_decay"], group["nesterov"], True)
            return
        state = self.state[p]
        first = state.get("momentum_buffer") is None
        if first:
            state["momentum_buffer"] = self.state_tensor(p)
        p.xp.sgd_step(p._data, grad, state["momentum_buffer"]._data, group["lr"], group["momentum"],
                      group["dampening"], group["weight_decay"], group["nesterov"], first)
