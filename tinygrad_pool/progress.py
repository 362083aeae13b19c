"""A small progress bar for long work (training epochs, downloads), written to stderr: no dependency needed.

    for batch in progress(loader, desc="epoch 1"):
        ...
        bar.set(loss=0.31)                       # shown after the counts

It redraws in place at most ten times a second on a terminal (every 10 s, one line each, into a log file) and
prints the rate (`unit`/s) and the time left.
"""
import sys
import time

class progress:
    def __init__(self, iterable=None, total=None, desc="", unit="it", scale=1, file=None, width=24):
        self.iterable, self.desc, self.unit, self.scale, self.width = iterable, desc, unit, scale, width
        self.total = total if total is not None else (len(iterable) if hasattr(iterable, "__len__") else None)
        self.file = file or sys.stderr
        self.interactive = getattr(self.file, "isatty", lambda: False)()
        self.count, self.fields = 0, {}
        self.start = self._drawn = time.perf_counter()

    def __iter__(self):
        for item in self.iterable:
            yield item
            self.update()
        self.close()

    def set(self, **fields):
        """Values shown after the bar, e.g. the running loss."""
        self.fields.update(fields)

    def update(self, n=1):
        self.count += n
        now = time.perf_counter()
        if now - self._drawn >= (0.1 if self.interactive else 10.0):
            self._drawn = now
            self._draw(now, end="\r" if self.interactive else "\n")

    @property
    def rate(self):
        """Units per second so far (`scale` units per step: images per batch, say)."""
        elapsed = time.perf_counter() - self.start
        return self.count * self.scale / elapsed if elapsed > 0 else 0.0

    def _draw(self, now, end):
        elapsed = now - self.start
        text = f"{self.desc}: " if self.desc else ""
        if self.total:
            done = min(self.count / self.total, 1.0)
            filled = int(done * self.width)
            left = elapsed / done - elapsed if done > 0 else 0.0
            text += f"{done:4.0%} |{'#' * filled}{'.' * (self.width - filled)}| {self.count}/{self.total}"
            text += f" [{elapsed:.0f}s<{left:.0f}s"
        else:
            text += f"{self.count} [{elapsed:.0f}s"
        text += f", {self.rate:.0f} {self.unit}/s]"
        text += "".join(f" {k}={v:.4g}" if isinstance(v, float) else f" {k}={v}" for k, v in self.fields.items())
        self.file.write(text + end)
        self.file.flush()

    def close(self):
        self._draw(time.perf_counter(), end="\n")
