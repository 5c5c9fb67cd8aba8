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

from sqlalchemy import Select, Table, bindparam, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

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
_AUDIT_BY_SCAN = select(CheckInAudit.id).where(
    CheckInAudit.scan_id == bindparam("scan_id"))
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
    """One INSERT in its own short transaction; False when a UNIQUE constraint refused it."""
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
        return refuse(OTHER_EVENT, person)
    if person.status == Status.cancelled.value:
        return refuse(CANCELLED, person)
    if person.status != Status.confirmed.value:
        return refuse(NOT_CONFIRMED, person)
    first_at, first_device, first_scan_id = row[10], row[11], row[12]
    if first_at is None and scan_id and connection.execute(_AUDIT_BY_SCAN, {"scan_id": scan_id}).first():
        # This very scan was recorded once and its check-in undone since: a replay changes nothing.
        return CheckInOutcome(CHECKED_IN, person)
    if first_at is None:
        if _write(connection, _INSERT_CHECK_IN, {
                "event_id": event_id, "registration_id": person.id, "checked_in_at": at,
                "device": device, "user_id": user_id, "scan_id": scan_id}):
            return CheckInOutcome(CHECKED_IN, person, at, device, created=True)
        # Another door (or this scan's own replay) won a moment ago.
        first_at, first_device, first_scan_id = connection.execute(
            _FIRST_CHECK_IN, {"registration_id": person.id}).first() or (None, None, None)
    if scan_id and scan_id == first_scan_id:
        return CheckInOutcome(CHECKED_IN, person, first_at, first_device)
    return CheckInOutcome(ALREADY, person, first_at, first_device)


def undo_check_in(event: Event, registration_id: int, *, user, now: datetime) -> None:
    """Undo a person's check-in (organiser); the audit trail keeps the check-in and the undo."""
    check_in_row = db.session.scalar(select(CheckIn).where(
        CheckIn.event_id == event.id, CheckIn.registration_id == registration_id))
    if check_in_row is None:
        raise CheckInNotFound(registration_id)
    db.session.add(CheckInAudit(
        event_id=event.id, registration_id=registration_id, action=CHECKED_IN,
        scan_id=check_in_row.scan_id, device=check_in_row.device, user_id=check_in_row.user_id,
        scanned_at=check_in_row.checked_in_at, created_at=check_in_row.checked_in_at))
    db.session.add(CheckInAudit(event_id=event.id, registration_id=registration_id, action=UNDONE,
                                user_id=user.id if user is not None else None,
                                scanned_at=now, created_at=now))
    db.session.delete(check_in_row)
    db.session.commit()


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


def door_snapshot(event: Event, *, secret_key: str, now: datetime) -> dict:
    """The offline copy for the door page: code hashes, short names, status; no codes, no contacts."""
    salt = door_salt(event, secret_key)
    rows = db.session.execute(
        select(*_PERSON_COLUMNS, CheckIn.id, Registration.badge_code, CheckIn.checked_in_at, CheckIn.device)
        .outerjoin(Municipality, Municipality.id == Registration.municipality_id)
        .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.event_id == event.id)
        .order_by(Registration.id)
    ).all()
    entries = []
    for row in rows:
        person = _person(row)
        entries.append({"k": code_key(salt, row[11]), "id": person.id, "name": person.short_name,
                        "municipality": person.municipality, "role": person.role,
                        "status": person.status, "checked_in": row[10] is not None,
                        # where and when the first scan happened, for the offline "already" answer
                        "checked_in_at": row[12].isoformat() if row[12] else None, "device": row[13]})
    return {
        "generated_at": now.isoformat(),
        "event": {"slug": event.slug, "title": event.title, "timezone": event.timezone},
        "salt": salt,
        "total": sum(1 for e in entries if e["status"] == Status.confirmed.value),
        "checked_in": sum(1 for e in entries if e["checked_in"]),
        "entries": entries,
    }


def arrivals(event: Event, bucket_minutes: int = 5) -> list[dict]:
    """Check-ins per bucket of a few minutes (UTC starts, empty buckets between included)."""
    times = db.session.scalars(
        select(CheckIn.checked_in_at).where(CheckIn.event_id == event.id).order_by(CheckIn.checked_in_at)
    ).all()
    if not times:
        return []
    step = timedelta(minutes=bucket_minutes)
    epoch = datetime(2000, 1, 1, tzinfo=UTC)

    def start(moment: datetime) -> datetime:
        return epoch + ((moment - epoch) // step) * step

    counts: dict[datetime, int] = {}
    for moment in times:
        counts[start(moment)] = counts.get(start(moment), 0) + 1
    last = start(times[-1])
    # The chart covers the last day of arrivals: a forum's morning, not weeks of empty buckets.
    buckets, t = [], max(start(times[0]), last - timedelta(days=1))
    while t <= last:
        buckets.append({"t": t.isoformat(), "n": counts.get(t, 0)})
        t += step
    return buckets


def decode_codes(image_bytes: bytes) -> list[str]:
    """Badge codes found in one camera frame (JPEG or PNG), decoded with zxing-cpp."""
    import io

    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(image_bytes))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ValueError("not a JPEG or PNG image") from exc
    results = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    codes = []
    for result in results:
        if result.text and result.text not in codes:
            codes.append(result.text)
    return codes
