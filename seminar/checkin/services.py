"""Door check-in: scanning a badge, undoing, searching, the offline snapshot and arrivals.

The check-in write is kept tiny on purpose.  Every read happens before the
INSERT (pysqlite only sends BEGIN at the first write), so on SQLite the write
transaction is "BEGIN; INSERT; COMMIT" and a busy door waits on busy_timeout
instead of failing with "database is locked".  The UNIQUE constraints decide
races: CheckIn.registration_id (one check-in per person) and
CheckInAudit.scan_id (a refused scan recorded once per client scan id).
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol, cast

from sqlalchemy import Select, Table, bindparam, func, insert, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from .. import sqlite_writers
from ..dbtypes import epoch_bucket
from ..events.models import Event, Municipality
from ..extensions import db
from ..registration.models import Registration, Status, full_name_of, name_key, short_name_of
from .models import CheckIn, CheckInAudit

#: A device clock may run this far ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)
#: Offline scans uploaded late are believed from this long before the event on.
EARLIEST_BEFORE_EVENT = timedelta(days=1)
CHECKED_IN = "checked_in"
ALREADY = "already_checked_in"
UNKNOWN = "unknown_code"
CANCELLED = "cancelled"
NOT_CONFIRMED = "not_confirmed"
OTHER_EVENT = "other_event"
#: A client scan id already used for another badge: refused, nothing written.
SCAN_ID_REUSED = "scan_id_reused"
UNDONE = "undone"
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class DoorPerson:
    """What the door shows about a registration (no e-mail, phone or badge code)."""

    id: int
    event_id: int
    last_name: str
    first_name: str
    middle_name: str
    municipality: str | None
    organization: str
    position: str
    role: str
    status: str

    # The same ФИО rules as a registration: "Иванов Иван Петрович", "Иванов И. П.".
    @property
    def full_name(self) -> str:
        return full_name_of(self.last_name, self.first_name, self.middle_name)

    @property
    def short_name(self) -> str:
        return short_name_of(self.last_name, self.first_name, self.middle_name)


@dataclass(frozen=True)
class CheckInOutcome:
    """The answer to one scan; checked_in_at and device are those of the FIRST check-in."""

    status: str
    registration: DoorPerson | None
    checked_in_at: datetime | None = None
    device: str | None = None
    #: True only for the scan that wrote the check-in row.
    created: bool = False


class CheckInNotFound(Exception):
    """No check-in of that registration at that event."""


_PERSON_COLUMNS = (
    Registration.id, Registration.event_id, Registration.last_name, Registration.first_name,
    Registration.middle_name, Municipality.name, Registration.organization, Registration.position,
    Registration.role, Registration.status,
)


def _person_query() -> Select:
    """One row per registration: the door's view of the person, and the first check-in if any."""
    return (
        select(*_PERSON_COLUMNS, CheckIn.checked_in_at, CheckIn.device)
        .outerjoin(Municipality, Municipality.id == Registration.municipality_id)
        .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
    )


def _person(row) -> DoorPerson:
    return DoorPerson(*row[:10])


# The scan's own statements, built once in plain Core on the tables: the door
# endpoint is the hot path, and this skips the ORM's per-call statement work.
_reg, _mun, _chk = (cast(Table, m.__table__) for m in (Registration, Municipality, CheckIn))
_SCAN_LOOKUP = (
    select(_reg.c.id, _reg.c.event_id, _reg.c.last_name, _reg.c.first_name, _reg.c.middle_name,
           _mun.c.name, _reg.c.organization, _reg.c.position, _reg.c.role, _reg.c.status,
           _chk.c.checked_in_at, _chk.c.device, _chk.c.scan_id)
    .select_from(_reg.outerjoin(_mun, _mun.c.id == _reg.c.municipality_id)
                 .outerjoin(_chk, _chk.c.registration_id == _reg.c.id))
)
_BY_CODE = _SCAN_LOOKUP.where(_reg.c.badge_code == bindparam("code"))
_BY_ID = _SCAN_LOOKUP.where(_reg.c.id == bindparam("registration_id"))
_FIRST_CHECK_IN = select(_chk.c.checked_in_at, _chk.c.device, _chk.c.scan_id).where(
    _chk.c.registration_id == bindparam("registration_id"))
_AUDIT_BY_SCAN = select(CheckInAudit.registration_id).where(
    CheckInAudit.scan_id == bindparam("scan_id"))
_CHECK_IN_BY_SCAN = select(_chk.c.registration_id).where(_chk.c.scan_id == bindparam("scan_id"))
_INSERT_CHECK_IN = insert(_chk)
_INSERT_AUDIT = insert(cast(Table, CheckInAudit.__table__))


class DoorEvent(Protocol):
    """What the scan needs of an event: an Event, or the API's cached EventAccess."""

    @property
    def id(self) -> int: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def registration_opens(self) -> datetime | None: ...


def normalise_code(code: str) -> str:
    """The badge code as stored: no spaces or dashes, upper case."""
    return "".join(code.split()).replace("-", "").upper()


def sane_scan_time(event: DoorEvent, scanned_at: datetime | None, now: datetime) -> datetime:
    """The device's scan time when it is believable, else now."""
    if scanned_at is None:
        return now
    earliest = event.starts_at - EARLIEST_BEFORE_EVENT
    if event.registration_opens is not None:
        earliest = min(earliest, event.registration_opens)
    if earliest <= scanned_at <= now + CLOCK_SKEW:
        return scanned_at
    return now


def _write(connection: Connection, statement, params: dict) -> bool:
    """One INSERT in its own short transaction; False when a UNIQUE constraint refused it.

    The one exception to "the caller commits" (docs/ARCHITECTURE.md): a scan is the door's hot
    path and its own unit of work, so it commits on its own connection at once."""
    with sqlite_writers.queued(connection):  # on SQLite: in the writers' queue, never starved by a burst
        try:
            connection.execute(statement, params)
            connection.commit()
        except IntegrityError:
            connection.rollback()
            return False
    return True


def check_in(event: DoorEvent, *, code: str | None = None, registration_id: int | None = None,
             device: str, user, scan_id: str | None = None, scanned_at: datetime | None = None,
             now: datetime) -> CheckInOutcome:
    """Check a person in by badge code or registration id, or say why not.

    Commits itself, on its own connection (not the request's session, whose
    bookkeeping the hot path does not need): UNIQUE constraints decide races.
    """
    with db.engine.connect() as connection:
        return _check_in(connection, event, code=code, registration_id=registration_id,
                         device=device, user_id=user.id if user is not None else None,
                         scan_id=scan_id, at=sane_scan_time(event, scanned_at, now), now=now)


def _check_in(connection: Connection, event: DoorEvent, *, code: str | None,
              registration_id: int | None, device: str, user_id: int | None, scan_id: str | None,
              at: datetime, now: datetime) -> CheckInOutcome:
    """The scan: one indexed read, then at most one INSERT.

    A first scan writes the CheckIn row (time, device, user, scan id): that row
    is its record. A repeat writes nothing. A refusal is written to the audit
    trail, once per scan id.
    """
    event_id = event.id
    # The only read before the write: on SQLite no transaction is open yet.
    if code is not None:
        row = connection.execute(_BY_CODE, {"code": normalise_code(code)}).first()
    else:
        row = connection.execute(_BY_ID, {"registration_id": registration_id}).first()

    def refuse(status: str, person: DoorPerson | None) -> CheckInOutcome:
        # A replayed scan id hits the audit's UNIQUE scan_id: same answer, nothing new written.
        _write(connection, _INSERT_AUDIT, {
            "event_id": event_id, "registration_id": person.id if person else None, "action": status,
            "scan_id": scan_id, "device": device, "user_id": user_id, "scanned_at": at, "created_at": now})
        return CheckInOutcome(status, person)

    if row is None:
        return refuse(UNKNOWN, None)
    person = _person(row)
    if person.event_id != event_id:
        # Nothing about a person of another event reaches this door, nor its audit trail.
        return refuse(OTHER_EVENT, None)
    if person.status == Status.cancelled.value:
        return refuse(CANCELLED, person)
    if person.status != Status.confirmed.value:
        return refuse(NOT_CONFIRMED, person)
    first_at, first_device, first_scan_id = row[10], row[11], row[12]
    if first_at is None and scan_id:
        audited = connection.execute(_AUDIT_BY_SCAN, {"scan_id": scan_id}).first()
        if audited is not None and audited[0] != person.id:
            return CheckInOutcome(SCAN_ID_REUSED, None)
        if audited is not None:
            # This very scan was recorded once and its check-in undone since: a replay changes nothing.
            return CheckInOutcome(CHECKED_IN, person)
    if first_at is None:
        if _write(connection, _INSERT_CHECK_IN, {
                "event_id": event_id, "registration_id": person.id, "checked_in_at": at,
                "device": device, "user_id": user_id, "scan_id": scan_id}):
            return CheckInOutcome(CHECKED_IN, person, at, device, created=True)
        # Another door (or this scan's own replay) won a moment ago, or the scan id is taken.
        first_at, first_device, first_scan_id = connection.execute(
            _FIRST_CHECK_IN, {"registration_id": person.id}).first() or (None, None, None)
    if scan_id and scan_id == first_scan_id:
        return CheckInOutcome(CHECKED_IN, person, first_at, first_device)
    if scan_id and _scan_id_taken(connection, scan_id, person.id):
        return CheckInOutcome(SCAN_ID_REUSED, None)
    return CheckInOutcome(ALREADY, person, first_at, first_device)


def _scan_id_taken(connection: Connection, scan_id: str, registration_id: int) -> bool:
    """Whether the client scan id already stands for another badge's scan (never the hot path)."""
    owners = [r[0] for r in connection.execute(_CHECK_IN_BY_SCAN, {"scan_id": scan_id})]
    owners += [r[0] for r in connection.execute(_AUDIT_BY_SCAN, {"scan_id": scan_id})]
    return any(owner != registration_id for owner in owners)


def undo_check_in(event: Event, registration_id: int, *, user, now: datetime) -> None:
    """Undo a person's check-in (organiser); the audit trail keeps the check-in and the undo."""
    check_in_row = db.session.scalar(select(CheckIn).where(
        CheckIn.event_id == event.id, CheckIn.registration_id == registration_id))
    if check_in_row is None:
        raise CheckInNotFound(registration_id)
    scan_id = check_in_row.scan_id
    if scan_id and db.session.scalar(select(CheckInAudit.id).where(CheckInAudit.scan_id == scan_id)):
        scan_id = None  # the audit holds this scan id already (an earlier undo or refusal)
    db.session.add(CheckInAudit(
        event_id=event.id, registration_id=registration_id, action=CHECKED_IN,
        scan_id=scan_id, device=check_in_row.device, user_id=check_in_row.user_id,
        scanned_at=check_in_row.checked_in_at, created_at=check_in_row.checked_in_at))
    db.session.add(CheckInAudit(event_id=event.id, registration_id=registration_id, action=UNDONE,
                                user_id=user.id if user is not None else None,
                                scanned_at=now, created_at=now))
    db.session.delete(check_in_row)


def door_search(event: Event, q: str, limit: int = SEARCH_LIMIT) -> list[tuple[DoorPerson, datetime | None]]:
    """People whose last name starts with q (case-insensitive, ё = е), with their check-in time."""
    key = name_key(q)
    if not key:
        return []
    like = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = db.session.execute(
        _person_query()
        .where(Registration.event_id == event.id, Registration.last_name_key.like(like, escape="\\"))
        .order_by(Registration.last_name_key, Registration.first_name, Registration.id)
        .limit(limit)
    ).all()
    return [(_person(row), row[10]) for row in rows]


def door_salt(event: Event, secret_key: str) -> str:
    """A per-event salt for the offline snapshot, derived from the app's secret (stable, not guessable)."""
    return hmac.new(secret_key.encode(), f"door-snapshot:{event.id}:{event.slug}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def code_key(salt: str, code: str) -> str:
    """What the snapshot holds instead of a badge code: SHA-256(salt + code), first 16 bytes in hex."""
    return hashlib.sha256((salt + normalise_code(code)).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class SnapshotVersion:
    """What identifies the state of an event's list, cheaply: compared to send nothing, or a delta."""

    registrations: int
    changed_at: int  # the latest registration change, in microseconds since the epoch
    check_ins: int
    last_check_in: int

    def token(self) -> str:
        return f"{self.registrations}.{self.changed_at}.{self.check_ins}.{self.last_check_in}"

    @classmethod
    def parse(cls, token: str | None) -> SnapshotVersion | None:
        parts = (token or "").split(".")
        if len(parts) != 4 or not all(p.isdigit() and len(p) <= 20 for p in parts):
            return None
        return cls(*(int(p) for p in parts))


def snapshot_version(event: Event) -> SnapshotVersion:
    """Two aggregate reads on indexed columns, however long the list."""
    registrations, changed_at = db.session.execute(
        select(func.count(), func.max(Registration.updated_at)).where(Registration.event_id == event.id)).one()
    check_ins, last_check_in = db.session.execute(
        select(func.count(), func.max(CheckIn.id)).where(CheckIn.event_id == event.id)).one()
    changed = changed_at.replace(tzinfo=UTC) if changed_at is not None and changed_at.tzinfo is None else changed_at
    micros = int(changed.timestamp() * 1_000_000) if changed is not None else 0
    return SnapshotVersion(registrations, micros, check_ins, last_check_in or 0)


def door_snapshot(event: Event, *, secret_key: str, now: datetime,
                  since: SnapshotVersion | None = None, version: SnapshotVersion | None = None) -> dict:
    """The offline copy for the door page: code hashes, short names, status; no codes, no contacts.

    With `since` (the version the phone holds), only the people changed since then are sent
    (`"delta": true`), when that can be known: an undone check-in or a removed registration
    leaves no row to compare, so then the whole list comes again."""
    salt = door_salt(event, secret_key)
    version = version or snapshot_version(event)
    query = (
        select(*_PERSON_COLUMNS, CheckIn.id, Registration.badge_code, CheckIn.checked_in_at, CheckIn.device)
        .outerjoin(Municipality, Municipality.id == Registration.municipality_id)
        .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.event_id == event.id)
        .order_by(Registration.id)
    )
    delta = since is not None and _delta_possible(event, since, version)
    if delta and since is not None:
        changed_since = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=since.changed_at)
        query = query.where(or_(Registration.updated_at > changed_since, CheckIn.id > since.last_check_in))
    entries = []
    for row in db.session.execute(query).all():
        person = _person(row)
        entries.append({"k": code_key(salt, row[11]), "id": person.id, "name": person.short_name,
                        "municipality": person.municipality, "role": person.role,
                        "status": person.status, "checked_in": row[10] is not None,
                        # where and when the first scan happened, for the offline "already" answer
                        "checked_in_at": row[12].isoformat() if row[12] else None, "device": row[13]})
    stats = db.session.execute(
        select(func.count()).where(Registration.event_id == event.id,
                                   Registration.status == Status.confirmed.value)).scalar_one()
    return {
        "generated_at": now.isoformat(),
        "version": version.token(),
        "delta": delta,
        "event": {"slug": event.slug, "title": event.title, "timezone": event.timezone},
        "salt": salt,
        "total": stats,
        "checked_in": version.check_ins,
        "entries": entries,
    }


def _delta_possible(event: Event, since: SnapshotVersion, now: SnapshotVersion) -> bool:
    """True when every change since `since` shows in a row (nothing was removed)."""
    if now.registrations < since.registrations or now.last_check_in < since.last_check_in:
        return False
    new_check_ins = db.session.scalar(select(func.count()).where(
        CheckIn.event_id == event.id, CheckIn.id > since.last_check_in)) or 0
    return now.check_ins == since.check_ins + new_check_ins


def arrivals(event: Event, bucket_minutes: int = 5) -> list[dict]:
    """Check-ins per bucket of a few minutes (UTC starts, empty buckets between included)."""
    step = timedelta(minutes=bucket_minutes)
    bucket = epoch_bucket(CheckIn.checked_in_at, int(step.total_seconds()))
    rows = db.session.execute(
        select(bucket, func.count()).where(CheckIn.event_id == event.id).group_by(bucket).order_by(bucket)
    ).all()  # grouped in the database: a few hundred rows, however many people came
    if not rows:
        return []
    counts = {datetime.fromtimestamp(seconds, UTC): n for seconds, n in rows}
    first, last = min(counts), max(counts)
    # The chart covers the last day of arrivals: a forum's morning, not weeks of empty buckets.
    buckets, t = [], max(first, last - timedelta(days=1))
    while t <= last:
        buckets.append({"t": t.isoformat(), "n": counts.get(t, 0)})
        t += step
    return buckets


#: The largest picture a frame may be, by its header, before anything is decoded. A JPEG is
#: decoded at 1/2…1/8 scale (draft mode), so even the largest stays small in memory; a PNG is
#: decoded in full, so it is held to less (at most 4 bytes × 8 Mpx ≈ 32 MB).
MAX_FRAME_PIXELS = {"JPEG": 40_000_000, "PNG": 8_000_000}
#: Frames are read at most this wide and tall: a badge QR held to a phone fills a good part of it.
DECODE_SIDE = 1600


class FrameRefused(ValueError):
    """A frame that is not a JPEG or PNG, or too big to decode."""

    def __init__(self, message: str, *, too_large: bool = False):
        super().__init__(message)
        self.too_large = too_large


def frame_image(image_bytes: bytes):
    """The frame as a grey Pillow image at most DECODE_SIDE wide and tall.

    Pillow may only read JPEG and PNG (by content, whatever the Content-Type says), so no other
    decoder (and never Ghostscript or another program) is reached; the pixel count is checked
    from the header before decoding.
    """
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(image_bytes), formats=list(MAX_FRAME_PIXELS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise FrameRefused("the frame has far too many pixels", too_large=True) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise FrameRefused("not a JPEG or PNG image") from exc
    width, height = image.size
    limit = MAX_FRAME_PIXELS[image.format or "PNG"]
    if width * height > limit:
        raise FrameRefused(f"the frame has {width}×{height} pixels; at most {limit // 1_000_000} Mpx "
                           f"for {image.format}", too_large=True)
    try:
        if image.format == "JPEG":
            image.draft("L", (DECODE_SIDE, DECODE_SIDE))  # decodes at a smaller scale at once
        image.load()
        grey = image.convert("L")
        grey.thumbnail((DECODE_SIDE, DECODE_SIDE))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise FrameRefused("the JPEG or PNG image is damaged") from exc
    return grey


def decode_codes(image_bytes: bytes) -> list[str]:
    """Badge codes found in one camera frame (JPEG or PNG), decoded with zxing-cpp."""
    import zxingcpp

    results = zxingcpp.read_barcodes(frame_image(image_bytes),
                                     formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    codes = []
    for result in results:
        if result.text and result.text not in codes:
            codes.append(result.text)
    return codes
