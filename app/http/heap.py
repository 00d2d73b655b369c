"""The garbage collector's settings for a serving or importing process.

Under load, CPython's default young threshold (700 allocations) collects so often that a
request's objects outlive two young collections and reach the oldest generation. Full
collections then run often, each walking every object the app allocated at startup while every
request in flight waits: the tail of the latency is theirs. Fewer young collections let reference
counting free a request's objects first; freezing what startup allocated keeps it out of the walk.
"""

import gc

# Allocations between young collections: most request objects are freed by reference counting
# before one runs, and none live long enough to be promoted.
YOUNG_THRESHOLD = 10_000
# For the command line's bulk work (import, export): a batch of 2,500 records allocates about
# that many objects, most of them alive until the batch is written. Collected every 10,000
# allocations they would be walked again and again; a young generation the size of a batch
# walks each once, for a little more memory at the peak.
BULK_YOUNG_THRESHOLD = 50_000


def settle(young_threshold: int = YOUNG_THRESHOLD) -> None:
    """Collect once, freeze what survives (modules, routes, compiled statements: never garbage),
    so that later full collections skip it; then collect the young generation less often."""
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young_threshold, young), middle, old)
