"""The garbage collector's settings for a serving or importing process.

Measured under load (16 requests in flight, one worker): with CPython's default young threshold
(700 allocations) a young collection ran every 5 ms, so a request's objects outlived two of them
and reached the oldest generation. Full collections then ran twice a second, each walking the
~156,000 objects the app allocates at startup: a 65 ms pause for every request in flight, which
was most of the p99. See BENCHMARKS.md ("What changed at this stop (2026-12-02, later)", 1).
"""

import gc

# Allocations between young collections: most request objects are freed by reference counting
# before one runs, and none live long enough to be promoted.
YOUNG_THRESHOLD = 10_000
# For the command line's bulk work (import, export): a batch of 2,500 records allocates about
# that many objects, most of them alive until the batch is written. Collected every 10,000
# allocations they were walked again and again: 18.1 s of a 1M-stance import's 104 s of CPU;
# every 50,000, 1.3 s of 87 s (peak RSS 242 -> 263 MB; BENCHMARKS.md, W2).
BULK_YOUNG_THRESHOLD = 50_000


def settle(young_threshold: int = YOUNG_THRESHOLD) -> None:
    """Collect once, freeze what survives (modules, routes, compiled statements: never garbage),
    so that later full collections skip it; then collect the young generation less often."""
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young_threshold, young), middle, old)
