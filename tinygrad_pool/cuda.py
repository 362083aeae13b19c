"""`tinygrad_pool.cuda`: PyTorch's torch.cuda queries for the one GPU the CUDA backend drives."""
import functools

@functools.lru_cache(maxsize=1)
def is_available():
    """Whether a CUDA GPU (or numba's simulator, NUMBA_ENABLE_CUDASIM=1) can run the CUDA backend."""
    try:
        from numba import cuda
        return bool(cuda.is_available())
    except Exception:   # numba-cuda missing, or no driver
        return False

def device_count():
    return 1 if is_available() else 0

def current_device():
    _require("current_device")
    return 0

def get_device_name(device=None):
    _require("get_device_name")
    from numba import cuda
    name = cuda.get_current_device().name
    return name.decode() if isinstance(name, bytes) else str(name)

def synchronize(device=None):
    """Wait until the GPU has run every queued kernel (timing needs it: a launch only queues work)."""
    if is_available():
        from numba import cuda
        cuda.synchronize()

def empty_cache():
    """Hand the device memory that the backend keeps for reuse back to the driver."""
    if is_available():
        from .backends.cuda.array import empty_cache as release
        release()

def manual_seed(seed):
    """One generator serves every device: this seeds it, as tinygrad_pool.manual_seed does."""
    from .seeding import manual_seed as seed_all
    seed_all(seed)

manual_seed_all = manual_seed

def _require(what):
    if not is_available():
        raise RuntimeError(f"cuda.{what}(): no CUDA GPU is available (numba-cuda and a driver are needed, or "
                           "NUMBA_ENABLE_CUDASIM=1 for the simulator)")
