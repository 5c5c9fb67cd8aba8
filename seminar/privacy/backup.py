"""Backups that restore: the database, the instance's secret key and a manifest in one archive.

SQLite is copied with its online backup API (a consistent copy while the app serves and
writes); PostgreSQL with `pg_dump --format=custom` (one snapshot). The archive is a gzip'd tar:

    manifest.json    format, format version, app version, database kind, sizes and checksums
    secret_key       the instance's key: sessions, CSRF and the door's offline copy stay valid
    database.sqlite3 | database.pgdump

A restore checks all of it before it touches anything, and only fills an empty database
unless forced.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url

from ..files import private_dir, private_file, sqlite_path, write_private
from ..version import __version__

FORMAT = "seminar-backup"
FORMAT_VERSION = 1
#: Tables whose rows make a database "not empty" for a restore.
DATA_TABLES = ("event", "registration", "user", "municipality")
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(Exception):
    """A backup that cannot be made or restored; the message says why and what to do."""


@dataclass(frozen=True)
class Result:
    manifest: dict
    path: Path


def database_kind(database_url: str) -> str:
    backend = make_url(database_url).get_backend_name()
    if backend not in DUMP_NAMES:
        raise BackupError(f"unsupported database: {backend}")
    return backend


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _libpq(database_url: str) -> tuple[str, dict]:
    """A libpq URL for pg_dump/pg_restore, the password in the environment, not the command line."""
    url = make_url(database_url)
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client (apt install postgresql-client)")
    return found


def _copy_sqlite(database_url: str, target: Path) -> dict[str, int]:
    """The online backup API: pages copied under SQLite's own locking, a consistent snapshot."""
    source_path = sqlite_path(database_url)
    if source_path is None or not source_path.exists():
        raise BackupError(f"no SQLite database at {source_path}")
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        tables = [row[0] for row in copy.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {t: copy.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        copy.close()
        source.close()


def _dump_postgresql(database_url: str, target: Path) -> None:
    url, env = _libpq(database_url)
    result = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                             "--file", str(target), "--dbname", url],
                            env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError("pg_dump failed: " + result.stderr.strip())


def make_backup(database_url: str, secret_key: str, out: Path) -> Result:
    """Write the archive to `out` (0600: it holds personal data and the secret key)."""
    kind = database_kind(database_url)
    with tempfile.TemporaryDirectory(prefix="seminar-backup-") as tmp:
        folder = Path(tmp)
        dump = folder / DUMP_NAMES[kind]
        counts = _copy_sqlite(database_url, dump) if kind == "sqlite" else None
        if kind == "postgresql":
            _dump_postgresql(database_url, dump)
        write_private(folder / "secret_key", secret_key.encode())
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "app_version": __version__,
            "database": kind, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": {name: {"sha256": _sha256(folder / name), "size": (folder / name).stat().st_size}
                      for name in (dump.name, "secret_key")},
            "rows": counts,
        }
        write_private(folder / "manifest.json", json.dumps(manifest, indent=2).encode())
        if not out.parent.exists():
            private_dir(out.parent)
        partial = out.with_name(out.name + ".part")
        private_file(partial)
        with tarfile.open(partial, "w:gz") as archive:
            for name in ("manifest.json", "secret_key", dump.name):
                archive.add(folder / name, arcname=name)
        partial.replace(out)  # a half-written archive never carries the final name
    return Result(manifest, out)


def _read_archive(archive_path: Path, folder: Path) -> dict:
    """Unpack and check the archive into `folder`; BackupError when it is not a good backup."""
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            members = {m.name: m for m in archive.getmembers() if m.isfile()}
            if "manifest.json" not in members:
                raise BackupError("not a seminar backup: no manifest.json")
            manifest = json.loads(archive.extractfile(members["manifest.json"]).read())  # type: ignore[union-attr]
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise BackupError("not a seminar backup (unknown manifest)")
            if not isinstance(manifest.get("format_version"), int) or manifest["format_version"] > FORMAT_VERSION:
                raise BackupError(f"backup format {manifest.get('format_version')} is newer than this "
                                  f"app reads ({FORMAT_VERSION}): update the app first")
            files = manifest.get("files") or {}
            for name, info in files.items():
                if name not in DUMP_NAMES.values() and name != "secret_key" or name not in members:
                    raise BackupError(f"damaged backup: {name} missing or unexpected")
                source = archive.extractfile(members[name])
                data = source.read() if source else b""
                if hashlib.sha256(data).hexdigest() != info.get("sha256"):
                    raise BackupError(f"damaged backup: {name} does not match its checksum")
                write_private(folder / name, data)
    except (tarfile.TarError, EOFError, OSError, zlib.error, json.JSONDecodeError, UnicodeDecodeError,
            AttributeError, TypeError) as exc:
        raise BackupError(f"not a seminar backup, or a damaged one ({exc.__class__.__name__})") from exc
    kind = manifest.get("database")
    if kind not in DUMP_NAMES or not (folder / DUMP_NAMES[kind]).exists() or not (folder / "secret_key").exists():
        raise BackupError("damaged backup: the database or the secret key is missing")
    if kind == "sqlite":
        _check_sqlite(folder / DUMP_NAMES[kind])
    return manifest


def _check_sqlite(path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
            has_schema = conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table' "
                                      "AND name IN ('event', 'registration')").fetchone()[0] == 2
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"damaged backup: the database does not open ({exc})") from exc
    if ok != "ok":
        raise BackupError("damaged backup: the database fails SQLite's integrity check")
    if not has_schema:
        raise BackupError("not a seminar backup: the database has no events or registrations tables")


def is_empty(engine: Engine) -> bool:
    """No events, registrations, accounts or municipalities (tables made by `db upgrade` are fine)."""
    existing = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return not any(conn.execute(text(f'SELECT 1 FROM "{t}" LIMIT 1')).first()
                       for t in DATA_TABLES if t in existing)


def restore_backup(archive_path: Path, engine: Engine, instance_path: str, *, force: bool = False) -> dict:
    """Fill the (empty) database from the archive and put its secret key into the instance folder."""
    target_kind = database_kind(engine.url.render_as_string(hide_password=False))
    with tempfile.TemporaryDirectory(prefix="seminar-restore-") as tmp:
        folder = Path(tmp)
        manifest = _read_archive(archive_path, folder)
        if manifest["database"] != target_kind:
            raise BackupError(f"this backup holds a {manifest['database']} database; this instance "
                              f"uses {target_kind}")
        if not force and not is_empty(engine):
            raise BackupError("the database is not empty: restore into a new instance, or add --force "
                              "to replace everything in it")
        url = engine.url.render_as_string(hide_password=False)
        engine.dispose()
        if target_kind == "sqlite":
            _restore_sqlite(folder / DUMP_NAMES["sqlite"], url)
        else:
            _restore_postgresql(folder / DUMP_NAMES["postgresql"], url)
        key = (folder / "secret_key").read_bytes()
        write_private(Path(instance_path) / "secret_key", key)
    return manifest


def _restore_sqlite(source_path: Path, database_url: str) -> None:
    target = sqlite_path(database_url)
    if target is None:
        raise BackupError("the target is not a SQLite file")
    private_file(target)
    source = sqlite3.connect(source_path)
    copy = sqlite3.connect(target, timeout=30)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


def _restore_postgresql(dump: Path, database_url: str) -> None:
    url, env = _libpq(database_url)
    result = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                             "--single-transaction", "--dbname", url, str(dump)],
                            env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError("pg_restore failed: " + result.stderr.strip())


def describe(manifest: dict) -> str:
    rows = manifest.get("rows") or {}
    counts = ", ".join(f"{t} {rows[t]}" for t in ("event", "registration", "checkin", "certificate") if t in rows)
    return (f"{manifest['database']} backup of {manifest['created_at']}, app {manifest['app_version']}"
            + (f": {counts}" if counts else ""))


