"""Upload → `ready` latency with one real RQ worker: a 12 MP photo is POSTed through the API
(Flask test client, real PostgreSQL, real Redis), a `fieldwork worker` process picks the job up,
and the clock stops when the photo's row says `ready`.

Photos are sent one at a time, so the figure is latency, not queueing under load. The row is
polled every 5 ms over one autocommit connection with a one-line SELECT (the poller shares the
machine's two cores with the API and the worker, so it must cost next to nothing). The JSON
line splits each photo's time into the API request (multipart, hash, checks, storage with fsync,
commit, enqueue) and the rest (the worker: dequeue, fork, decode, derivatives, commit).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from bench.common import add_database_option, emit, progress, resolve_database_url, summary_ms
from bench.media_fixtures import (
    MP12,
    bench_settings,
    load_average,
    phone_jpeg,
    prepare,
    signed_in_client,
    unique,
    upload,
)

NAME = "media-pipeline"
DOC = "12 MP upload → ready through the API and one real worker: p95 (target ≤ 1 s)"
TARGET_P95_MS = 1000.0
POLL_S = 0.005


def _start_worker(settings, media_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
           "FIELDWORK_QUEUE": settings.queue_name, "FIELDWORK_MEDIA_DIR": str(media_dir),
           "LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "-m", "api.cli", "worker"], env=env)


def _wait_ready(conn: psycopg.Connection, photo_id: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = conn.execute("SELECT status FROM photos WHERE id = %s", (photo_id,),
                              prepare=True).fetchone()[0]
        if status != "processing":
            return status
        time.sleep(POLL_S)
    return "timeout"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"fieldwork bench {NAME}", description=DOC)
    parser.add_argument("--photos", type=int, default=30)
    add_database_option(parser)
    args = parser.parse_args(argv)
    url = resolve_database_url(args.database_url)
    ids = prepare(url)
    with tempfile.TemporaryDirectory() as tmp, psycopg.connect(url, autocommit=True) as poll:
        settings = bench_settings(url, Path(tmp), f"media-bench-{uuid.uuid4().hex[:8]}")
        client, headers = signed_in_client(settings, ids)
        photo = phone_jpeg(MP12)
        worker = _start_worker(settings, Path(tmp))
        try:
            latencies, api, statuses, load_before = [], [], [], load_average()
            for n in range(args.photos + 1):  # the first one warms the worker up
                data = unique(photo, n)
                start = time.perf_counter()
                photo_id = upload(client, headers, ids["work_order_id"], data)["id"]
                accepted = time.perf_counter()
                statuses.append(_wait_ready(poll, photo_id))
                if n:
                    latencies.append(time.perf_counter() - start)
                    api.append(accepted - start)
                elapsed_ms = 1000 * (time.perf_counter() - start)
                progress(f"photo {n}: {statuses[-1]} in {elapsed_ms:.0f} ms "
                         f"(API {1000 * (accepted - start):.0f} ms)")
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    figures = summary_ms(latencies)
    emit(NAME, url, {"photo": {"pixels": list(MP12), "bytes": len(photo)}, "workers": 1},
         {**figures, "target_p95_ms": TARGET_P95_MS,
          "meets_target": figures["p95_ms"] <= TARGET_P95_MS,
          "api_request": summary_ms(api),
          "after_accept": summary_ms([t - a for t, a in zip(latencies, api, strict=True)]),
          "all_ready": all(s == "ready" for s in statuses),
          "load_average_before": load_before, "load_average_after": load_average()})
    return 0
