"""The `weights` argument of the model builders: no pretrained weights ship with the library."""

def check_no_weights(weights, builder):
    """torchvision downloads pretrained weights for `weights=`; here they are loaded from a state dict instead."""
    if weights is not None:
        raise ValueError(f"{builder}: weights={weights!r}: pretrained weights are not bundled; build the model with "
                         f"weights=None and load a state dict saved with tinygrad_pool.save: "
                         f"model.load_state_dict(tinygrad_pool.load(path))")
