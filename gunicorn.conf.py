"""gunicorn settings for operators: `gunicorn -c gunicorn.conf.py wsgi:app`.

The values live in api/gunicorn_app.py (shared with `fieldwork serve`): gthread workers with 4
threads, timeout 60 s, graceful_timeout 20 s, preload_app off; the app itself logs one JSON
access line per request with its X-Request-ID. Override here or on the command line
(`--workers 8`).

From the environment (see docs/operations.md):
- FIELDWORK_BIND (default 127.0.0.1:8000): the address.
- WEB_CONCURRENCY (default 2): worker processes. Each runs Python under its own GIL, so the
  CPU-bound part of requests (multipart parsing, image checks, ORM) scales with processes, up to
  about one per core that the API may use.
- FIELDWORK_WEB_THREADS (default 4): threads per process. Threads overlap waits (PostgreSQL
  round trips and commits, fsync of uploaded photos, Redis, slow clients); each holds a database
  connection while it works, so processes × threads must stay below the database's
  connection budget (the pool allows 20 per process).
"""

import os

from api.gunicorn_app import settings

_settings = settings(
    bind=os.environ.get("FIELDWORK_BIND", "127.0.0.1:8000"),
    workers=int(os.environ.get("WEB_CONCURRENCY", "2")),
)
_settings["threads"] = int(os.environ.get("FIELDWORK_WEB_THREADS", _settings["threads"]))
globals().update(_settings)
