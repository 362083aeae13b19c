"""`tinygrad_pool.backends.mps`: Apple's Metal backend, which this library lacks (pytorch/examples ask for it)."""
def is_available():
    return False

def is_built():
    return False
