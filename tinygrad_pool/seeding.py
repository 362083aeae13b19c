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

class Generator:
    """PyTorch's torch.Generator: a random stream of its own, for samplers and random_split
    (`DataLoader(..., generator=tp.Generator().manual_seed(42))`). `numpy` is the numpy Generator it wraps."""
    def __init__(self, device="cpu"):
        self._seed = int(_generator.integers(2 ** 63))
        self.numpy = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        """Reseed in place (whoever holds `numpy` sees the new stream); returns the generator, as PyTorch's."""
        self._seed = check_int(seed, "seed", "Generator.manual_seed", minimum=0)
        self.numpy.bit_generator.state = np.random.default_rng(self._seed).bit_generator.state
        return self

    def initial_seed(self):
        return self._seed
