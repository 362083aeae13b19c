"""Batch normalisation, composed from elementwise ops and reductions (its gradient comes with them)."""
from ..autograd import no_grad

def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) to zero mean and unit variance, then scale and shift.
    training: use the batch's statistics and blend them into running_mean/var (when given) with `momentum`;
    otherwise use the running statistics."""
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
