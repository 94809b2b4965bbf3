"""What the dispatch benchmarks (candidates, map-queries, location-pings) share: the real Flask
app in this process, on the benchmark database, signed in like a client, timing whole requests
(routing, token check, schema, service, SQL, JSON) — no network, no other process.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bench.common import like_a_server, sqlalchemy_url
from dispatch.settings import Settings

BENCH_PASSWORD = "fieldwork"   # bench.datagen.PASSWORD


def make_app(database_url: str):
    from api import create_app
    settings = Settings.from_env(
        database_url=sqlalchemy_url(database_url),
        redis_url=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        log_level="WARNING")   # no access log line per request in the measurement
    app = create_app(settings)
    like_a_server()   # as gunicorn's post_worker_init does once a worker has its app
    return app


class Client:
    def __init__(self, app, email: str):
        self.c = app.test_client()
        r = self.c.post("/api/v1/auth/login", json={"email": email, "password": BENCH_PASSWORD})
        if r.status_code != 200:
            raise SystemExit(f"cannot sign in as {email}: {r.status_code} {r.get_json()}")
        self.headers = {"Authorization": f"Bearer {r.get_json()['access_token']}"}

    def timed(self, method: str, url: str, **kw) -> tuple[float, object]:
        start = time.perf_counter()
        r = self.c.open(url, method=method, headers=self.headers, **kw)
        body = r.get_data()
        elapsed = time.perf_counter() - start
        if r.status_code >= 400:
            raise SystemExit(f"{method} {url}: {r.status_code} {body[:300]!r}")
        return elapsed, r


def load_average() -> list[float]:
    with open("/proc/loadavg", encoding="utf-8") as handle:
        return [float(x) for x in handle.read().split()[:3]]


@contextmanager
def noted_load() -> Iterator[dict]:
    """The 1/5/15-minute load averages before and after: the machine is shared."""
    note = {"load_before": load_average()}
    yield note
    note["load_after"] = load_average()
