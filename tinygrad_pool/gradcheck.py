"""Check a function's tape gradients against central finite differences, in float64."""
import numpy as np

from .tensor import Tensor

class GradcheckError(AssertionError):
    pass

def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """True if the gradients of `fn(*inputs)` match finite differences; raises GradcheckError otherwise.

    `inputs` are Tensors (float64 ones with requires_grad=True are checked; others are passed as they are).
    A non-scalar output is reduced to the scalar sum(output * v) for a fixed random v, which checks the whole
    Jacobian-vector product with one backward pass and 2 * numel forward passes per input.
    """
    inputs = list(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck needs at least one input Tensor with requires_grad=True")
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise TypeError(f"gradcheck needs float64 inputs (input {i} is {inputs[i].dtype}): finite "
                            "differences in float32 are too coarse to compare")
    output = fn(*inputs)
    weights = np.random.default_rng(seed).standard_normal(output.shape)

    def objective(args):
        with_weights = fn(*args).numpy().astype(np.float64)
        return float(np.sum(with_weights * weights))

    for i in checked:
        inputs[i].grad = None
    output.backward(Tensor(weights, dtype=np.float64, device=output.device))
    for i in checked:
        analytic = np.zeros(inputs[i].shape) if inputs[i].grad is None else inputs[i].grad.numpy()
        base = inputs[i].numpy().astype(np.float64)
        numeric = np.zeros(base.shape)
        for flat in range(base.size):
            values = []
            for step in (eps, -eps):
                probe = base.copy()
                probe.reshape(-1)[flat] += step
                args = list(inputs)
                args[i] = Tensor(probe, dtype=np.float64, device=inputs[i].device)
                values.append(objective(args))
            numeric.reshape(-1)[flat] = (values[0] - values[1]) / (2 * eps)
        if not np.allclose(analytic, numeric, atol=atol, rtol=rtol):
            worst = np.unravel_index(np.argmax(np.abs(analytic - numeric)), base.shape) if base.size else ()
            raise GradcheckError(f"gradient of input {i} (shape {base.shape}) differs from finite differences; "
                                 f"worst at {worst}: tape {analytic[worst]!r}, numeric {numeric[worst]!r}")
    return True
