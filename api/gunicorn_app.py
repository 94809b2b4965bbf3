"""gunicorn, run from Python (`fieldwork serve`) with the settings `gunicorn.conf.py` also uses, so
`fieldwork serve` and `gunicorn -c gunicorn.conf.py wsgi:app` behave the same."""

from __future__ import annotations

import os

from gunicorn.app.base import BaseApplication

from dispatch import heap


def settings(bind: str = "127.0.0.1:8000", workers: int = 2) -> dict[str, object]:
    """The one place gunicorn is tuned; values are gunicorn setting names."""
    return {
        "bind": bind,
        "workers": workers,
        # Threads absorb slow clients and I/O waits (database, Redis, photo uploads) without a
        # process each; the app holds no per-thread state beyond Flask's request context.
        "worker_class": "gthread",
        "threads": 4,
        "timeout": 60,
        "graceful_timeout": 20,
        "keepalive": 5,
        # Each worker builds its own app, so engines and Redis pools are never shared over fork.
        "preload_app": False,
        # The app writes one JSON access line per request itself (api/observability.py, with
        # the request id and duration); gunicorn's own access log would only repeat it.
        "accesslog": None,
        "errorlog": "-",
        "proc_name": "fieldwork-api",
        # gunicorn >= 25.1 opens one control socket per user ($HOME/.gunicorn/gunicorn.ctl) by
        # default: a second instance (another checkout, a benchmark) would fight over it.
        "control_socket_disable": True,
        # Worker heartbeats on tmpfs: a slow or overlay disk must not make workers look hung.
        "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,
        # Once a worker has built its app: freeze what start-up made, so the garbage collector
        # stops walking it in the middle of requests (dispatch/heap.py).
        "post_worker_init": settle_heap,
    }


def settle_heap(worker) -> None:
    """gunicorn's post_worker_init hook (runs in the worker, after the app is loaded)."""
    frozen = heap.settle()
    worker.log.debug("froze %d start-up objects", frozen)


class _FieldworkApplication(BaseApplication):
    def __init__(self, options: dict[str, object]):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if value is not None and key in self.cfg.settings:  # older gunicorn lacks some
                self.cfg.set(key, value)

    def load(self):
        from api import create_app  # in the worker (preload_app=False), after the fork
        return create_app()


def run_gunicorn(host: str = "127.0.0.1", port: int = 8000, workers: int = 2) -> None:
    """Serve until SIGTERM (graceful) or SIGINT; gunicorn's arbiter exits the process."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    _FieldworkApplication(settings(bind, workers)).run()
