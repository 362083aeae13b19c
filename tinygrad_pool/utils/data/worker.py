"""What runs inside a DataLoader worker process, and what a dataset can ask there (`get_worker_info`).

A worker takes jobs `(job, indices)` from its own queue, fetches each batch and puts `(job, kind, pickle)` on
the queue all workers share, where kind is BATCH (the batch), EXHAUSTED (its copy of an iterable dataset has no
further batch) or FAILED (a `WorkerError` with the traceback). The job RESTART makes it iterate its iterable
dataset afresh for a new epoch; the message None makes it return.
"""
import dataclasses
import random
import traceback
from multiprocessing.reduction import ForkingPickler

import numpy as np

from ... import seeding
from .fetch import Exhausted, make_fetcher

BATCH, EXHAUSTED, FAILED = "batch", "exhausted", "failed"
RESTART = "restart"

@dataclasses.dataclass(frozen=True)
class WorkerInfo:
    """The worker this code runs in: `id` in [0, num_workers), the `seed` its random generators were seeded
    with, and its copy of the dataset."""
    id: int
    num_workers: int
    seed: int
    dataset: object

_worker_info = None

def get_worker_info():
    """This worker's `WorkerInfo` inside a DataLoader worker process; None in the main process."""
    return _worker_info

class _Message(str):
    """A message that prints as itself where an exception shows its argument's repr (KeyError does)."""

    def __repr__(self):
        return str(self)

class WorkerError:
    """An exception raised in a worker, carried to the main process as its type and its formatted traceback."""

    def __init__(self, worker_id, error):
        self.exception_type = type(error)
        self.message = (f"{type(error).__name__} raised in DataLoader worker process {worker_id}; the worker's "
                        "traceback:\n" + "".join(traceback.format_exception(error)))

    def reraise(self):
        """Raise the worker's exception type with the worker's traceback as its message (a RuntimeError where
        that type cannot be made from one message)."""
        try:
            error = self.exception_type(_Message(self.message))
        except Exception:
            error = RuntimeError(_Message(self.message))
        raise error

def pickled(worker_id, kind, payload):
    """(kind, the payload's pickle), pickled here rather than in the queue's background thread, where a failure
    would lose the batch silently: a batch that cannot be pickled becomes a FAILED one, an exception type that
    cannot be pickled (a class defined inside a function) a RuntimeError."""
    try:
        return kind, bytes(ForkingPickler.dumps(payload))
    except Exception as error:
        failure = payload if kind == FAILED else WorkerError(worker_id, error)
    try:
        return FAILED, bytes(ForkingPickler.dumps(failure))
    except Exception:
        failure.exception_type = RuntimeError
        return FAILED, bytes(ForkingPickler.dumps(failure))

def seed_worker(seed):
    """Seed every generator a dataset may draw from in this worker: python's, numpy's legacy global one and the
    library's (`tinygrad_pool.manual_seed`)."""
    random.seed(seed)
    np.random.seed(np.random.SeedSequence(seed).generate_state(4))
    seeding.manual_seed(seed)

def worker_loop(worker_id, num_workers, seed, dataset, loading, worker_init_fn, jobs, results):
    """The body of worker process `worker_id`. `loading` is (batch_size, drop_last, auto_collation, collate_fn)."""
    global _worker_info
    results.cancel_join_thread()   # at exit, results no caller waits for any more are dropped, not waited on
    try:
        seed_worker(seed)
        _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
        init_error = None
        try:
            if worker_init_fn is not None:
                worker_init_fn(worker_id)
            fetcher = make_fetcher(dataset, *loading)
        except Exception as error:
            init_error = WorkerError(worker_id, error)
        while True:
            message = jobs.get()
            if message is None:
                return
            job, indices = message
            if job == RESTART:
                if init_error is None:
                    fetcher = make_fetcher(dataset, *loading)
                continue
            if init_error is not None:
                kind, payload = FAILED, init_error
            else:
                try:
                    kind, payload = BATCH, fetcher.fetch(indices)
                except Exhausted:
                    kind, payload = EXHAUSTED, None
                except Exception as error:
                    kind, payload = FAILED, WorkerError(worker_id, error)
            results.put((job, *pickled(worker_id, kind, payload)))
    except KeyboardInterrupt:   # Ctrl-C reaches the whole process group; the main process handles it
        return
