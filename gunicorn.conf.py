"""gunicorn settings for operators: `gunicorn -c gunicorn.conf.py wsgi:app`.

The values live in api/gunicorn_app.py (shared with `fieldwork serve`): gthread workers with 4
threads, timeout 60 s, graceful_timeout 20 s, preload_app off; the app itself logs one JSON
access line per request with its X-Request-ID. Override here or on the command line
(`--workers 8`).

FIELDWORK_BIND (default 127.0.0.1:8000) and WEB_CONCURRENCY (default 2) pick the address and the
number of worker processes.
"""

import os

from api.gunicorn_app import settings

globals().update(settings(
    bind=os.environ.get("FIELDWORK_BIND", "127.0.0.1:8000"),
    workers=int(os.environ.get("WEB_CONCURRENCY", "2")),
))
