"""Compile the kernels of a CNN training step ahead of the first real one: `python -m tinygrad_pool.warmup`.

Numba compiles each kernel for this CPU on its first call and keeps the machine code on disk (`cache=True`): in
`__pycache__` folders next to the package's modules, or under NUMBA_CACHE_DIR when that is set. A fresh install
or a new CPU therefore spends its first training step compiling (tens of seconds); every later process loads the
code in about a second. `warm()` runs one step of a small network that takes the same kernel paths as the
examples (Winograd and direct 3x3 convolution, im2col, max pooling, dropout, BatchNorm, the optimizers), so that
the cost is paid once, where you choose.

A program can also split the cold compile over two cores: `compile_backward_in_background()` starts a process
that compiles the backward kernels (`warm_backward()`, the heaviest being Winograd's) while the program's own
first forward pass compiles the forward ones; its backward pass then loads them from the cache. Numba compiles
one kernel at a time in a process, and writes its cache files atomically, so two processes can fill one cache.
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

def cache_folder():
    """Where Numba keeps the CPU kernels' machine code."""
    from .backends.cpu import workers
    return Path(workers._each_worker._cache._cache_path)

def is_cold():
    """True when the kernels have not been compiled into the cache yet (a first run, or a cleared cache): the loop
    that runs the convolution and max pooling workers has no cached version, whichever Winograd tile the CPU takes."""
    from .backends.cpu import workers
    return not Path(workers._each_worker._cache._cache_file._index_path).exists()

def warm(device="cpu"):
    """One float32 training step of a network that touches the examples' kernels, with each optimizer."""
    from . import nn, optim, randn, randint
    from .nn import functional as F
    model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Conv2d(8, 8, 3), nn.BatchNorm2d(8), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Dropout(0.25), nn.Conv2d(8, 8, 3, stride=2, padding=1),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10)).to(device)
    x, y = randn(4, 1, 12, 12, device=device), randint(0, 10, (4,), device=device)
    for make in (lambda p: optim.SGD(p, lr=0.1, momentum=0.9), optim.Adam, optim.Adadelta):
        optimizer = make(model.parameters())
        optimizer.zero_grad()
        F.nll_loss(F.log_softmax(model(x), 1), y).backward()
        optimizer.step()

def warm_backward():
    """Compile the backward kernels of the examples' step without any forward pass, by calling the CPU backend on
    tiny float32 arrays of the layouts a step passes: the Winograd and the first layer's direct convolution
    gradients, max pooling's scatter and ReLU's gradient."""
    import numpy as np

    from .backends import cpu
    from .ops.conv import ConvGeometry
    from .ops.pooling import fixed_windows
    rng = np.random.default_rng(0)

    def array(*shape):
        return rng.standard_normal(shape).astype(np.float32)
    geometry = ConvGeometry(kernel=(1, 3, 3), stride=(1, 1, 1), padding=(0, 0, 0), dilation=(1, 1, 1),
                            out_shape=(1, 4, 4))
    cpu.conv_backward(array(2, 8, 1, 6, 6), array(8, 8, 1, 3, 3), array(2, 8, 1, 4, 4), geometry, 1, True, True, True)
    cpu.conv_backward(array(2, 1, 1, 6, 6), array(8, 1, 1, 3, 3), array(2, 8, 1, 4, 4), geometry, 1, False, True,
                      True)
    windows = fixed_windows((1, 4, 4), (1, 2, 2), (1, 2, 2), (0, 0, 0), (1, 1, 1), False)
    cpu.max_pool_backward(array(3, 1, 2, 2), np.zeros((3, 1, 2, 2), np.int32), windows)   # max_pool's offsets
    cpu.relu_backward(array(3, 4), array(3, 4))

def compile_backward_in_background():
    """On a cold cache, start `python -m tinygrad_pool.warmup --backward` and return its Popen (None on a warm one):
    it compiles the backward kernels while this process compiles the forward ones, into the same cache."""
    if not is_cold():
        return None
    return subprocess.Popen([sys.executable, "-m", "tinygrad_pool.warmup", "--backward", "--quiet"], env=os.environ,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tinygrad_pool.warmup", description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default: cpu)")
    parser.add_argument("--backward", action="store_true", help="only the CPU backward kernels (warm_backward)")
    parser.add_argument("--quiet", action="store_true", help="print nothing")
    args = parser.parse_args(argv)
    say = (lambda text: None) if args.quiet else (lambda text: print(text, flush=True))
    say(f"compiling kernels for this CPU into {cache_folder()}" + ("" if is_cold() else " (most are cached already)"))
    start = time.perf_counter()
    warm_backward() if args.backward else warm(args.device)
    say(f"done in {time.perf_counter() - start:.1f} s; later runs load them from the cache")

if __name__ == "__main__":
    main()
