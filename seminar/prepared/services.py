"""Prepared files: asking for one, recording the queue's progress, keeping the bytes, dropping old ones."""
from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from .models import PreparedFile, PreparedFilePart

QUEUED = "queued"
RUNNING = "running"
READY = "ready"
FAILED = "failed"

#: A prepared file holds personal data: after this long it is deleted.
KEEP = timedelta(hours=6)
#: Of one event's files of one kind, only this many newest stay.
KEEP_NEWEST = 3
#: A file still queued or running this long after it was asked for is taken for lost (its worker
#: stopped half-way): the next request with the same options gives it up and asks anew.
STALE = timedelta(minutes=30)
#: A built file is kept in pieces of this many bytes, each written in its own transaction.
PART = 2**20


@dataclass(frozen=True)
class Asked:
    """What asking for a file gave: the file, and whether it is new (then the caller enqueues its job)."""

    file: PreparedFile
    created: bool


def request_once(event_id: int, kind: str, options: dict, *, filename: str, mimetype: str,
                 requested_by_id: int | None, now: datetime, total: int = 0) -> Asked:
    """The file already being built for the same request (event, kind and options), or a new one.

    Two requests at the same instant both find none; the unique index on pending files lets
    one INSERT through, and the other rolls the session back and joins that file.
    """
    key = json.dumps(options, sort_keys=True, ensure_ascii=False)
    pending = _pending(event_id, kind, key)
    if pending is not None and pending.requested_at >= now - STALE:
        return Asked(pending, created=False)
    if pending is not None:
        pending.status, pending.finished_at = FAILED, now
    try:
        file = request_file(event_id, kind, filename=filename, mimetype=mimetype,
                            requested_by_id=requested_by_id, now=now, total=total, options=key)
    except IntegrityError:
        db.session.rollback()
        winner = _pending(event_id, kind, key)
        if winner is None:  # the other request's file is gone again already: extremely unlikely
            raise
        return Asked(winner, created=False)
    return Asked(file, created=True)


def _pending(event_id: int, kind: str, key: str) -> PreparedFile | None:
    return db.session.scalar(select(PreparedFile).where(
        PreparedFile.event_id == event_id, PreparedFile.kind == kind, PreparedFile.options == key,
        PreparedFile.status.in_((QUEUED, RUNNING))))


def options_of(file: PreparedFile | None) -> dict | None:
    """The options a file was asked with (None if it was asked without)."""
    return json.loads(file.options) if file is not None and file.options else None


def request_file(event_id: int, kind: str, *, filename: str, mimetype: str, requested_by_id: int | None,
                 now: datetime, total: int = 0, options: str | None = None) -> PreparedFile:
    """A new file to build for the event (of `total` items, if known); expired files and the
    oldest of this kind are dropped."""
    drop_expired(now)
    older = select(PreparedFile.id).where(PreparedFile.event_id == event_id, PreparedFile.kind == kind) \
        .order_by(PreparedFile.id.desc()).offset(KEEP_NEWEST - 1)
    db.session.execute(delete(PreparedFile).where(PreparedFile.id.in_(list(db.session.scalars(older)))))
    file = PreparedFile(event_id=event_id, kind=kind, status=QUEUED, requested_at=now, filename=filename,
                        mimetype=mimetype, requested_by_id=requested_by_id, total=total, options=options)
    db.session.add(file)
    db.session.flush()
    return file


def start(file_id: int) -> PreparedFile | None:
    """The file a job is to build, now running; None if it was dropped or is already built."""
    file = db.session.get(PreparedFile, file_id)
    if file is None or file.status == READY:
        return None
    file.status = RUNNING
    _drop_parts(file)  # those of an earlier try (a worker that stopped half-way, a retry) are written anew
    file.done = 0
    return file


def progress(file: PreparedFile, done: int, total: int) -> None:
    """Note how far the job has come (shown as 'N of M' on the organiser's page)."""
    file.done = done
    file.total = total


def parts(handle: IO[bytes]) -> Iterator[bytes]:
    """A finished build's bytes (the job's temporary file, read back) in pieces of at most PART."""
    handle.seek(0)
    while piece := handle.read(PART):
        yield piece


def add_part(file: PreparedFile, seq: int, data: bytes) -> None:
    """Keep piece `seq` of the file (the caller commits each piece on its own)."""
    db.session.add(PreparedFilePart(file_id=file.id, seq=seq, data=data))
    file.size += len(data)


def finish(file: PreparedFile, now: datetime) -> None:
    """The file's pieces are all kept: it may be downloaded."""
    file.done = file.total = max(file.total, file.done)
    file.status = READY
    file.finished_at = now


def opened(file: PreparedFile) -> IO[bytes]:
    """A ready file to send: read piece by piece while the response goes out, so a web worker
    holds one piece (at most PART bytes) of a 20 MB badge sheet at a time, never all of it."""
    if file.data is not None:
        return io.BytesIO(file.data)
    return io.BufferedReader(_PartsReader(db.engine, file.id), buffer_size=64 * 1024)


class _PartsReader(io.RawIOBase):
    """The pieces of one file, each read on its own short connection when the previous one is sent
    (the server sends the body after the request's app context has ended), until there is no next
    one. A file dropped meanwhile (expired) ends short."""

    def __init__(self, engine: Engine, file_id: int):
        super().__init__()
        self._engine, self._file_id = engine, file_id
        self._seq = 0
        self._piece: memoryview | None = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self._piece is not None and not self._piece:
            with self._engine.connect() as connection:
                data = connection.scalar(select(PreparedFilePart.data).where(
                    PreparedFilePart.file_id == self._file_id, PreparedFilePart.seq == self._seq))
            self._seq += 1
            self._piece = None if data is None else memoryview(data)
        if self._piece is None:
            return 0
        size = min(len(buffer), len(self._piece))
        buffer[:size] = self._piece[:size]
        self._piece = self._piece[size:]
        return size


def keep(event_id: int, kind: str, data: bytes, *, filename: str, mimetype: str,
         requested_by_id: int | None, now: datetime) -> PreparedFile:
    """Keep bytes that are ready now (an uploaded list waiting for its "Import" click), so the
    next request may reach any app server."""
    file = request_file(event_id, kind, filename=filename, mimetype=mimetype,
                        requested_by_id=requested_by_id, now=now)
    file.data = data
    file.size = len(data)
    file.status = READY
    file.finished_at = now
    return file


def fail(file_id: int, now: datetime) -> None:
    """Mark the file failed (its job raised) and drop the pieces kept so far; the page offers to ask again."""
    file = db.session.get(PreparedFile, file_id)
    if file is not None:
        file.status = FAILED
        file.finished_at = now
        _drop_parts(file)


def _drop_parts(file: PreparedFile) -> None:
    db.session.execute(delete(PreparedFilePart).where(PreparedFilePart.file_id == file.id))
    file.size = 0


def latest(event_id: int, kind: str, now: datetime) -> PreparedFile | None:
    """The event's newest file of this kind, whatever its state, unless expired (bytes not loaded)."""
    return db.session.scalar(select(PreparedFile)
                             .where(PreparedFile.event_id == event_id, PreparedFile.kind == kind,
                                    PreparedFile.requested_at >= now - KEEP)
                             .order_by(PreparedFile.id.desc()).limit(1))


def find(event_id: int, kind: str, file_id: int, now: datetime) -> PreparedFile | None:
    """One file of the event and kind (None for another event's file or an expired one)."""
    file = db.session.get(PreparedFile, file_id)
    if file is None or file.event_id != event_id or file.kind != kind or file.requested_at < now - KEEP:
        return None
    return file


def drop_expired(now: datetime) -> int:
    """Delete the files older than KEEP; returns how many."""
    result = db.session.execute(delete(PreparedFile).where(PreparedFile.requested_at < now - KEEP))
    return result.rowcount or 0  # type: ignore[attr-defined]


def export_of(registration) -> list[dict]:
    """For "download my data": the files of the person's event that may list them right now."""
    files = db.session.scalars(select(PreparedFile).where(PreparedFile.event_id == registration.event_id)
                               .order_by(PreparedFile.id))
    return [{"kind": f.kind, "status": f.status, "requested_at": f.requested_at.isoformat()} for f in files]


def erase(registration_ids: list[int]) -> int:
    """When registrations are anonymised, drop their events' files (they are copies of the list)."""
    from ..registration.models import Registration

    events = select(Registration.event_id).where(Registration.id.in_(registration_ids)).distinct()
    result = db.session.execute(delete(PreparedFile).where(PreparedFile.event_id.in_(events)))
    return result.rowcount or 0  # type: ignore[attr-defined]
