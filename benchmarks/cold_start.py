"""Start-up cost of the MNIST example: seconds from launching Python to the first finished training step.

    python benchmarks/cold_start.py

Runs one step of examples/mnist_cnn.py's network in a fresh process twice: with an empty Numba cache (every
kernel compiles) and again with the cache the first run wrote (kernels load from disk). Each figure includes
Python start-up, imports and reading MNIST.
"""
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

def first_step_seconds(cache_dir):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", ONE_STEP], env=env, check=True)
    return time.perf_counter() - start

def main():
    with tempfile.TemporaryDirectory() as cache_dir:
        cold = first_step_seconds(cache_dir)
        warm = first_step_seconds(cache_dir)
    print(f"{'start':<24} {'seconds to first step':>22}")
    print(f"{'cold (empty Numba cache)':<24} {cold:22.1f}")
    print(f"{'warm (cache on disk)':<24} {warm:22.1f}")

if __name__ == "__main__":
    main()
