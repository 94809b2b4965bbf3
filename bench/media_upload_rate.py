"""Photo uploads accepted per second by the API (processing may queue behind).

Real gunicorn on 127.0.0.1, started the way an operator starts it (`gunicorn -c gunicorn.conf.py
wsgi:app`, processes and threads from WEB_CONCURRENCY and FIELDWORK_WEB_THREADS), receives
multipart uploads of a 0.3 MP phone-style JPEG. Each upload is authenticated, validated, stored
content-addressed (fsynced), judged, recorded on the timeline, committed and its processing job
enqueued in Redis; no worker runs, so the figure is the API's acceptance rate alone.

The client runs on the same machine and competes with the server for its cores, so it is kept
as light as a client can be: every request (headers and multipart body, each with its own photo
id and bytes) is built before the clock starts, and each client thread sends them over one
keep-alive connection, as a phone's HTTP client pools its connection. A few uploads per server
thread warm the workers up first (their first request imports and configures lazily) and are not
counted. The JSON line says where the CPU went during the timed part — the client, the gunicorn
processes, the PostgreSQL backends serving the bench database (not the WAL writer or
checkpointer) and the whole machine (other users' work included) — so a reader can tell which
side was saturated.
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
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.common import add_database_option, emit, progress, resolve_database_url
from bench.media_fixtures import bench_settings, load_average, phone_jpeg, prepare, unique

NAME = "media-upload-rate"
DOC = "photo uploads accepted per second by gunicorn on loopback (target ≥ 100/s)"
TARGET_PER_S = 100.0
SIZE = (640, 480)
ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(settings, media_dir: Path, port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
           "FIELDWORK_QUEUE": settings.queue_name, "FIELDWORK_MEDIA_DIR": str(media_dir),
           "JWT_SECRET": settings.jwt_secret, "LOG_LEVEL": "WARNING",
           "FIELDWORK_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers),
           "FIELDWORK_WEB_THREADS": str(threads)}
    return subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                             "wsgi:app"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _request(port: int, method: str, path: str, body: bytes, headers: dict):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _wait_up(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if _request(port, "GET", "/healthz", b"", {})[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not come up")


def _sign_in(port: int, ids: dict) -> str:
    status, body = _request(port, "POST", "/api/v1/auth/login", json.dumps(
        {"email": ids["email"], "password": ids["password"]}).encode(),
        {"Content-Type": "application/json"})
    if status != 200:
        raise SystemExit(f"bench login failed: {status} {body[:200]!r}")
    return json.loads(body)["access_token"]


def raw_upload(port: int, path: str, token: str, data: bytes) -> bytes:
    """One complete HTTP/1.1 request: a multipart upload with a fresh photo id."""
    boundary = secrets.token_hex(16)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in (("id", secrets.token_hex(8)), ("kind", "after"))]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {token}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    return head + body


class KeepAlive:
    """A minimal HTTP/1.1 client on one socket: send a prepared request, read the status and the
    body (Content-Length), reconnect when the server closed the connection."""

    def __init__(self, port: int):
        self.port, self.sock, self.buffer = port, None, b""

    def _connect(self) -> None:
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def send(self, request: bytes) -> int:
        if self.sock is None:
            self._connect()
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            self._recv()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = dict(line.split(b":", 1) for line in lines[1:])
        length = int(headers.get(b"Content-Length", b"0"))
        while len(self.buffer) < length:
            self._recv()
        self.buffer = self.buffer[length:]
        if headers.get(b"Connection", b"").strip().lower() == b"close":
            self.close()
        return status

    def _recv(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection mid-response")
        self.buffer += chunk

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None


def _drive(port: int, requests: list[bytes], clients: int) -> tuple[list[int], float, float]:
    """Send every prepared request from `clients` threads, each on its own keep-alive
    connection; (status codes, wall seconds, client CPU seconds)."""
    codes: list[int] = []
    lock = threading.Lock()
    work = iter(requests)
    start_gate = threading.Barrier(clients + 1)

    def client():
        conn = KeepAlive(port)
        mine = []
        start_gate.wait()
        while True:
            with lock:
                request = next(work, None)
            if request is None:
                break
            mine.append(conn.send(request))
        conn.close()
        with lock:
            codes.extend(mine)
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    cpu = time.process_time()
    start_gate.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return codes, time.perf_counter() - start, time.process_time() - cpu


# --- where the CPU went ------------------------------------------------------------------------

def _tree(pid: int) -> list[int]:
    """`pid` and its descendants (gunicorn's arbiter and its workers)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as handle:
                todo += [int(c) for c in handle.read().split()]
        except OSError:
            pass
    return found


def _cpu(pids) -> dict[int, float]:
    """CPU seconds (user + system) of each process still alive."""
    seconds = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            seconds[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
        except OSError:
            pass
    return seconds


def _backends(database: str) -> list[int]:
    """PostgreSQL backends connected to `database` (their title names it)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    title = handle.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if title.startswith("postgres:") and f" {database} " in title:
                pids.append(int(entry))
    return pids


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two snapshots; a process born in between counts whole."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def _machine_busy() -> tuple[float, float]:
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"fieldwork bench {NAME}", description=DOC)
    parser.add_argument("--uploads", type=int, default=1000, help="timed request count")
    parser.add_argument("--clients", type=int, default=8, help="client threads (connections)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn process")
    parser.add_argument("--warmup", type=int, default=None,
                        help="uploads before the clock starts (default: 4 per server thread)")
    add_database_option(parser)
    args = parser.parse_args(argv)
    warmup = args.warmup if args.warmup is not None else 4 * args.workers * args.threads
    url = resolve_database_url(args.database_url)
    ids = prepare(url)
    photo = phone_jpeg(SIZE, quality=85)
    with tempfile.TemporaryDirectory() as tmp:
        settings = bench_settings(url, Path(tmp), f"media-rate-{uuid.uuid4().hex[:8]}")
        port = _free_port()
        server = _serve(settings, Path(tmp), port, args.workers, args.threads)
        try:
            _wait_up(port)
            token = _sign_in(port, ids)
            path = f"/api/v1/work-orders/{ids['work_order_id']}/photos"
            requests = [raw_upload(port, path, token, unique(photo, n))
                        for n in range(warmup + args.uploads)]
            if warmup:
                progress(f"warming up with {warmup} uploads")
                _drive(port, requests[:warmup], args.clients)
            progress(f"{args.uploads} uploads from {args.clients} keep-alive clients to "
                     f"{args.workers} × {args.threads} gunicorn threads")
            database = make_url(url).database
            before = (_cpu(_tree(server.pid)), _cpu(_backends(database)), _machine_busy())
            load_before = load_average()
            codes, seconds, client_cpu = _drive(port, requests[warmup:], args.clients)
            after = (_cpu(_tree(server.pid)), _cpu(_backends(database)), _machine_busy())
        finally:
            server.terminate()
            server.wait(timeout=30)
    accepted = sum(1 for c in codes if c == 201)
    rate = accepted / seconds
    busy = (after[2][0] - before[2][0]) / max(1, after[2][1] - before[2][1])
    emit(NAME, url, {"photo": {"pixels": list(SIZE), "bytes": len(photo)}},
         {"uploads": args.uploads, "accepted": accepted, "seconds": round(seconds, 2),
          "accepted_per_s": round(rate, 1), "target_per_s": TARGET_PER_S,
          "meets_target": rate >= TARGET_PER_S, "gunicorn_workers": args.workers,
          "gunicorn_threads": args.threads, "client_threads": args.clients,
          "warmup_uploads": warmup,
          "statuses": {str(c): codes.count(c) for c in set(codes)},
          "cpu_ms_per_upload": {
              "client": round(1000 * client_cpu / len(codes), 2),
              "gunicorn": round(1000 * _spent(before[0], after[0]) / len(codes), 2),
              "postgres_backends": round(1000 * _spent(before[1], after[1]) / len(codes), 2)},
          "machine_cpu_busy_pct": round(100 * busy, 1),
          "load_average_before": load_before, "load_average_after": load_average()})
    return 0
