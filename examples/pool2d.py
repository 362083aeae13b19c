"""The seed example: max and average pooling of a tiny two-channel image, and global average pooling.

    python examples/pool2d.py
"""
import numpy as np

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F

def show(title, t):
    print(f"{title}  shape {list(t.shape)}")
    for c, plane in enumerate(t.numpy()[0]):
        print(f"  channel {c}:")
        for row in plane:
            print("    " + " ".join(f"{v:5.2f}" for v in row))

def main():
    # A [1, 2, 4, 4] image: channel 0 has rows 0, 1, 2, 3 and channel 1 has rows 4, 5, 6, 7.
    rows = np.arange(8, dtype=np.float32).reshape(2, 4, 1)
    img = tp.tensor(np.broadcast_to(rows, (2, 4, 4))[None])
    show("image", img)
    show("max_pool2d(img, 2)", F.max_pool2d(img, 2))
    show("max_pool2d(img, 2, stride=1)", F.max_pool2d(img, 2, stride=1))
    show("avg_pool2d(img, 2, stride=1, padding=1)", F.avg_pool2d(img, 2, stride=1, padding=1))
    show("avg_pool2d(img, 4): global average pooling", F.avg_pool2d(img, 4))
    two_step = img.mean(3).mean(2)
    print(f"img.mean(3).mean(2) = {two_step.tolist()}  (the same numbers, shape {list(two_step.shape)})")
    print(f"global_avg_pool2d(img) = {F.global_avg_pool2d(img).reshape(1, 2).tolist()}")

if __name__ == "__main__":
    main()
