"""The RQ worker entry point: connections are made per process, never inherited across fork."""

from __future__ import annotations

import logging

from rq import Worker
from rq.worker import SimpleWorker

from dispatch import db, queue
from dispatch.settings import Settings

log = logging.getLogger(__name__)


class FieldworkWorker(Worker):
    """Forks a work horse per job; the horse drops the parent's database sockets first."""

    def main_work_horse(self, job, queue):  # runs in the forked child
        db.dispose_after_fork()
        super().main_work_horse(job, queue)


def configure(settings: Settings) -> None:
    db.configure(settings.database_url, pool_size=2)
    queue.configure(settings.redis_url, settings.queue_name)


def run(settings: Settings, *, burst: bool = False, with_scheduler: bool = True,
        simple: bool = False) -> None:
    configure(settings)
    worker_cls = SimpleWorker if simple else FieldworkWorker
    worker = worker_cls([queue.queue()], connection=queue.connection())
    log.info("worker listening on %s (burst=%s)", settings.queue_name, burst)
    worker.work(burst=burst, with_scheduler=with_scheduler, logging_level=settings.log_level)
