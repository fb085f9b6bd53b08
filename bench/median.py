"""The timing the Python sides of the benchmarks share (median.mjs is the Node one)."""
import time


def median_seconds(fn, reps):
    """Median wall time in seconds of `reps` calls of `fn`, after one warm-up call."""
    fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]
