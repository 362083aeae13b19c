"""Data-parallel training on 2 MPI ranks against one process, and the cost of the collectives under it.

    python benchmarks/distributed.py                  # launches its own processes; about a minute
    python benchmarks/distributed.py --steps 200      # longer rounds

It starts the processes it measures itself: `python benchmarks/distributed.py --single` with NUMBA_NUM_THREADS=2,
then `mpiexec -n 2 python benchmarks/distributed.py --ranks` with NUMBA_NUM_THREADS=1 on each rank (the BLAS
thread variables are set to the same count), so both setups use the machine's 2 cores; rank 0 alone reports.
mpiexec is looked up next to this Python first (the mpich wheel of `pip install -e ".[distributed]"` puts it
there), then on PATH.

Table a: MNIST CNN training speed (examples/mnist_cnn.py's Net, Adadelta lr 1.0, dropout on, real MNIST batches
drawn at random and normalised beforehand, as benchmarks/mnist_epoch.py does). One process on the global batch
of 64 against 2 ranks of 32 samples each, wrapped in DistributedDataParallel (the same global batch, so the same
training). The third row runs the same 2 ranks inside `no_sync()`: no gradient crosses between them, which bounds
what DDP could reach. Each row is the best of `--rounds` rounds of `--steps` steps after 5 warm-up steps; the
setups of one launch take turns within each round, so that a slow spell of the machine hits them alike, and the
single process runs before and after the ranks (the better run counts). A round's time on the ranks is the slower
rank's (each round ends at a barrier).

Table b: `tinygrad_pool.distributed.all_reduce` (SUM, in place) of a float32 tensor on the 2 ranks, from 1 KB to
100 MB (decimal units). Each repeat starts after a barrier; a repeat's time is the slower rank's; the table gives
the median over the repeats and the bus bandwidth busbw = S / t * 2(n-1)/n, the bytes each rank sends in a ring
all-reduce over the time (for n = 2 ranks it is S / t).

Table c: how much of a DDP step each rank spends waiting for gradients, as a function of bucket_cap_mb. The
benchmark times DistributedDataParallel._finish, which runs once backward's walk is over: it waits for the
buckets' all-reduces still in flight and copies the means into .grad. With one bucket (bucket_cap_mb 25, the
default, or 1000: the net's 4.8 MB of gradients fit in either) the all-reduce starts only after the whole backward;
with bucket_cap_mb=1 the net forms 3 buckets and fc1's 4.7 MB weight gradient starts while the convolutions'
backward runs. MPICH moves a non-blocking all-reduce forward only inside MPI calls unless its progress thread is
on, so the last row repeats bucket_cap_mb=1 with MPIR_CVAR_ASYNC_PROGRESS=1. Waiting is the mean over the ranks.

The 2 ranks share one machine and talk through shared memory: this measures MPI's and DDP's overhead, not a
network. Compare the ratios and shares; absolute times depend on the machine and on what else runs on it.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
WARMUP = 5
GLOBAL_BATCH = 64
SIZES = [(1_000, "1 KB", 200), (10_000, "10 KB", 200), (100_000, "100 KB", 100), (1_000_000, "1 MB", 50),
         (10_000_000, "10 MB", 20), (100_000_000, "100 MB", 5)]
THREAD_VARIABLES = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

# --- inside the measured processes ---------------------------------------------------------------------------
def batches(count, batch_size):
    """`count` normalised MNIST batches as benchmarks/mnist_epoch.py draws them, made before any timing."""
    sys.path.insert(0, str(HERE.parent))
    import mnist_epoch
    return list(mnist_epoch.batches(count - mnist_epoch.WARMUP, batch_size))   # it adds its warm-up batches

class Waiting:
    """Seconds spent inside DistributedDataParallel._finish since the last reset (the class method is wrapped)."""
    seconds = 0.0

    @classmethod
    def install(cls):
        from tinygrad_pool.nn.distributed import DistributedDataParallel
        original = DistributedDataParallel._finish

        def timed(self):
            start = time.perf_counter()
            try:
                return original(self)
            finally:
                cls.seconds += time.perf_counter() - start
        DistributedDataParallel._finish = timed

class Trainer:
    """One setup: a model, its Adadelta optimizer and its training step; `context` (a no-argument callable that
    returns a context manager, such as DDP's no_sync) wraps each step."""

    def __init__(self, model, context=None):
        import contextlib

        from tinygrad_pool import optim
        self.model, self.context = model, context or contextlib.nullcontext
        self.optimizer = optim.Adadelta(model.parameters(), lr=1.0)
        model.train()

    def step(self, x, y):
        import tinygrad_pool as tp
        import tinygrad_pool.nn.functional as F
        with self.context():
            self.optimizer.zero_grad()
            loss = F.nll_loss(self.model(tp.from_numpy(x)), tp.from_numpy(y))
            loss.backward()
            self.optimizer.step()
            loss.item()

    def run(self, data, barrier):
        """(seconds, waiting seconds) of training on `data`, between two barriers."""
        barrier()
        Waiting.seconds = 0.0
        start = time.perf_counter()
        for x, y in data:
            self.step(x, y)
        barrier()
        return time.perf_counter() - start, Waiting.seconds

def interleaved(trainers, data, rounds, steps, barrier=lambda: None):
    """For each trainer, a list over the rounds of (seconds per step, waiting seconds per step), after WARMUP
    untimed steps each. The trainers take turns within each round, so that a slow spell of the machine hits them
    alike."""
    for trainer in trainers:
        trainer.run(data[:WARMUP], barrier)
    results = [[] for _ in trainers]
    for r in range(rounds):
        chunk = data[WARMUP + r * steps:WARMUP + (r + 1) * steps]
        for trainer, out in zip(trainers, results):
            seconds, waiting = trainer.run(chunk, barrier)
            out.append((seconds / steps, waiting / steps))
    return results

def net():
    sys.path.insert(0, str(ROOT / "examples"))
    from mnist_cnn import Net

    import tinygrad_pool as tp
    tp.manual_seed(0)
    return Net()

def report(result):
    print("RESULT " + json.dumps(result), flush=True)

def single(args):
    data = batches(WARMUP + args.rounds * args.steps, GLOBAL_BATCH)
    (rounds,) = interleaved([Trainer(net())], data, args.rounds, args.steps)
    report({"step_s": min(rounds)[0]})

def all_reduce_seconds(dist, comm, count, repeats):
    """Median over `repeats` of the slower rank's seconds for one all_reduce of `count` float32 values."""
    import tinygrad_pool as tp
    t = tp.zeros(count, dtype=tp.float32)
    for _ in range(3):
        dist.all_reduce(t)
    times = []
    for _ in range(repeats):
        dist.barrier()
        start = time.perf_counter()
        dist.all_reduce(t)
        times.append(time.perf_counter() - start)
    return statistics.median(max(ts) for ts in zip(*comm.allgather(times)))

def all_reduce_sweep(dist, comm):
    return [{"label": label, "bytes": nbytes, "repeats": repeats,
             "median_s": all_reduce_seconds(dist, comm, nbytes // 4, repeats)} for nbytes, label, repeats in SIZES]

def ranks(args):
    import tinygrad_pool.distributed as dist
    from tinygrad_pool.nn import DistributedDataParallel
    dist.init_process_group("mpi")
    comm = dist._comm("benchmark")
    rank, world = dist.get_rank(), dist.get_world_size()
    Waiting.install()
    per_rank = GLOBAL_BATCH // world
    mine = slice(rank * per_rank, (rank + 1) * per_rank)
    data = [(x[mine], y[mine]) for x, y in batches(WARMUP + args.rounds * args.steps, GLOBAL_BATCH)]
    result = {"world": world, "training": []}
    configs = [] if args.no_training else [("ddp", 25)]
    configs += [("buckets", cap) for cap in args.buckets]
    if not args.no_training:
        configs.append(("no_sync", 25))
    models = [DistributedDataParallel(net(), bucket_cap_mb=cap) for _, cap in configs]
    trainers = [Trainer(ddp, ddp.no_sync if kind == "no_sync" else None) for (kind, _), ddp in zip(configs, models)]
    timings = interleaved(trainers, data, args.rounds, args.steps, barrier=dist.barrier)
    everyone = comm.allgather(timings)   # [rank][setup][round] = (seconds per step, waiting per step)
    for k, ((kind, cap), ddp) in enumerate(zip(configs, models)):
        per_round = [(max(everyone[r][k][i][0] for r in range(world)),
                      sum(everyone[r][k][i][1] for r in range(world)) / world) for i in range(args.rounds)]
        step_s, waiting_s = min(per_round)   # the round the slower rank ran fastest; its mean waiting
        result["training"].append({"kind": kind, "bucket_cap_mb": cap, "buckets": len(ddp._buckets),
                                   "step_s": step_s, "waiting_s": waiting_s})
    parameters = sum(p.numel() for p in models[0].parameters())
    del models, trainers
    result["parameters"] = parameters
    result["gradient_all_reduce_s"] = all_reduce_seconds(dist, comm, parameters, 20)
    if not args.no_all_reduce:
        result["all_reduce"] = all_reduce_sweep(dist, comm)
    if rank == 0:
        report(result)
    dist.destroy_process_group()

# --- the launcher ------------------------------------------------------------------------------------------------
def mpiexec():
    beside = Path(sys.executable).parent / "mpiexec"
    found = str(beside) if beside.exists() else shutil.which("mpiexec")
    if found is None:
        raise SystemExit("mpiexec not found: pip install -e \".[distributed]\" (mpi4py and the mpich wheel)")
    return found

def launch(arguments, threads, ranks=None, extra_env=None, timeout=150):
    """Run this file with `arguments` (under mpiexec -n `ranks` when given) and return its RESULT, or None with a
    note when it fails or runs out of time."""
    env = dict(os.environ, **{name: str(threads) for name in THREAD_VARIABLES}, **(extra_env or {}))
    command = [sys.executable, str(HERE)] + arguments
    if ranks:
        command = [mpiexec(), "-n", str(ranks)] + command
    try:
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"({' '.join(command[-4:])} ran past {timeout} s; left out)", file=sys.stderr)
        return None
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        print(f"({' '.join(command)} failed, exit {done.returncode}):\n{done.stderr[-3000:]}", file=sys.stderr)
        return None
    return json.loads(lines[-1][len("RESULT "):])

def cpu_name():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform
    return platform.processor() or "unknown CPU"

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60, help="timed steps per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per setup; the best one is kept")
    parser.add_argument("--single", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--ranks", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--buckets", type=float, nargs="*", default=[1000, 1], help=argparse.SUPPRESS)
    parser.add_argument("--no-training", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-all-reduce", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.single:
        return single(args)
    if args.ranks:
        return ranks(args)

    load = os.getloadavg()[0]
    common = ["--steps", str(args.steps), "--rounds", str(args.rounds)]
    first = launch(["--single"] + common, threads=2)
    two = launch(["--ranks"] + common, threads=1, ranks=2)
    progress = launch(["--ranks", "--steps", str(args.steps), "--rounds", "2", "--buckets", "1", "--no-training",
                       "--no-all-reduce"], threads=1, ranks=2, extra_env={"MPIR_CVAR_ASYNC_PROGRESS": "1"},
                      timeout=90)
    last = launch(["--single"] + common, threads=2)   # before and after the ranks: the better of the two
    if first is None or last is None or two is None:
        raise SystemExit("a measured process failed (see above)")
    one = min(first, last, key=lambda result: result["step_s"])

    print(f"{cpu_name()}, {os.cpu_count()} logical CPUs; the 2 ranks share this machine (MPI over shared memory)")
    print(f"load average (1 min) before: {load:.2f}, after: {os.getloadavg()[0]:.2f} (other work on the cores "
          "slows the 2-thread process and the ranks unevenly)")
    print(f"\na. MNIST CNN training, global batch {GLOBAL_BATCH}, Adadelta; best of {args.rounds} rounds of "
          f"{args.steps} steps after {WARMUP} warm-up")
    print(f"{'setup':<50} {'steps/s':>8} {'images/s':>9} {'ratio':>6}")
    rows = [("1 process x 2 threads, batch 64", one["step_s"])]
    training = {(t["kind"], t["bucket_cap_mb"]): t for t in two["training"]}
    rows.append(("2 ranks x 1 thread, DDP, 32 per rank", training[("ddp", 25)]["step_s"]))
    rows.append(("2 ranks x 1 thread, no_sync (no all-reduce: a bound)", training[("no_sync", 25)]["step_s"]))
    for name, step_s in rows:
        print(f"{name:<50} {1 / step_s:8.1f} {GLOBAL_BATCH / step_s:9.0f} {one['step_s'] / step_s:6.2f}")
    print("ratio = steps/s over the single process's (above 1: the 2 ranks are faster)")

    print(f"\nb. all_reduce (SUM, float32, in place) on {two['world']} ranks; median over repeats of the slower "
          "rank's time")
    print(f"{'size':<8} {'repeats':>7} {'time':>10} {'busbw GB/s':>11}")
    n = two["world"]
    for row in two["all_reduce"]:
        t = row["median_s"]
        shown = f"{t * 1e6:8.1f}us" if t < 1e-3 else f"{t * 1e3:8.2f}ms"
        print(f"{row['label']:<8} {row['repeats']:>7} {shown:>10} {row['bytes'] / t * 2 * (n - 1) / n / 1e9:11.3f}")
    print("busbw = S / t * 2(n-1)/n: the bytes each rank sends in a ring all-reduce, over the time (= S / t for n = 2)")

    print(f"\nc. waiting for gradients in a DDP step (2 ranks x 1 thread, 32 per rank); waiting = time inside "
          "DistributedDataParallel._finish, mean over the ranks")
    print(f"{'setup':<50} {'buckets':>7} {'step ms':>8} {'waiting ms':>11} {'share %':>8}")
    setups = [("bucket_cap_mb=25 (default): after backward", training[("ddp", 25)])]
    setups += [(f"bucket_cap_mb={t['bucket_cap_mb']:g}" + (": after backward" if t["buckets"] == 1 else
                                                           ": during backward"), t)
               for t in two["training"] if t["kind"] == "buckets"]
    if progress is not None:
        setups += [(f"bucket_cap_mb={t['bucket_cap_mb']:g}, MPIR_CVAR_ASYNC_PROGRESS=1", t)
                   for t in progress["training"]]
    else:
        print("(the MPIR_CVAR_ASYNC_PROGRESS=1 run failed or ran out of time: its row is left out)")
    for name, t in setups:
        print(f"{name:<50} {t['buckets']:>7} {t['step_s'] * 1e3:8.1f} {t['waiting_s'] * 1e3:11.2f} "
              f"{100 * t['waiting_s'] / t['step_s']:8.1f}")
    print(f"one all_reduce of the whole gradient ({two['parameters']:,} float32, "
          f"{two['parameters'] * 4 / 1e6:.1f} MB) alone: {two['gradient_all_reduce_s'] * 1e3:.2f} ms")

if __name__ == "__main__":
    main()
