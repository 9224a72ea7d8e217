"""The clock the PyTorch twins share: the median of repeated calls after a warm-up."""
import statistics
import time


def median_ms(op, rounds, warmup):
    """Calls op `warmup` times, then `rounds` times timed; returns the median call in milliseconds."""
    for _ in range(warmup):
        op()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        op()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)
