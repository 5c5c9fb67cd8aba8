"""The floor for the check-in benchmark (bare Flask + SQLite, one indexed SELECT and one INSERT)
and for the registration benchmark (a form in, one INSERT).

Served by gunicorn exactly like seminar (``bench.floor_checkin:create_app()``); the
database path comes from FLOOR_DB.  Nothing here is used by the app.
"""
from __future__ import annotations

import os
import sqlite3
import threading
from datetime import UTC, datetime

from flask import Flask, jsonify, request

SCHEMA = """
CREATE TABLE IF NOT EXISTS registration (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT);
CREATE TABLE IF NOT EXISTS person (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT);
CREATE TABLE IF NOT EXISTS checkin (id INTEGER PRIMARY KEY,
    registration_id INTEGER NOT NULL UNIQUE REFERENCES registration(id), checked_in_at TEXT);
"""


def connect(path: str) -> sqlite3.Connection:
    """The same pragmas as seminar: WAL, a busy timeout, synchronous=NORMAL."""
    conn = sqlite3.connect(path, timeout=15)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=15000")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def seed(path: str, people: list[tuple[str, str]]) -> None:
    """Create the floor's database with (badge code, name) rows."""
    conn = connect(path)
    conn.executescript(SCHEMA)
    conn.executemany("INSERT INTO registration (code, name) VALUES (?, ?)", people)
    conn.commit()
    conn.close()


def create_app() -> Flask:
    app = Flask(__name__)
    path = os.environ["FLOOR_DB"]
    local = threading.local()

    def db() -> sqlite3.Connection:
        if not hasattr(local, "conn"):
            local.conn = connect(path)
        return local.conn

    @app.post("/register")
    def register():
        """The registration benchmark's floor: a form in, one INSERT, a redirect out."""
        conn = db()
        conn.execute("INSERT INTO person (email, name) VALUES (?, ?)",
                     (request.form["email"], request.form["last_name"]))
        conn.commit()
        return "", 302, {"Location": "/"}

    @app.post("/checkin")
    def checkin():
        code = (request.get_json(force=True, silent=True) or {}).get("code")
        conn = db()
        row = conn.execute(
            "SELECT r.id, r.name, c.checked_in_at FROM registration r "
            "LEFT JOIN checkin c ON c.registration_id = r.id WHERE r.code = ?", (code,)).fetchone()
        if row is None:
            return jsonify({"status": "unknown_code"}), 404
        if row[2] is not None:
            return jsonify({"status": "already_checked_in", "name": row[1], "checked_in_at": row[2]})
        at = datetime.now(UTC).isoformat()
        try:
            conn.execute("INSERT INTO checkin (registration_id, checked_in_at) VALUES (?, ?)", (row[0], at))
            conn.commit()
        except sqlite3.IntegrityError:
            conn.rollback()
            return jsonify({"status": "already_checked_in", "name": row[1]})
        return jsonify({"status": "checked_in", "name": row[1], "checked_in_at": at}), 201

    return app
