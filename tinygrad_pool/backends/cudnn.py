"""`tinygrad_pool.backends.cudnn`: PyTorch's cuDNN switches, accepted so that programs which set them run.
They have no effect: the CUDA backend's kernels are this library's own (no cuDNN), and they are deterministic."""
enabled = True
benchmark = False
deterministic = False
allow_tf32 = False

def is_available():
    return False
