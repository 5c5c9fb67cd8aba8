"""The background queue (Huey): mail, bulk PDFs, big exports, imports and scheduled tasks.

Storage: Redis when SEMINAR_REDIS_URL is set, otherwise a SQLite file in the instance folder,
so the web workers and `flask --app seminar worker` (which `make run` starts beside them)
share it. Tests run tasks at once, in memory (`huey.immediate`, set in tests/conftest.py).

A feature declares its jobs with `@job` / `@periodic_job` in its own `jobs.py`, and its
`register(app)` imports that module (see docs/ARCHITECTURE.md). A job body runs inside an app
context: the request's when the queue runs immediately, or the worker's own app.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, has_app_context
from huey import RedisHuey, SqliteHuey
from huey.api import Huey
from huey.storage import SqliteStorage

from .config import instance_path_from_env
from .files import private_dir, private_file


class _SqliteStorage(SqliteStorage):
    """Huey's SQLite queue with the app database's durability: WAL and synchronous=NORMAL, so an
    enqueue (one per registration: the mail queue's wake-up) does not wait on an fsync while
    every other thread of the process waits on huey's connection lock. A crash of the process
    loses nothing; a power cut may lose the last moment of jobs, as it may the app's own last
    commits, and the worker's periodic sweeps redo what matters (mail due, holds lapsed)."""

    def _create_connection(self):
        conn = super()._create_connection()
        conn.execute("pragma synchronous=1")
        return conn


def _make_huey() -> Huey:
    redis_url = os.environ.get("SEMINAR_REDIS_URL")
    if redis_url:
        return RedisHuey("seminar", url=redis_url)
    instance = private_dir(instance_path_from_env())
    return SqliteHuey("seminar", filename=str(private_file(instance / "queue.sqlite3")),
                      storage_class=_SqliteStorage)


huey = _make_huey()
_worker_app: Flask | None = None

#: The worker's CPU priority (Unix nice value): a 20,000-badge PDF keeps a core busy for a
#: minute, and door scans on the same machine must not queue behind it (docs/performance.md).
WORKER_NICE = 10


def lower_priority(niceness: int) -> int:
    """Run this process (on Linux: this thread and the threads it starts later) at `niceness`
    or lower priority, never higher than it already is; the nice value it now has."""
    if not hasattr(os, "setpriority"):  # not a Unix
        return 0
    if niceness > os.getpriority(os.PRIO_PROCESS, 0):
        os.setpriority(os.PRIO_PROCESS, 0, min(niceness, 19))
    return os.getpriority(os.PRIO_PROCESS, 0)


def release_memory() -> bool:
    """Hand the C heap's free pages back to the system (glibc's malloc_trim); False elsewhere.

    A 20,000-badge PDF grows the worker by a few hundred MB of objects that are freed when the
    job ends, but glibc keeps the pages for reuse; the worker would hold them until it restarts."""
    import ctypes
    import ctypes.util
    import gc

    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS)
        return False

    gc.collect()
    trim(0)
    return True


def worker_app() -> Flask:
    """The app a job runs in when no app context is active (in the worker process)."""
    global _worker_app
    if _worker_app is None:
        from . import create_app

        _worker_app = create_app()
    return _worker_app


def use_app(app: Flask) -> None:
    """Run the jobs of this process in `app` (the worker command's own app)."""
    global _worker_app
    _worker_app = app


def _in_app_context(fn: Callable) -> Callable:
    @wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            return fn(*args, **kwargs)
        with worker_app().app_context():
            return fn(*args, **kwargs)

    return run


def job(**options: Any) -> Callable:
    """A queue task (Huey's `task` options: retries, retry_delay, priority…)."""

    def decorate(fn: Callable) -> Any:
        return huey.task(name=fn.__qualname__, **options)(_in_app_context(fn))

    return decorate


def periodic_job(validate_datetime: Callable, **options: Any) -> Callable:
    """A task the worker runs on a schedule, e.g. `periodic_job(crontab(minute="*/5"))`."""

    def decorate(fn: Callable) -> Any:
        return huey.periodic_task(validate_datetime, name=fn.__qualname__,
                                  **options)(_in_app_context(fn))

    return decorate
