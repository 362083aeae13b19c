"""`python -m tinygrad_pool.warmup`: where the compiled kernels live, whether they are there yet, and the warm-up
step that compiles them."""
import os
import subprocess
import sys

from tinygrad_pool import warmup

def test_an_empty_cache_is_cold_and_lies_where_numba_puts_it(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    probe = "from tinygrad_pool import warmup; print(warmup.is_cold()); print(warmup.cache_folder())"
    cold, folder = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                                  check=True).stdout.split("\n")[:2]
    assert cold == "True" and folder.startswith(str(tmp_path))

def test_the_warm_up_step_fills_the_cache(capsys):
    warmup.main([])
    printed = capsys.readouterr().out
    assert "compiling kernels for this CPU into" in printed and "done in" in printed
    assert not warmup.is_cold()

def test_on_a_cold_cache_the_backward_kernels_compile_in_a_second_process(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    probe = ("from tinygrad_pool import warmup; child = warmup.compile_backward_in_background(); print(child.args); "
             "child.kill()")
    started = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert "'-m', 'tinygrad_pool.warmup', '--backward'" in started.stdout

def test_on_a_warm_cache_nothing_starts_and_the_backward_warm_up_runs_in_process(capsys):
    warmup.main(["--quiet"])
    warmup.main(["--backward", "--quiet"])
    assert capsys.readouterr().out == ""
    assert not warmup.is_cold() and warmup.compile_backward_in_background() is None
