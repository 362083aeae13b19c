"""The one timing rule of every benchmark here: warm up once (compiles, touches memory), keep the best run.

On a GPU a call only queues work, so each timed run ends by waiting for the device (`synchronize`)."""
import time

def best_of(fn, repeats=5, synchronize=None):
    def run():
        fn()
        if synchronize:
            synchronize()
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)

def synchronizer(device, framework):
    """What waits for `framework`'s ("ours" or "torch") queued work on `device`: nothing on the CPU."""
    if device != "cuda":
        return None
    if framework == "torch":
        import torch
        return torch.cuda.synchronize
    from numba import cuda
    return cuda.synchronize
