"""`DataLoader`: batches from a dataset, in the main process or in worker processes.

    loader = DataLoader(TensorDataset(images, labels), batch_size=64, shuffle=True)
    for x, y in loader:         # a fresh order every epoch; `manual_seed` (or generator=) reproduces them
        ...

The arguments, their defaults and their checks are PyTorch's. The sampler yields indices, the batch sampler
groups them, and a fetcher (`fetch.py`) turns each group into a batch: over a TensorDataset with one
fancy-index per tensor, otherwise by reading the samples and collating them. `pin_memory` is accepted and has no
effect (a CPU batch is already where a copy to the GPU starts from).

With `num_workers > 0` the batches are fetched in that many processes (started with fork where the platform has
it, else spawn): the main process sends each worker the indices of whole batches, up to `prefetch_factor` per
worker ahead, round-robin, and yields the results in the sampler's order. A worker's exception is raised in the
main process with the worker's traceback in its message. Worker `i` seeds python's, numpy's and the library's
generators with `base_seed + i`, where the base seed is drawn from `generator` (else from the library's
generator) once per epoch, or once for all epochs with `persistent_workers`. The workers stop at the end of an
epoch (or when its iterator is dropped); persistent ones when the loader is.
"""
import multiprocessing
import queue
import time
import weakref
from multiprocessing.reduction import ForkingPickler

from ...arguments import check_bool, check_int, check_number, described
from ...seeding import generator as library_generator
from .collate import default_collate, default_convert
from .dataset import IterableDataset
from .fetch import Exhausted, make_fetcher
from .sampler import (BatchSampler, RandomSampler, SequentialSampler, check_flag, check_generator,
                      check_positive_int)
from .worker import EXHAUSTED, FAILED, RESTART, worker_loop

_POLL_S = 0.1            # how often a wait for a batch checks that the workers are alive
_STOP_S = 5.0            # how long stopping waits for the workers before terminating them
_SET_ONCE = ("dataset", "batch_size", "batch_sampler", "sampler", "drop_last", "persistent_workers")

def _context(multiprocessing_context, num_workers):
    """The multiprocessing context the workers start in: the one given (a context or a start method's name),
    else fork where the platform has it, else spawn."""
    methods = multiprocessing.get_all_start_methods()
    if multiprocessing_context is None:
        return multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    if num_workers == 0:
        raise ValueError(f"DataLoader: multiprocessing_context={multiprocessing_context!r} needs worker processes "
                         "(num_workers > 0), got num_workers=0")
    if isinstance(multiprocessing_context, str):
        if multiprocessing_context not in methods:
            raise ValueError(f"DataLoader: multiprocessing_context={multiprocessing_context!r}: this platform "
                             "starts processes with " + " or ".join(map(repr, methods)))
        return multiprocessing.get_context(multiprocessing_context)
    if not isinstance(multiprocessing_context, multiprocessing.context.BaseContext):
        raise TypeError("DataLoader: multiprocessing_context must be a start method's name or a multiprocessing "
                        f"context, got {described(multiprocessing_context)}")
    return multiprocessing_context

def _check_iterable(value, name):
    if value is not None and not hasattr(type(value), "__iter__"):
        raise TypeError(f"DataLoader: {name} must be an iterable of indices, got {described(value)}")

def _check_callable(value, name):
    if value is not None and not callable(value):
        raise TypeError(f"DataLoader: {name} must be callable or None, got {described(value)}")

class DataLoader:
    """Batches of `dataset`; see the module docstring."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False):
        check_int(num_workers, "num_workers", "DataLoader", minimum=0)
        check_number(timeout, "timeout", "DataLoader", minimum=0)
        check_bool(pin_memory, "pin_memory", "DataLoader")
        check_bool(persistent_workers, "persistent_workers", "DataLoader")
        check_flag(drop_last, "drop_last", "DataLoader")
        if shuffle is not None:
            check_bool(shuffle, "shuffle", "DataLoader")
        if batch_size is not None:
            check_positive_int(batch_size, "batch_size", "DataLoader")
        _check_iterable(sampler, "sampler")
        _check_iterable(batch_sampler, "batch_sampler")
        _check_callable(collate_fn, "collate_fn")
        _check_callable(worker_init_fn, "worker_init_fn")
        check_generator(generator, "DataLoader")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(f"DataLoader: prefetch_factor={prefetch_factor!r} needs worker processes "
                             "(num_workers > 0); with num_workers=0 leave it None")
        if num_workers > 0:
            prefetch_factor = 2 if prefetch_factor is None else check_int(prefetch_factor, "prefetch_factor",
                                                                            "DataLoader", minimum=1)
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers=True needs worker processes (num_workers > 0)")
        context = _context(multiprocessing_context, num_workers)

        if isinstance(dataset, IterableDataset):
            for name, value in (("shuffle", shuffle or None), ("sampler", sampler),
                                ("batch_sampler", batch_sampler)):
                if value is not None:
                    raise ValueError(f"DataLoader: {name}={value!r} does not apply to an IterableDataset, whose "
                                     "order is its own; leave it unset")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler and shuffle=True are mutually exclusive (the sampler sets the "
                             "order); shuffle with a RandomSampler instead")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler is mutually exclusive with batch_size, shuffle, "
                                 "sampler and drop_last (it sets them all); leave those at their defaults")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None turns batching off, so drop_last=True has no batch to "
                             "drop; leave drop_last False")
        if isinstance(dataset, IterableDataset):
            sampler = None
        elif sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and sampler is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.num_workers, self.prefetch_factor, self.timeout = num_workers, prefetch_factor, timeout
        self.pin_memory, self.persistent_workers, self.generator = pin_memory, persistent_workers, generator
        self.worker_init_fn, self.multiprocessing_context = worker_init_fn, context
        self._auto_collation = batch_size is not None or batch_sampler is not None
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self._pool = None
        self._initialized = True

    def __setattr__(self, name, value):
        if name in _SET_ONCE and getattr(self, "_initialized", False):
            raise ValueError(f"DataLoader: {name} cannot be changed after the DataLoader is made; make a new one")
        super().__setattr__(name, value)

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def _fetcher(self):
        return make_fetcher(self.dataset, self.batch_size, self.drop_last, self._auto_collation, self.collate_fn)

    def _base_seed(self):
        return int((self.generator or library_generator()).integers(2**62))

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            size = len(self.dataset)
            if self.batch_size is None:
                return size
            return size // self.batch_size if self.drop_last else -(-size // self.batch_size)
        return len(self._index_sampler)

    def __iter__(self):
        if self.num_workers == 0:
            return _SingleProcessIterator(self)
        if not self.persistent_workers:
            return _WorkerIterator(self, _WorkerPool(self), owns_pool=True)
        if self._pool is None or self._pool.dead_worker() is not None:
            if self._pool is not None:
                self._pool.stop()
            self._pool = _WorkerPool(self)
        return _WorkerIterator(self, self._pool, owns_pool=False)

class _SingleProcessIterator:
    def __init__(self, loader):
        self.loader = loader
        self.fetcher = loader._fetcher()
        self.batches = None if isinstance(loader.dataset, IterableDataset) else iter(loader._index_sampler)

    def __iter__(self):
        return self

    def __len__(self):
        return len(self.loader)

    def __next__(self):
        if self.batches is None:
            try:
                return self.fetcher.fetch()
            except Exhausted:
                raise StopIteration from None
        return self.fetcher.fetch(next(self.batches))

def _stop_workers(processes, jobs, results):
    """Ask every worker to return, wait for them (terminating any that do not return in time) so that none is
    left a zombie, and close the queues."""
    for q in jobs:
        try:
            q.put(None)
        except (OSError, ValueError):   # a queue already closed
            pass
    deadline = time.monotonic() + _STOP_S
    for p in processes:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            p.terminate()
            p.join()
    for q in (*jobs, results):
        q.cancel_join_thread()
        q.close()

class _WorkerPool:
    """The worker processes of a loader, each with its job queue, and the results queue they share."""

    def __init__(self, loader):
        context, count = loader.multiprocessing_context, loader.num_workers
        self.results = context.Queue()
        self.jobs = [context.Queue() for _ in range(count)]
        self.processes = []
        self.next_job = 0
        self.used = False
        self._finalizer = weakref.finalize(self, _stop_workers, self.processes, self.jobs, self.results)
        seed = loader._base_seed()
        loading = (loader.batch_size, loader.drop_last, loader._auto_collation, loader.collate_fn)
        try:
            for i in range(count):
                process = context.Process(target=worker_loop, daemon=True,
                                          args=(i, count, seed + i, loader.dataset, loading, loader.worker_init_fn,
                                                self.jobs[i], self.results))
                process.start()
                self.processes.append(process)
        except BaseException:
            self.stop()
            raise

    def stop(self, hurry=False):
        """Stop the workers (at once with `hurry`, when one has not answered in time) and reap them."""
        if hurry:
            for process in self.processes:
                if process.is_alive():
                    process.terminate()
        self._finalizer()

    def send(self, worker, indices):
        job = self.next_job
        self.next_job += 1
        self.jobs[worker].put((job, indices))
        return job

    def new_epoch(self):
        """Make each worker iterate its copy of an iterable dataset afresh (after the jobs sent before)."""
        for q in self.jobs:
            q.put((RESTART, None))

    def dead_worker(self):
        """(id, process) of a worker that is no longer running, or None."""
        for i, process in enumerate(self.processes):
            if not process.is_alive():
                return i, process
        return None

class _WorkerIterator:
    """One epoch over worker processes: jobs go out round-robin to the workers still producing batches, at
    most `prefetch_factor` per worker ahead, and come back in the order they were sent."""

    def __init__(self, loader, pool, owns_pool):
        self.loader, self.pool, self.owns_pool = loader, pool, owns_pool
        self.iterable = isinstance(loader.dataset, IterableDataset)
        if self.iterable and pool.used:
            pool.new_epoch()
        pool.used = True
        self.batches = None if self.iterable else iter(loader._index_sampler)
        self.producing = list(range(loader.num_workers))
        self.turn = 0
        self.sent = {}          # job -> worker, oldest first
        self.arrived = {}       # job -> (kind, pickled payload)
        self.sampler_done = False
        for _ in range(loader.prefetch_factor * loader.num_workers):
            self._send_one()

    def __iter__(self):
        return self

    def __len__(self):
        return len(self.loader)

    def _send_one(self):
        if self.sampler_done or not self.producing:
            return
        indices = None
        if self.batches is not None:
            try:
                indices = next(self.batches)
            except StopIteration:
                self.sampler_done = True
                return
        worker = self.producing[self.turn % len(self.producing)]
        self.turn += 1
        self.sent[self.pool.send(worker, indices)] = worker

    def _receive(self):
        """Wait for one result of this epoch (those of an earlier epoch's jobs are dropped)."""
        timeout = self.loader.timeout
        deadline = time.monotonic() + timeout if timeout > 0 else None
        while True:
            try:
                job, kind, payload = self.pool.results.get(timeout=_POLL_S)
            except queue.Empty:
                dead = self.pool.dead_worker()
                if dead is not None:
                    self._finish(broken=True)
                    raise RuntimeError(f"DataLoader worker {dead[0]} (pid {dead[1].pid}) exited unexpectedly with "
                                       f"exit code {dead[1].exitcode} (a negative code is the signal that ended "
                                       "it, e.g. -9 when the system ran out of memory); a forked worker cannot "
                                       "run the library's parallel CPU kernels once the main process has: "
                                       "multiprocessing_context='spawn' can") from None
                if deadline is not None and time.monotonic() > deadline:
                    self._finish(broken=True)
                    raise RuntimeError(f"DataLoader: no batch came from the workers within timeout={timeout} "
                                       "seconds") from None
                continue
            if job in self.sent:
                self.arrived[job] = (kind, payload)
                return

    def __next__(self):
        while self.sent:
            job, worker = next(iter(self.sent.items()))
            while job not in self.arrived:
                self._receive()
            del self.sent[job]
            kind, payload = self.arrived.pop(job)
            if kind == EXHAUSTED:
                if worker in self.producing:
                    self.producing.remove(worker)
                continue
            if kind == FAILED:
                self._finish(broken=False)
                ForkingPickler.loads(payload).reraise()
            self._send_one()
            return ForkingPickler.loads(payload)
        self._finish(broken=False)
        raise StopIteration

    def _finish(self, broken):
        """End the epoch: the workers stop unless they persist and still work (a worker that died or did not
        answer in time stops them all at once)."""
        self.sent.clear()
        self.sampler_done = True
        if self.owns_pool or broken:
            self.pool.stop(hurry=broken)

    def __del__(self):
        if self.owns_pool:
            self.pool.stop()
