"""The garbage collector's settings for a serving or importing process.

Under load, CPython's default young threshold (700 allocations) collects so often that a
request's objects outlive two young collections and reach the oldest generation. Full
collections then run often, each walking every object the app allocated at startup while every
request in flight waits: the tail of the latency is theirs. Fewer young collections let reference
counting free a request's objects first; freezing what startup allocated keeps it out of the walk.
"""

import gc

# The collector's thresholds (young, middle, old). Serving: most request objects are freed by
# reference counting before a young collection runs, and none live long enough to be promoted.
SERVING = (10_000, 10, 10)
# For the command line's bulk work (import, export): a batch of 2,500 records keeps about
# 50,000 objects alive until it is written. A young generation at least twice that size lets
# reference counting free a batch before a collection walks it; a smaller one walks the same
# live objects again and again, and promotes them for the older generations to walk too
# (those are spaced out as well).
BULK = (100_000, 50, 100)


def settle(thresholds: tuple[int, int, int] = SERVING) -> None:
    """Collect once, freeze what survives (modules, routes, compiled statements: never garbage),
    so that later full collections skip it; then collect each generation less often."""
    gc.collect()
    gc.freeze()
    now = gc.get_threshold()
    gc.set_threshold(*(max(wanted, at) for wanted, at in zip(thresholds, now, strict=True)))
