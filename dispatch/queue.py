"""RQ plumbing: one queue factory, enqueue-after-commit, JSON-only job arguments."""

from __future__ import annotations

import json
from functools import lru_cache

from redis import Redis
from rq import Queue, Retry
from sqlalchemy.orm import Session

from dispatch import db

_redis_url: str | None = None
_queue_name = "fieldwork"


def configure(redis_url: str, queue_name: str = "fieldwork") -> None:
    global _redis_url, _queue_name
    _redis_url, _queue_name = redis_url, queue_name
    connection.cache_clear()


@lru_cache(maxsize=1)
def connection() -> Redis:
    if not _redis_url:
        raise RuntimeError("queue not configured: call dispatch.queue.configure() first")
    return Redis.from_url(_redis_url)


def queue(name: str | None = None) -> Queue:
    return Queue(name or _queue_name, connection=connection())


def enqueue_now(func: str, *args, job_id: str | None = None, retries: int = 3, **kwargs):
    """Enqueue by dotted path with JSON-serialisable arguments (ids, not objects)."""
    json.dumps([args, kwargs])  # refuse anything a job could not take across processes
    return queue().enqueue(
        func, *args, job_id=job_id, retry=Retry(max=retries, interval=[5, 30, 120]),
        **kwargs,
    )


def enqueue_after_commit(session: Session, func: str, *args, job_id: str | None = None,
                         **kwargs) -> None:
    """Enqueue once the session's transaction commits, so the job sees the committed rows."""
    json.dumps([args, kwargs])
    db.after_commit(session, lambda: enqueue_now(func, *args, job_id=job_id, **kwargs))
