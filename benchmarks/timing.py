"""The one timing rule of every benchmark here: warm up once (compiles, touches memory), keep the best run."""
import time

def best_of(fn, repeats=5):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)
