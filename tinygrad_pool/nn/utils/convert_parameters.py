"""Parameters as one flat vector and back, with torch.nn.utils' functions (for methods that treat a model's
weights as one point: line searches, second-order steps, weight averaging)."""
from ...arguments import check_tensor
from ...autograd import no_grad
from ...ops.movement import cat

def parameters_to_vector(parameters):
    """The parameters, each flattened, joined into one 1-d Tensor (differentiable, as in PyTorch). They must share
    a device."""
    parameters = list(parameters)
    _check_devices(parameters, "parameters_to_vector")
    return cat([p.reshape(-1) for p in parameters])

def vector_to_parameters(vec, parameters):
    """Point each parameter's data at its consecutive slice of the 1-d `vec` (reshaped), so that the parameters
    then share vec's storage (and device), as in PyTorch."""
    check_tensor(vec, "vec", "vector_to_parameters")
    parameters = list(parameters)
    _check_devices(parameters, "vector_to_parameters")
    needed = sum(p.numel() for p in parameters)
    if vec.ndim != 1 or vec.numel() < needed:
        raise ValueError(f"vector_to_parameters: vec of shape {tuple(vec.shape)} must be 1-d with at least {needed} "
                         "elements, one per parameter element")
    start = 0
    with no_grad():
        for p in parameters:
            p.data = vec[start:start + p.numel()].view_as(p).data
            start += p.numel()

def _check_devices(parameters, op):
    device = None
    for i, p in enumerate(parameters):
        check_tensor(p, f"parameters[{i}]", op)
        device = device or p.device
        if p.device != device:
            raise TypeError(f"{op}: parameter {i} is on {p.device}, the others on {device}; parameters on different "
                            "devices are not supported")
