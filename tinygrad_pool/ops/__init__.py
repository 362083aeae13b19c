"""The operations, one module per family: argument checks, the Function (forward and backward) and the public
function. `nn/functional.py` and the Tensor methods call them; they call the backends through `Function.xp`."""
