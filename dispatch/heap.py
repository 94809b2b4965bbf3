"""The cyclic garbage collector, set up for a long-running server process (API worker, RQ
worker parent).

Why: CPython's collector now and then walks every object it tracks. In a process holding the
app — modules, SQLAlchemy mappers and compiled statements, Flask, marshmallow schemas, some
170,000 objects — a full collection took 60–70 ms on the benchmark machine, a stall in the
middle of whichever request set it off: the push benchmark's p95 was 224–327 ms with those
stalls and 167 ms without (docs/benchmarks.md). What a process builds while starting lives as
long as the process, so walking it again and again finds nothing. `settle()`, called once the
process is ready to serve, collects once and *freezes* what is there (`gc.freeze`: moved to a
permanent generation the collector no longer walks; in a forking RQ parent this also keeps the
collector from writing to pages the work horses share). It also raises the youngest
generation's threshold: a push of 500 records allocates tens of thousands of objects, and
700 (the default) cut it into dozens of small collections.
"""

from __future__ import annotations

import gc

# Allocations (minus deallocations) of tracked objects between two young collections; the
# older generations keep their defaults (each runs after 10 of the one below).
YOUNG_THRESHOLD = 10_000


def settle() -> int:
    """Collect, freeze what survives and raise the young threshold; returns how many objects
    are frozen. Idempotent: a second call freezes only what appeared since."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
    return gc.get_freeze_count()
