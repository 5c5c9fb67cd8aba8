"""Files that hold personal data or secrets: readable by the app's own user only.

The instance folder is 0700; the database, the secret key, the TLS key, the queue's file and
the outbox's messages are 0600 (152-FZ: personal data is not left world-readable).
"""
from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path


def private_dir(path: str | os.PathLike) -> Path:
    """Create the folder (and its parents) if needed and make it 0700."""
    folder = Path(path)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with suppress(OSError):  # a folder we do not own (a mounted volume): leave it as it is
        folder.chmod(0o700)
    return folder


def private_file(path: str | os.PathLike) -> Path:
    """Create the file empty if missing and make it 0600 (before anything writes into it)."""
    file = Path(path)
    if not file.exists():
        os.close(os.open(file, os.O_WRONLY | os.O_CREAT, 0o600))
    with suppress(OSError):
        file.chmod(0o600)
    return file


def write_private(path: str | os.PathLike, data: bytes) -> Path:
    """Write a file that is 0600 from its first byte."""
    file = Path(path)
    fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    file.chmod(0o600)
    return file


def sqlite_path(database_url: str) -> Path | None:
    """The file of a sqlite:/// URL, None for another database or an in-memory one."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def protect_sqlite(database_url: str) -> None:
    """Make a SQLite database 0600 before the first connection creates it.

    SQLite gives its -wal and -shm files the permissions of the database file itself.
    """
    path = sqlite_path(database_url)
    if path is None:
        return
    if not path.parent.exists():
        private_dir(path.parent)
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if file == path or file.exists():
            private_file(file)
