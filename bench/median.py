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


def median_block_seconds(fn, calls, blocks):
    """Median over `blocks` blocks of `calls` calls of `fn` of the block's wall time / calls,
    in seconds per call, after one warm-up block."""
    times = []
    for b in range(blocks + 1):
        t = time.perf_counter()
        for _ in range(calls):
            fn()
        if b:
            times.append((time.perf_counter() - t) / calls)
    times.sort()
    return times[len(times) // 2]
