"""Train a two-layer network on a spiral with nothing but Tensor, autograd and plain gradient descent.

    python examples/quickstart.py                 # on the CPU
    python examples/quickstart.py --device cuda   # on a GPU (numba-cuda installed)
"""
import argparse

import numpy as np

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F

def spiral(points_per_class, classes, rng):
    """Interleaved spiral arms, one per class: not linearly separable, easy for a small MLP."""
    x, y = [], []
    for label in range(classes):
        radius = np.linspace(0.05, 1, points_per_class)
        angle = np.linspace(label * 4, (label + 1) * 4, points_per_class) + rng.normal(0, 0.2, points_per_class)
        x.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], 1))
        y.append(np.full(points_per_class, label))
    return np.concatenate(x).astype(np.float32), np.concatenate(y)

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    tp.manual_seed(args.seed)
    inputs, labels = spiral(100, 3, rng)
    x, y = tp.tensor(inputs, device=args.device), tp.tensor(labels, device=args.device)

    hidden = 64
    w1 = (tp.randn(hidden, 2, device=args.device) * 0.5).detach()
    w2 = (tp.randn(3, hidden, device=args.device) * 0.1).detach()
    b1, b2 = tp.zeros(hidden, device=args.device), tp.zeros(3, device=args.device)
    params = [w1, b1, w2, b2]
    for p in params:
        p.requires_grad = True

    for step in range(args.steps + 1):
        logits = F.linear(F.linear(x, w1, b1).relu(), w2, b2)
        loss = F.cross_entropy(logits, y)
        for p in params:
            p.grad = None
        loss.backward()
        with tp.no_grad():
            for p in params:
                p.data = (p - p.grad * 1.0).data   # plain gradient descent, learning rate 1.0
        if step % 50 == 0:
            accuracy = (logits.argmax(1) == y).float().mean().item()
            print(f"step {step:4d}  loss {loss.item():.4f}  accuracy {accuracy:.1%}")

if __name__ == "__main__":
    main()
