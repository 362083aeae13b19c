"""The examples run and print what their docs promise."""
import runpy
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

def run(name, capsys, *args):
    old = sys.argv
    sys.argv = [name, *args]
    try:
        runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    finally:
        sys.argv = old
    return capsys.readouterr().out

def test_pool2d_prints_the_seed_values(capsys):
    out = run("pool2d.py", capsys)
    assert "max_pool2d(img, 2)  shape [1, 2, 2, 2]" in out
    assert " 0.25  0.50  0.50  0.50  0.25" in out and " 2.25  4.50  4.50  4.50  2.25" in out
    assert "img.mean(3).mean(2) = [[1.5, 5.5]]" in out and "global_avg_pool2d(img) = [[1.5, 5.5]]" in out

def test_quickstart_learns_the_spiral(capsys):
    out = run("quickstart.py", capsys, "--steps", "200")
    last = out.strip().splitlines()[-1]
    assert float(last.split("accuracy")[1].strip().rstrip("%")) > 90
