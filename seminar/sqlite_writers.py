"""SQLite writers that matter (seat decisions, door scans) one at a time, queued on locks that wake the next at once
instead of SQLite's busy handler.

SQLite lets one transaction write at a time. A writer that finds the database locked waits in
SQLite's busy handler, which sleeps in growing steps (1, 2, 5, 10 … up to 100 ms) and checks again:
under a burst of registrations a writer sleeps long after the lock came free, while the next
thread of the process that holds it takes it again (measured: p99 1.6 s at 8 clients). So:

- the threads of one app process queue on a Python lock, woken the moment it is free;
- the one thread per process that got it then takes an exclusive `flock` on a file beside the
  database, shared by every gunicorn worker of the machine. It asks again every fraction of a
  millisecond, far sooner than SQLite's handler would.

`take()` is called just before a transaction's first write (the seat lock does); a door scan's
INSERT on its own connection runs inside `queued(connection)`, so a burst of registrations cannot
starve it (a scan left to SQLite's busy handler waited up to 2 s). Both locks are
let go as soon as the transaction has committed or rolled back, before any after-commit work (the
mail queue's wake-up), and in any case when the session's outermost transaction ends. A connection
already in a write transaction does not take them (it holds SQLite's lock already, and waiting here
could then wait on a thread that waits on us). A writer that waited `WAIT_SECONDS` goes on to
SQLite's own wait. Not used on PostgreSQL, whose row locks queue fairly.
"""
from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, event
from sqlalchemy.orm import Session, SessionTransaction

from .extensions import db

_LOCK = threading.Lock()
_HELD = "seminar.sqlite_writer"
#: Longer than a seat transaction can take; after it the writer goes on to SQLite's own wait.
WAIT_SECONDS = 10.0
#: How often a writer asks for the machine-wide lock again while another process holds it.
POLL_SECONDS = 0.0003

#: The lock file of each database this process writes to: path -> (pid, descriptor).
_files: dict[str, tuple[int, int]] = {}
_files_lock = threading.Lock()


def lock_path(database: str) -> str:
    return f"{database}.writer-lock"


def _descriptor(database: str | None) -> int | None:
    """This process's descriptor of the database's lock file (opened again after a fork)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    with _files_lock:
        pid, fd = _files.get(database, (None, -1))
        if pid != os.getpid():
            fd = os.open(lock_path(database), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            _files[database] = (os.getpid(), fd)
        return fd


def _flock(fd: int, deadline: float) -> bool:
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)


def take() -> None:
    """Queue behind the machine's other seat-lock writers until the current transaction ends."""
    session = db.session()
    if session.info.get(_HELD) is not None or session.get_bind().dialect.name != "sqlite":
        return
    connection = session.connection()
    held = _enter(connection.engine.url.database) if _before_first_write(connection) else None
    if held is not None:
        session.info[_HELD] = held


@contextmanager
def queued(connection: Connection) -> Iterator[None]:
    """The same queue for a short write on a Core connection of its own: the door's scan (its
    INSERT and commit inside the block). Without it a scan sleeps in SQLite's busy handler while
    a burst of registrations hands the lock from one to the next (measured: p99 0.9 s, 1.8 s at worst)."""
    held = _enter(connection.engine.url.database) if _before_first_write(connection) else None
    try:
        yield
    finally:
        if held is not None:
            _leave(held)


def _before_first_write(connection: Connection) -> bool:
    """A SQLite connection that has not written yet in its transaction. (SQLAlchemy's transaction
    may have begun with a read; SQLite's own begins with the first write.)"""
    if connection.dialect.name != "sqlite":
        return False
    dbapi = connection.connection.dbapi_connection
    return dbapi is not None and not getattr(dbapi, "in_transaction", False)


def _enter(database: str | None) -> int | None:
    """Queue for both locks. None when the process's lock was not had in time (the writer goes on
    to SQLite's own wait); else the lock file's descriptor, or -1 when there is none."""
    deadline = time.monotonic() + WAIT_SECONDS
    if not _LOCK.acquire(timeout=WAIT_SECONDS):
        return None
    fd = _descriptor(database)
    return fd if fd is not None and _flock(fd, deadline) else -1


def _leave(held: int) -> None:
    if held >= 0:
        fcntl.flock(held, fcntl.LOCK_UN)
    _LOCK.release()


def release(session: Session) -> None:
    """Let the next writer in (idempotent)."""
    held = session.info.pop(_HELD, None)
    if held is not None:
        _leave(held)


def _at_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        release(session)


def install_hooks() -> None:
    """Let go right after the commit or rollback, ahead of the app's other after-commit hooks
    (create_app calls it before they are installed), and at the end of the transaction whatever
    happened."""
    target = db.session
    for name in ("after_commit", "after_rollback"):
        if not event.contains(target, name, release):
            event.listen(target, name, release, insert=True)
    if not event.contains(Session, "after_transaction_end", _at_end):
        event.listen(Session, "after_transaction_end", _at_end)
