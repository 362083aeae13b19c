"""backends/cpu/workers.py: a worker kernel runs once per worker on Numba's threads, its exceptions reach the
caller, and the kernels written as workers give the same bits with any number of threads."""
import numba
import numpy as np
import pytest
from numba import njit

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F
from tinygrad_pool.backends.cpu.compile import PARALLEL
from tinygrad_pool.backends.cpu.workers import run_workers, worker_count

@njit(cache=True)
def _record(worker, workers, seen, scale):
    seen[worker] += scale * (workers + 1)

@njit(cache=True)
def _fail_on(worker, workers, bad):
    if worker == bad:
        raise ValueError("worker failed")

@njit(cache=True)
def _fail_once(worker, workers, armed):
    if worker == workers - 1 and armed[0]:
        armed[0] = False
        raise MemoryError

@pytest.mark.parametrize("workers", [1, 2, 5])
def test_every_worker_runs_once_with_its_arguments(workers):
    seen = np.zeros(workers)
    run_workers(_record, workers, seen, 2.0)
    assert seen.tolist() == [2.0 * (workers + 1)] * workers
    run_workers(_record, workers, seen, 1.0)   # the loop compiled for these types is reused
    assert seen.tolist() == [3.0 * (workers + 1)] * workers

def test_a_kernels_exception_reaches_the_caller():
    with pytest.raises(ValueError, match="worker failed"):
        run_workers(_fail_on, 2, 1)
    run_workers(_fail_on, 2, 5)   # no worker 5: nothing raised

def test_a_failure_that_does_not_recur_is_still_an_error():
    """Raised on another thread, the exception is lost, and the rerun does not raise it again; with serial kernels
    every worker runs on this thread, and the exception itself arrives."""
    if PARALLEL:
        with pytest.raises(RuntimeError,
                           match="_fail_once: worker 1 of 2 raised an exception, and none when run again"):
            run_workers(_fail_once, 2, np.ones(1, np.bool_))
    else:
        with pytest.raises(MemoryError):
            run_workers(_fail_once, 2, np.ones(1, np.bool_))

def test_worker_count_is_one_per_thread_and_at_most_one_per_task():
    threads = numba.get_num_threads()
    assert worker_count(0) == 1 and worker_count(1) == 1
    assert worker_count(10**6) == threads

@pytest.mark.parametrize("threads", [1, 2])
def test_worker_kernels_give_the_same_bits_on_any_number_of_threads(threads):
    """Winograd, direct and im2col convolution and max pooling, forward and backward, on 1 and 2 threads (where
    there are 2): the workers split samples or planes, so outputs and input gradients are the same bits; the weight
    gradient adds one partial sum per worker. im2col multiplies chunks of samples whose width depends on the
    workers, and a BLAS may round a column differently in a product of another width (OpenBLAS's AVX-512 sgemm
    does): there, the same values up to rounding."""
    if threads > numba.config.NUMBA_NUM_THREADS:
        pytest.skip("one thread only")
    x = np.random.default_rng(0).standard_normal((3, 8, 10, 10)).astype(np.float32)
    weights = {"winograd": (8, 8, 3, 3), "direct": (8, 1, 3, 3), "im2col": (6, 8, 5, 5)}

    def run():
        results = []
        for shape in weights.values():
            xi = tp.tensor(x[:, :shape[1]], requires_grad=True)
            w = tp.tensor(np.linspace(-1, 1, int(np.prod(shape)), dtype=np.float32).reshape(shape), requires_grad=True)
            out = F.max_pool2d(F.conv2d(xi, w, padding=1), 2)
            out.sum().backward()
            results += [out.numpy(), xi.grad.numpy(), w.grad.numpy()]
        return results
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = run()
        numba.set_num_threads(threads)
        several = run()
    finally:
        numba.set_num_threads(before)
    for i, (a, b) in enumerate(zip(single, several)):
        if i % 3 == 2:   # a weight gradient
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
        elif i >= 6:   # im2col: chunks of samples as wide as the workers allow, and BLAS's AVX-512 kernels may round
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)   # a product by its width's column blocks
        else:
            assert np.array_equal(a, b)
