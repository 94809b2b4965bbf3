"""The RQ worker entry point: connections are made per process, never inherited across fork.

The worker forks a work horse per job, so a crash in a native decoder (Pillow, libheif) kills only
that job. What a horse needs and does not change — the job modules and their heavy imports
(Pillow and its plugins, pillow-heif, the SQLAlchemy models), the configured mappers, the
database dialect's first-connect state — is loaded once in the parent (`preload`) and shared with
every horse copy-on-write, instead of being imported again for each job. Only sockets are not
shared: the parent closes its database connection before it forks, and each horse drops the
engine's pool (`db.dispose_after_fork`) and opens its own connection.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Iterable

from rq import Worker
from rq.worker import SimpleWorker

from dispatch import db, heap, queue
from dispatch.settings import Settings

log = logging.getLogger(__name__)


class FieldworkWorker(Worker):
    """Forks a work horse per job; the horse drops the parent's database sockets first."""

    def main_work_horse(self, job, queue):  # runs in the forked child
        db.dispose_after_fork()
        super().main_work_horse(job, queue)


def configure(settings: Settings) -> None:
    db.configure(settings.database_url, pool_size=2,
                 idle_in_transaction_s=settings.db_idle_in_transaction_s)
    queue.configure(settings.redis_url, settings.queue_name)


def preload(modules: Iterable[str]) -> list[str]:
    """Import job modules in the worker parent, by name (dispatch may not import the packages
    above it), and run their optional `warm()` (module-level, no arguments, no connections
    kept). Then initialise the database dialect once and close the connection again, so a horse
    neither imports nor runs the dialect's first-connect queries per job."""
    loaded = []
    start = time.perf_counter()
    for name in modules:
        module = importlib.import_module(name)
        warm = getattr(module, "warm", None)
        if callable(warm):
            warm()
        loaded.append(name)
    with db.engine().connect():
        pass  # first connect: server version, encodings, isolation level... cached on the dialect
    db.engine().dispose()  # no socket of the parent's survives into a horse
    log.info("preloaded %s in %.0f ms", ", ".join(loaded) or "nothing",
             1000 * (time.perf_counter() - start))
    return loaded


def run(settings: Settings, *, burst: bool = False, with_scheduler: bool = True,
        simple: bool = False, preload_modules: Iterable[str] = ()) -> None:
    configure(settings)
    preload(preload_modules)
    heap.settle()   # what preload built is shared with every horse and never garbage
    worker_cls = SimpleWorker if simple else FieldworkWorker
    worker = worker_cls([queue.queue()], connection=queue.connection())
    log.info("worker listening on %s (burst=%s)", settings.queue_name, burst)
    worker.work(burst=burst, with_scheduler=with_scheduler, logging_level=settings.log_level)
