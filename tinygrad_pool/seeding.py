"""The one random generator of the library, which `manual_seed` reseeds: randn, rand, dropout masks,
initialisations and shuffling all draw from it, so one seed reproduces a whole run."""
import numpy as np

_generator = np.random.default_rng()

def manual_seed(seed):
    """Seed every random draw of the library (randn, rand, dropout masks, initialisations, shuffling)."""
    global _generator
    _generator = np.random.default_rng(seed)

def generator():
    return _generator
