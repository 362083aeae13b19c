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

def forward_and_backward(op, x, framework, device="cpu"):
    """Best times of `op(x)` without autograd, and of `op(x)` then its backward with a gradient of ones, for
    `framework` "ours" (x a tinygrad_pool Tensor that requires grad) or "torch" (x a torch tensor that does)."""
    if framework == "torch":
        import torch as lib
        ones = lib.ones_like
    else:
        import tinygrad_pool as lib
        ones = lambda out: lib.ones(*out.shape, device=device)   # noqa: E731
    sync = synchronizer(device, framework)

    def forward():
        with lib.no_grad():
            op(x)

    def forward_backward():
        out = op(x)
        x.grad = None
        out.backward(ones(out))
    return best_of(forward, synchronize=sync), best_of(forward_backward, synchronize=sync)

def compare_rows(rows, rounds=3):
    """Print ours vs PyTorch for rows of (name, input shape, our op, torch's op): forward and forward+backward,
    each side's best over `rounds` alternating rounds of best-of-5, float32 on the CPU, in this process. Returns
    the seconds per row as (ours fwd, ours f+b, torch fwd, torch f+b), NaN for torch when it is missing."""
    import math

    import numpy as np

    import tinygrad_pool as tp
    try:
        import torch
        torch.set_num_threads(2)
        version = torch.__version__
    except ImportError:
        version = None
    print(f"PyTorch: {version or 'not installed'}\n")
    print(f"{'row':<22} {'shape':<18} {'ours fwd':>9} {'torch fwd':>10} {'ratio':>6} {'ours f+b':>9} "
          f"{'torch f+b':>10} {'ratio':>6}")
    rng = np.random.default_rng(0)
    results = []
    for name, shape, ours_op, torch_op in rows:
        x = rng.standard_normal(shape, np.float32)
        ours, theirs = [], []
        for _ in range(rounds):   # alternate, so a slow spell of the machine hits both sides alike
            ours.append(forward_and_backward(ours_op, tp.tensor(x, requires_grad=True), "ours"))
            theirs.append(forward_and_backward(torch_op, torch.tensor(x, requires_grad=True), "torch")
                          if version else (math.nan, math.nan))
        fwd, fwd_bwd = (min(t[i] for t in ours) for i in (0, 1))
        t_fwd, t_fwd_bwd = (min(t[i] for t in theirs) for i in (0, 1))
        print(f"{name:<22} {str(shape):<18} {fwd * 1e3:>7.2f}ms {t_fwd * 1e3:>8.2f}ms {t_fwd / fwd:>6.2f} "
              f"{fwd_bwd * 1e3:>7.2f}ms {t_fwd_bwd * 1e3:>8.2f}ms {t_fwd_bwd / fwd_bwd:>6.2f}")
        results.append((fwd, fwd_bwd, t_fwd, t_fwd_bwd))
    print("\nratio = PyTorch time / our time (above 1: we are faster)")
    return results
