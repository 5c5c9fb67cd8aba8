"""One writer at a time per process on SQLite, waiting on a Python lock instead of SQLite's busy handler.

SQLite lets one transaction write at a time. A writer that finds the database locked waits in
SQLite's busy handler, which sleeps in growing steps (up to 100 ms) and checks again: under a
burst of registrations, a thread can sleep long after the lock came free, and a few wait seconds
(measured: p99 1.6 s at 8 clients). Here the threads of one app process queue on a Python lock
and are woken the moment it is free, so at most one writer per process meets SQLite's handler.

`take()` is called just before a transaction's first write (the seat lock does); the lock is let go
when the session's outermost transaction ends (commit, rollback or close). A connection already
in a write transaction does not take it (it holds SQLite's lock already, and waiting here could
then wait on a thread that waits on us). Not used on PostgreSQL, whose row locks queue fairly.
"""
from __future__ import annotations

import threading

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from .extensions import db

_LOCK = threading.Lock()
_HELD = "seminar.sqlite_writer"
#: Longer than a seat transaction can take; after it the writer goes on to SQLite's own wait.
WAIT_SECONDS = 10.0


def take() -> None:
    """Queue behind this process's other SQLite writers until the current transaction ends."""
    session = db.session()
    if session.info.get(_HELD) or session.get_bind().dialect.name != "sqlite":
        return
    dbapi = session.connection().connection.dbapi_connection
    if dbapi is None or getattr(dbapi, "in_transaction", False):
        return
    _install(session)
    if _LOCK.acquire(timeout=WAIT_SECONDS):
        session.info[_HELD] = True


def _let_go(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and session.info.pop(_HELD, False):
        _LOCK.release()


def _install(session: Session) -> None:
    if not event.contains(Session, "after_transaction_end", _let_go):
        event.listen(Session, "after_transaction_end", _let_go)
