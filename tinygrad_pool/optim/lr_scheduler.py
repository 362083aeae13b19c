"""Learning-rate schedules that rewrite each parameter group's "lr", as torch.optim.lr_scheduler does."""
from ..arguments import check_int, check_number
from .optimizer import Optimizer

class StepLR:
    """lr = initial lr * gamma ** (epoch // step_size); call `step()` once per epoch, after the optimizer's."""
    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"StepLR: optimizer must be an Optimizer, got {type(optimizer).__name__}")
        check_int(step_size, "step_size", "StepLR", minimum=1)
        check_number(gamma, "gamma", "StepLR", minimum=0)
        check_int(last_epoch, "last_epoch", "StepLR", minimum=-1)
        self.optimizer, self.step_size, self.gamma = optimizer, step_size, gamma
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def get_last_lr(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def step(self):
        self.last_epoch += 1
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = base * self.gamma ** (self.last_epoch // self.step_size)
