"""Sync throughput over HTTP: applied changes per second sustained by concurrent devices.

The project's gunicorn (`fieldwork serve`, N processes of 4 threads) runs on 127.0.0.1 against
the benchmark database. Each simulated device is a thread with its own keep-alive connection and
its own technician (the benchmark's quarter, topped up to `--scope` work orders): it signs in
with a device id, first-syncs, then loops — push a batch of new notes, new time entries and
checklist answers on its own work, pull what changed — until the measuring window closes.
Loopback only; every loop is bounded by the window and by `--max-pushes`, and stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from bench.common import (
    WRITTEN_BY_SYNC,
    add_database_option,
    emit,
    progress,
    resolve_database_url,
    summary_ms,
    tidy,
)
from bench.datagen import PASSWORD
from bench.sync_fixtures import Bench, Tech, device_batch, fail, local_rows, open_bench, top_up

NAME = "sync-http"
DOC = "applied changes/s sustained by 20 devices pushing and pulling over HTTP (target ≥ 2,000)"
TARGET_PER_S = 2000.0
MIX = {"work_order_notes": 0.4, "time_entries": 0.3, "checklist_items": 0.3}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(bench: Bench, port: int, workers: int) -> subprocess.Popen:
    from bench.common import sqlalchemy_url
    env = {**os.environ, "DATABASE_URL": sqlalchemy_url(bench.url),
           "JWT_SECRET": os.urandom(24).hex(), "LOG_LEVEL": "WARNING",
           "FIELDWORK_QUEUE": f"bench-sync-{port}"}
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/2")
    return subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1",
                             "--port", str(port), "--workers", str(workers)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Client:
    """One keep-alive HTTP/1.1 connection to the server on loopback. The server closes a
    keep-alive connection it could not serve within its keep-alive time (all threads busy):
    like a phone, the client then reconnects and sends the request again (a push is
    idempotent, so a retried one is answered from its receipt)."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.token: str | None = None
        self.reconnects = 0

    def call(self, method: str, path: str, body: object = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = None if body is None else json.dumps(body).encode()
        for attempt in range(3):
            try:
                self.conn.request(method, path, body=payload, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                return response.status, (json.loads(data) if data else {})
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.reconnects += 1
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def wait_up(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if Client(port).call("GET", "/healthz")[0] == 200:
                return
        except (OSError, ValueError):
            time.sleep(0.3)
    fail("gunicorn did not come up")


@dataclass
class Device:
    tech: Tech
    port: int
    batch: int
    seed: int
    rows: dict = field(default_factory=dict)
    cursor: int = 0
    applied: int = 0
    rejected: int = 0
    errors: int = 0
    pushes: list = field(default_factory=list)
    pulls: list = field(default_factory=list)

    def start(self) -> None:
        self.client = Client(self.port)
        status, body = self.client.call("POST", "/api/v1/auth/login", {
            "email": self.tech.email, "password": PASSWORD,
            "device_id": f"bench-http-{self.tech.id}-{self.seed}"})
        if status != 200:
            fail(f"login of {self.tech.email} failed: {status} {body}")
        self.client.token = body["access_token"]
        self.pull()

    def pull(self) -> None:
        start = time.perf_counter()
        status, body = self.client.call("GET", f"/api/v1/sync/pull?last_pulled_at="
                                        f"{self.cursor or 'null'}&schema_version=1")
        self.pulls.append(time.perf_counter() - start)
        if status != 200:
            self.errors += 1
            return
        for table, local in local_rows(body["changes"]).items():
            self.rows.setdefault(table, {}).update(local)
        self.cursor = body["timestamp"]

    def push(self, rng: random.Random) -> None:
        counts = {table: round(self.batch * share) for table, share in MIX.items()}
        changes = device_batch(self.rows, counts, rng, int(time.time() * 1000))
        start = time.perf_counter()
        status, body = self.client.call("POST", f"/api/v1/sync/push?last_pulled_at="
                                        f"{self.cursor}", changes)
        self.pushes.append(time.perf_counter() - start)
        if status != 200:
            self.errors += 1
            return
        if body.get("replayed"):   # a retry of a push that had reached the server
            return
        self.applied += body["applied"]
        self.rejected += sum(map(len, body["experimentalRejectedIds"].values()))

    def run(self, gate: threading.Barrier, deadline: list[float], max_pushes: int) -> None:
        rng = random.Random(self.seed)
        gate.wait()
        for _ in range(max_pushes):
            if time.monotonic() >= deadline[0]:
                break
            try:
                self.push(rng)
                if time.monotonic() < deadline[0]:
                    self.pull()
            except (OSError, http.client.HTTPException, ValueError) as exc:
                self.errors += 1
                progress(f"device {self.tech.email}: {exc!r}")


def drive(devices: list[Device], seconds: float, max_pushes: int) -> float:
    """Run every device until the window closes; returns the window's length."""
    gate = threading.Barrier(len(devices) + 1)
    deadline = [float("inf")]
    threads = [threading.Thread(target=d.run, args=(gate, deadline, max_pushes), daemon=True)
               for d in devices]
    for t in threads:
        t.start()
    gate.wait()
    start = time.monotonic()
    deadline[0] = start + seconds
    for t in threads:
        t.join(timeout=seconds + 120)
    return time.monotonic() - start


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"fieldwork bench {NAME}", description=DOC)
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=40.0, help="measuring window")
    parser.add_argument("--batch", type=int, default=50, help="changes per push")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--scope", type=int, default=100, help="work orders per technician")
    parser.add_argument("--max-pushes", type=int, default=2000, help="bound per device")
    parser.add_argument("--seed", type=int, default=19)
    add_database_option(parser)
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    bench = open_bench(resolve_database_url(args.database_url))
    techs = bench.slice("http", args.devices)
    with Session(bench.engine) as session:
        for tech in techs:
            top_up(session, bench.org_id, tech.id, args.scope)
    bench.engine.dispose()
    port = _free_port()
    server = serve(bench, port, args.workers)
    seed = random.Random(args.seed).getrandbits(24)
    devices = [Device(t, port, args.batch, seed + n) for n, t in enumerate(techs)]
    try:
        wait_up(port)
        progress(f"{len(devices)} devices sign in and first-sync")
        for device in devices:
            device.start()
        load_before = os.getloadavg()[0]
        progress(f"measuring {args.seconds:.0f} s: push {args.batch} changes, then pull")
        cpu = time.process_time()
        window = drive(devices, args.seconds, args.max_pushes)
        cpu = time.process_time() - cpu   # the simulated devices' own share of the 2 cores
    finally:
        server.terminate()
        server.wait(timeout=30)
    tidy(bench.url, WRITTEN_BY_SYNC)
    applied = sum(d.applied for d in devices)
    rate = applied / window
    progress(f"{applied} changes applied in {window:.1f} s: {rate:.0f}/s")
    emit(NAME, bench.url, bench.dataset, {
        "devices": len(devices), "batch": args.batch, "gunicorn_workers": args.workers,
        "seconds": round(window, 1), "applied": applied, "applied_per_s": round(rate, 1),
        "pushes": sum(len(d.pushes) for d in devices),
        "pulls": sum(len(d.pulls) - 1 for d in devices),
        "rejected": sum(d.rejected for d in devices), "errors": sum(d.errors for d in devices),
        "reconnects": sum(d.client.reconnects for d in devices),
        "push_latency": summary_ms([s for d in devices for s in d.pushes]),
        "pull_latency": summary_ms([s for d in devices for s in d.pulls[1:]] or [0.0]),
        "client_cpu_s": round(cpu, 1), "loadavg_1m_before": round(load_before, 2),
        "target_per_s": TARGET_PER_S,
        "target_met": rate >= TARGET_PER_S})
    return 0
