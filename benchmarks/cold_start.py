"""Start-up cost of the MNIST example: seconds from launching Python to the first finished training step.

    python benchmarks/cold_start.py

Runs one step of examples/mnist_cnn.py's network in a fresh process twice: with an empty Numba cache (every
kernel compiles) and again with the cache the first run wrote (kernels load from disk). Each figure includes
Python start-up, imports and reading MNIST. A third run starts from an empty cache again, as examples/mnist_cnn.py
does: with `warmup.compile_backward_in_background()`, which compiles the backward kernels in a second process
while the first pass compiles the forward ones. Then it lists the kernels the cold run compiled, each with the seconds
Numba spent compiling it (its specialisations summed; a helper that a kernel calls compiles inside the kernel's
time, so the helpers' rows overlap their callers' and the column does not add up to the total).
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ONE_STEP = f"""
import sys, time
sys.path.insert(0, {str(ROOT / "examples")!r})
import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F
from tinygrad_pool import optim
from tinygrad_pool.datasets import mnist
from mnist_cnn import Net, normalize
data = mnist()
model = Net()
optimizer = optim.Adadelta(model.parameters(), lr=1.0)
x, y = normalize(data.train_images[:64], data.train_labels[:64])
loss = F.nll_loss(model(tp.from_numpy(x)), tp.from_numpy(y))
loss.backward()
optimizer.step()
loss.item()
"""

# Prepended for the run that compiles on two cores, as the example does.
IN_BACKGROUND = """
from tinygrad_pool import warmup
warmup.compile_backward_in_background()
"""

# Appended to the cold run: every compiled CPU dispatcher with its compile seconds, as JSON on the last line.
KERNEL_TIMES = """
import importlib, json, pkgutil
import numba.core.registry
import tinygrad_pool.backends.cpu as cpu
times = {}
for info in pkgutil.iter_modules(cpu.__path__):
    module = importlib.import_module("tinygrad_pool.backends.cpu." + info.name)
    for name, value in vars(module).items():
        if isinstance(value, numba.core.registry.CPUDispatcher) and value.__module__ == module.__name__:
            seconds = sum(value.get_metadata(s)["timers"]["compiler_lock"] for s in value.signatures)
            if value.signatures:
                times[info.name + "." + name] = (len(value.signatures), seconds)
print(json.dumps(times))
"""

def first_step_seconds(cache_dir, program=ONE_STEP):
    """Seconds to run `program` in a fresh process with `cache_dir` as Numba's cache, and its last output line."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", program], env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, (done.stdout.strip().splitlines() or [""])[-1]

def main():
    with tempfile.TemporaryDirectory() as cache_dir:
        cold, kernels = first_step_seconds(cache_dir, ONE_STEP + KERNEL_TIMES)
        warm, _ = first_step_seconds(cache_dir)
    with tempfile.TemporaryDirectory() as cache_dir:
        split, _ = first_step_seconds(cache_dir, IN_BACKGROUND + ONE_STEP)
    print(f"{'start':<44} {'seconds to first step':>22}")
    print(f"{'cold (empty Numba cache)':<44} {cold:22.1f}")
    print(f"{'cold, backward compiled in a second process':<44} {split:22.1f}")
    print(f"{'warm (cache on disk)':<44} {warm:22.1f}")
    times = json.loads(kernels)
    print(f"\n{len(times)} kernels compiled in the cold run (a helper's time is also inside its callers')")
    print(f"{'kernel':<44} {'versions':>8} {'seconds':>8}")
    for name, (versions, seconds) in sorted(times.items(), key=lambda item: -item[1][1]):
        print(f"{name:<44} {versions:>8} {seconds:>8.2f}")

if __name__ == "__main__":
    main()
