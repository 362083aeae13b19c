"""Batch normalisation, composed from elementwise ops and reductions (its gradient comes with them)."""
from ..arguments import check_bool, check_number, check_tensor
from ..autograd import no_grad

def _check(input, running_mean, running_var, weight, bias, training, momentum, eps):
    check_tensor(input, "input", "batch_norm")
    if input.ndim < 2:
        raise ValueError(f"batch_norm: input must be (N, C, ...), got shape {input.shape}")
    if input.dtype.kind != "f":
        raise TypeError(f"batch_norm: input must be float32 or float64, got {input.dtype}")
    check_bool(training, "training", "batch_norm")
    check_number(momentum, "momentum", "batch_norm")
    check_number(eps, "eps", "batch_norm", minimum=0)
    if not training and (running_mean is None or running_var is None):
        raise ValueError("batch_norm: running_mean and running_var are needed when training=False")
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and check_tensor(t, name, "batch_norm").shape != (channels,):
            raise ValueError(f"batch_norm: {name} must have shape ({channels},) for input {input.shape}, "
                             f"got {t.shape}")

def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) to zero mean and unit variance, then scale and shift.
    training: use the batch's statistics and blend them into running_mean/var (when given) with `momentum`;
    otherwise use the running statistics."""
    _check(input, running_mean, running_var, weight, bias, training, momentum, eps)
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, -1) + (1,) * (input.ndim - 2)
    if training:
        count = input.numel() // input.shape[1]
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel in training, got input {input.shape}")
        mean = input.mean(axes, keepdim=True)
        centered = input - mean
        var = (centered * centered).mean(axes, keepdim=True)
        if running_mean is not None:
            with no_grad():
                running_mean.data = (running_mean * (1 - momentum) + mean.reshape(-1) * momentum).data
                unbiased = var.reshape(-1) * (count / (count - 1))
                running_var.data = (running_var * (1 - momentum) + unbiased * momentum).data
    else:
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
        centered = input - mean
    out = centered / (var + eps).sqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out
