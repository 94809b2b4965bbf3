"""Photo uploads accepted per second by the API (processing may queue behind).

Real gunicorn on 127.0.0.1 (the project's gunicorn app, N processes) receives multipart uploads
of a 0.3 MP phone-style JPEG from a few client threads for a bounded number of requests. Each
upload is validated, stored content-addressed, hashed onto the timeline and its processing job
enqueued in Redis; no worker runs, so the figure is the API's acceptance rate alone.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.common import add_database_option, emit, progress, resolve_database_url
from bench.media_fixtures import bench_settings, load_average, phone_jpeg, prepare, unique

NAME = "media-upload-rate"
DOC = "photo uploads accepted per second by gunicorn on loopback (target ≥ 100/s)"
TARGET_PER_S = 100.0
SIZE = (640, 480)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(settings, media_dir: Path, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
           "FIELDWORK_QUEUE": settings.queue_name, "FIELDWORK_MEDIA_DIR": str(media_dir),
           "JWT_SECRET": settings.jwt_secret, "LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1",
                             "--port", str(port), "--workers", str(workers)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _request(port: int, method: str, path: str, body: bytes, headers: dict):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _multipart(data: bytes) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in (("id", secrets.token_hex(8)), ("kind", "after"))]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _wait_up(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if _request(port, "GET", "/healthz", b"", {})[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not come up")


def _drive(port: int, ids: dict, bodies: list, clients: int) -> tuple[list[int], float]:
    """Sign in, then send every body from `clients` threads; (status codes, seconds)."""
    _, body = _request(port, "POST", "/api/v1/auth/login", json.dumps(
        {"email": ids["email"], "password": ids["password"]}).encode(),
        {"Content-Type": "application/json"})
    token = json.loads(body)["access_token"]
    path = f"/api/v1/work-orders/{ids['work_order_id']}/photos"

    def send(item):
        payload, content_type = item
        return _request(port, "POST", path, payload, {
            "Authorization": f"Bearer {token}", "Content-Type": content_type})[0]
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        codes = list(pool.map(send, bodies))
    return codes, time.perf_counter() - start


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"fieldwork bench {NAME}", description=DOC)
    parser.add_argument("--uploads", type=int, default=600, help="bounded request count")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    add_database_option(parser)
    args = parser.parse_args(argv)
    url = resolve_database_url(args.database_url)
    ids = prepare(url)
    photo = phone_jpeg(SIZE, quality=85)
    bodies = [_multipart(unique(photo, n)) for n in range(args.uploads)]
    with tempfile.TemporaryDirectory() as tmp:
        settings = bench_settings(url, Path(tmp), f"media-rate-{uuid.uuid4().hex[:8]}")
        port = _free_port()
        server = _serve(settings, Path(tmp), port, args.workers)
        try:
            _wait_up(port)
            progress(f"{args.uploads} uploads from {args.clients} clients")
            load_before = load_average()
            codes, seconds = _drive(port, ids, bodies, args.clients)
        finally:
            server.terminate()
            server.wait(timeout=30)
    accepted = sum(1 for c in codes if c == 201)
    rate = accepted / seconds
    emit(NAME, url, {"photo": {"pixels": list(SIZE), "bytes": len(photo)}},
         {"uploads": args.uploads, "accepted": accepted, "seconds": round(seconds, 2),
          "accepted_per_s": round(rate, 1), "target_per_s": TARGET_PER_S,
          "meets_target": rate >= TARGET_PER_S, "gunicorn_workers": args.workers,
          "client_threads": args.clients, "statuses": {str(c): codes.count(c) for c in set(codes)},
          "load_average_before": load_before, "load_average_after": load_average()})
    return 0
