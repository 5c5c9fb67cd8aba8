"""Checks behind /healthz: each answers quickly and never raises."""
from __future__ import annotations

import time
from typing import Any

from sqlalchemy import text

from ..extensions import db
from ..queue import huey


def _timed(check) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = check() or {}
        return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1), **result}
    except Exception as exc:  # noqa: BLE001  (a health check reports every failure)
        return {"ok": False, "error": type(exc).__name__}


def _database() -> None:
    db.session.execute(text("SELECT 1"))
    db.session.rollback()


def _redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()


def _queue() -> dict[str, Any]:
    return {"pending": huey.pending_count(), "scheduled": huey.scheduled_count()}


def health(redis_url: str | None) -> dict[str, Any]:
    """Database, Redis (when configured) and the queue; status ok, degraded (Redis) or down (database)."""
    report: dict[str, Any] = {"database": _timed(_database)}
    report["redis"] = _timed(lambda: _redis(redis_url)) if redis_url else {"ok": True, "configured": False}
    report["queue"] = _timed(_queue)
    if not report["database"]["ok"]:
        report["status"] = "down"
    elif not (report["redis"]["ok"] and report["queue"]["ok"]):
        report["status"] = "degraded"
    else:
        report["status"] = "ok"
    return report
