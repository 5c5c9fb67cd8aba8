"""Rate-limit counters every gunicorn worker shares when there is no Redis: a small SQLite file
in the instance folder, as a storage backend of the `limits` library (which Flask-Limiter uses).

`limits` finds a backend by the scheme of RATELIMIT_STORAGE_URI; this one is
`seminar-sqlite:///<path>`. Each increment is one UPSERT statement, atomic across processes
(SQLite's write lock, waited on for up to 5 s). With several machines behind a load balancer,
set SEMINAR_REDIS_URL instead: the file is shared only by the workers of one machine.
"""
from __future__ import annotations

import random
import sqlite3
import threading
import time
from pathlib import Path

from limits.storage import Storage

SCHEME = "seminar-sqlite"
_SCHEMA = """CREATE TABLE IF NOT EXISTS counter (
    key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires_at REAL NOT NULL)"""
_INCR = """INSERT INTO counter (key, value, expires_at) VALUES (:key, :amount, :expires)
ON CONFLICT (key) DO UPDATE SET
    value = CASE WHEN expires_at <= :now THEN :amount ELSE value + :amount END,
    expires_at = CASE WHEN expires_at <= :now THEN :expires ELSE expires_at END
RETURNING value"""


def storage_uri(instance_path: str) -> str:
    """RATELIMIT_STORAGE_URI of the shared file in the instance folder."""
    return f"{SCHEME}:///{Path(instance_path) / 'ratelimits.sqlite3'}"


class SQLiteStorage(Storage):
    """Fixed-window counters in one SQLite table (Flask-Limiter's default strategy)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions, **options)
        self.path = (uri or "").split("://", 1)[1] if uri and "://" in uri else ":memory:"
        self._local = threading.local()

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            # Counters are not worth an fsync per request (every rate-limited request writes one).
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(_SCHEMA)
            self._local.connection = connection
        return connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        db = self._db()
        (value,) = db.execute(_INCR, {"key": key, "amount": amount, "expires": now + expiry,
                                      "now": now}).fetchone()
        if value == amount and random.random() < 1 / 64:  # now and then, drop long-expired counters
            db.execute("DELETE FROM counter WHERE expires_at <= ?", (now - 3600,))
        return int(value)

    def get(self, key: str) -> int:
        row = self._db().execute("SELECT value FROM counter WHERE key = ? AND expires_at > ?",
                                 (key, time.time())).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._db().execute("SELECT expires_at FROM counter WHERE key = ? AND expires_at > ?",
                                 (key, time.time())).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self._db().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._db().execute("DELETE FROM counter").rowcount

    def clear(self, key: str) -> None:
        self._db().execute("DELETE FROM counter WHERE key = ?", (key,))
