"""Draw pooling windows over an input grid: docs/pooling_windows.png and docs/fractional_windows.png.

    pip install matplotlib && python docs/draw_pooling_windows.py

Each panel of the first picture is a 1-d input of length 7 (cells), padding (hatched) and the windows of its
outputs, taken from the library's own window tables, so the picture shows exactly what the kernels read. The
second shows fractional max pooling's windows over an input of length 10 for several samples u, from the
library's own start formula.
"""
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

import numpy as np  # noqa: E402

from tinygrad_pool.ops.pooling import fixed_dim, fractional_starts  # noqa: E402

PANELS = [
    ("kernel 3, stride 2", dict(kernel=3, stride=2, padding=0, dilation=1, ceil_mode=False)),
    ("kernel 3, stride 2, padding 1", dict(kernel=3, stride=2, padding=1, dilation=1, ceil_mode=False)),
    ("kernel 2, stride 2, ceil_mode=False", dict(kernel=2, stride=2, padding=0, dilation=1, ceil_mode=False)),
    ("kernel 2, stride 2, ceil_mode=True", dict(kernel=2, stride=2, padding=0, dilation=1, ceil_mode=True)),
    ("kernel 3, stride 1, dilation 2", dict(kernel=3, stride=1, padding=0, dilation=2, ceil_mode=False)),
]
LENGTH = 7
FRACTIONAL = dict(length=10, out=4, kernel=2, samples=(0.0, 0.3, 0.9))
COLORS = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown"]

def cells(ax, length, pad=0):
    for i in range(-pad, length + pad):
        inside = 0 <= i < length
        ax.add_patch(Rectangle((i, 0), 1, 1, fill=False, hatch=None if inside else "//", lw=1))
        if inside:
            ax.text(i + 0.5, 0.5, str(i), ha="center", va="center")

def draw(ax, title, args):
    dim = fixed_dim(LENGTH, args["kernel"], args["stride"], args["padding"], args["dilation"], args["ceil_mode"],
                    True)
    pad = args["padding"]
    cells(ax, LENGTH, pad)
    for o in range(len(dim.first)):
        color = COLORS[o % len(COLORS)]
        y = -0.6 - 0.5 * o
        taps = [dim.start[o] + j * dim.step for j in range(args["kernel"])]
        for tap in taps:
            used = 0 <= tap < LENGTH
            ax.add_patch(Rectangle((tap + 0.1, y), 0.8, 0.35, color=color, alpha=0.9 if used else 0.25))
        ax.text(-pad - 0.4, y + 0.17, f"out {o}", ha="right", va="center", fontsize=8)
    ax.set_xlim(-pad - 2.2, LENGTH + pad + 0.5)
    ax.set_ylim(-0.7 - 0.5 * len(dim.first), 1.2)
    ax.set_title(f"{title}: {len(dim.first)} outputs", fontsize=10)
    ax.axis("off")

def draw_fractional(ax, u, length, out, kernel):
    """The windows of one plane whose sample is u: every output's kernel taps from its start."""
    starts = fractional_starts(np.array([u], np.float32), length, out, kernel)[0]
    cells(ax, length)
    for o, start in enumerate(starts):
        y = -0.6 - 0.5 * o
        ax.add_patch(Rectangle((start + 0.1, y), kernel - 0.2, 0.35, color=COLORS[o % len(COLORS)], alpha=0.9))
        ax.text(-0.4, y + 0.17, f"out {o}", ha="right", va="center", fontsize=8)
    ax.set_xlim(-2.2, length + 0.5)
    ax.set_ylim(-0.7 - 0.5 * out, 1.2)
    ax.set_title(f"u = {u}: starts {', '.join(map(str, starts))}", fontsize=10)
    ax.axis("off")

def save(fig, name):
    fig.tight_layout()
    out = Path(__file__).with_name(name)
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")

def main():
    fig, axes = plt.subplots(len(PANELS), 1, figsize=(7, 2.4 * len(PANELS)))
    for ax, (title, args) in zip(axes, PANELS):
        draw(ax, title, args)
    fig.suptitle("Pooling windows over an input of length 7\n(faded taps fall in padding or past the end)")
    save(fig, "pooling_windows.png")
    length, out, kernel, samples = (FRACTIONAL[key] for key in ("length", "out", "kernel", "samples"))
    fig, axes = plt.subplots(len(samples), 1, figsize=(7, 2.2 * len(samples)))
    for ax, u in zip(axes, samples):
        draw_fractional(ax, u, length, out, kernel)
    fig.suptitle(f"Fractional max pooling: input length {length}, {out} outputs, kernel {kernel}\n"
                 f"alpha = ({length} - {kernel}) / ({out} - 1); each plane draws its own u")
    save(fig, "fractional_windows.png")

if __name__ == "__main__":
    main()
