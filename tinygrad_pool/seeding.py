"""The one random generator of the library, which `manual_seed` reseeds: randn, rand, dropout masks,
initialisations and shuffling all draw from it, so one seed reproduces a whole run."""
import numpy as np

from .arguments import check_int

_generator = np.random.default_rng()

def manual_seed(seed):
    """Seed every random draw of the library (randn, rand, dropout masks, initialisations, shuffling)."""
    global _generator
    _generator = np.random.default_rng(check_int(seed, "seed", "manual_seed", minimum=0))

def generator():
    return _generator
