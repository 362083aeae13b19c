"""torchvision's layout for tinygrad_pool: datasets, transforms, models and utils (make_grid, save_image).

    import tinygrad_pool as torch
    from tinygrad_pool.vision import datasets, transforms
"""
from . import datasets, models, transforms, utils

__all__ = ["datasets", "models", "transforms", "utils"]
