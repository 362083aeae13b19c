"""Compile the kernels of a CNN training step ahead of the first real one: `python -m tinygrad_pool.warmup`.

Numba compiles each kernel for this CPU on its first call and keeps the machine code on disk (`cache=True`): in
`__pycache__` folders next to the package's modules, or under NUMBA_CACHE_DIR when that is set. A fresh install
or a new CPU therefore spends its first training step compiling (tens of seconds); every later process loads the
code in about a second. `warm()` runs one step of a small network that takes the same kernel paths as the
examples (Winograd and direct 3x3 convolution, im2col, max pooling, dropout, BatchNorm, the optimizers), so that
the cost is paid once, where you choose.
"""
import argparse
import time
from pathlib import Path

def cache_folder():
    """Where Numba keeps the CPU kernels' machine code."""
    from .backends.cpu import winograd
    return Path(winograd._winograd_conv._cache._cache_path)

def is_cold():
    """True when the kernels have not been compiled into the cache yet (a first run, or a cleared cache)."""
    from .backends.cpu import winograd
    return not Path(winograd._winograd_conv._cache._cache_file._index_path).exists()

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

def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tinygrad_pool.warmup", description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default: cpu)")
    args = parser.parse_args(argv)
    print(f"compiling kernels for this CPU into {cache_folder()}"
          + ("" if is_cold() else " (most are cached already)"), flush=True)
    start = time.perf_counter()
    warm(args.device)
    print(f"done in {time.perf_counter() - start:.1f} s; later runs load them from the cache")

if __name__ == "__main__":
    main()
