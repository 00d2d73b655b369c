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


def settle() -> None:
    """Collect once, freeze what survives (modules, routes, compiled statements: never garbage),
    so that later full collections skip it; then collect the young generation less often."""
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(YOUNG_THRESHOLD, young), middle, old)
