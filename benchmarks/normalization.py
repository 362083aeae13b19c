"""Normalisation speed: ours vs PyTorch CPU (when installed), float32, forward and forward+backward, one process.

    python benchmarks/normalization.py

Rows: group_norm with 32 groups, layer_norm over the last three dims and batch_norm in training, each on a
(32, 64, 56, 56) input with weight and bias that require grad. Each side keeps its best time over 5 alternating
rounds of best-of-5 (`timing.compare_rows`).
"""
import numpy as np
from timing import compare_rows

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F

SHAPE = (32, 64, 56, 56)

def rows():
    import torch
    rng = np.random.default_rng(1)
    made = []
    for name, weight_shape, call in [
            ("group_norm", (64,), lambda f, x, w, b: f.group_norm(x, 32, w, b)),
            ("layer_norm", SHAPE[1:], lambda f, x, w, b: f.layer_norm(x, SHAPE[1:], w, b)),
            ("batch_norm training", (64,), lambda f, x, w, b: f.batch_norm(x, None, None, w, b, training=True))]:
        w, b = rng.standard_normal(weight_shape, np.float32), rng.standard_normal(weight_shape, np.float32)
        ours = [tp.tensor(a, requires_grad=True) for a in (w, b)]
        theirs = [torch.tensor(a, requires_grad=True) for a in (w, b)]
        made.append((name, SHAPE, lambda x, call=call, ours=ours: call(F, x, *ours),
                     lambda x, call=call, theirs=theirs: call(torch.nn.functional, x, *theirs)))
    return made

if __name__ == "__main__":
    compare_rows(rows(), rounds=5)
