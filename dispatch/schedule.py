"""Periodic jobs, run by RQ's cron scheduler (`fieldwork scheduler`).

The scheduler only enqueues; workers run the jobs. Several schedulers may run: RQ's cron
scheduler registry makes sure each job is enqueued once per tick.
"""

from __future__ import annotations

import logging

from rq.cron import CronScheduler

from dispatch import jobs, locations, queue
from dispatch.settings import Settings

log = logging.getLogger(__name__)

# (function, cron expression, kwargs); jobs of packages above dispatch go by name via enqueue_now
PERIODIC = [
    (jobs.purge_ended_sessions, "17 * * * *", {"keep_days": 7}),
    (locations.purge_breadcrumbs, "41 3 * * *", {}),  # FIELDWORK_BREADCRUMB_RETENTION_DAYS
    (queue.enqueue_now, "*/15 * * * *", {"func": "media.jobs.expire_uploads"}),
    # finished work leaves phones when FIELDWORK_SYNC_FINISHED_DAYS have passed
    (queue.enqueue_now, "29 * * * *", {"func": "sync.aging.age_out_finished_work"}),
]


def build(settings: Settings) -> CronScheduler:
    queue.configure(settings.redis_url, settings.queue_name)
    scheduler = CronScheduler(connection=queue.connection(), logging_level=settings.log_level,
                              name="fieldwork")
    for func, cron, kwargs in PERIODIC:
        scheduler.register(func, queue_name=settings.queue_name, kwargs=kwargs, cron=cron)
    return scheduler


def run(settings: Settings) -> None:
    scheduler = build(settings)
    log.info("scheduler started with %d periodic jobs", len(PERIODIC))
    scheduler.start()
