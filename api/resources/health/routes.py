"""Liveness and readiness for load balancers and orchestrators."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from dispatch import db, queue

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz():
    """The process is up (no dependencies checked)."""
    return jsonify(status="ok")


@blp.get("/readyz")
def readyz():
    """Ready to serve: PostgreSQL (with PostGIS) and Redis answer."""
    checks, ok = {}, True
    try:
        with db.engine().connect() as conn:
            checks["database"] = "ok"
            checks["postgis"] = conn.execute(text("SELECT postgis_lib_version()")).scalar()
    except Exception as exc:  # noqa: BLE001 - readiness reports, never raises
        checks["database"], ok = f"error: {type(exc).__name__}", False
    try:
        queue.connection().ping()
        checks["redis"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["redis"], ok = f"error: {type(exc).__name__}", False
    return jsonify(status="ok" if ok else "unavailable", checks=checks), 200 if ok else 503
