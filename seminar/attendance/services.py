"""Session attendance: a room's door records who came to which session; counts; certificate hours.

The UNIQUE (session_id, registration_id) constraint makes a repeat scan one attendance; the
session row is locked (PostgreSQL) or the write lock held (SQLite) while the seats are counted,
so two doors never seat more people than the session has.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..checkin.services import DoorPerson, door_snapshot, normalise_code, sane_scan_time
from ..events.models import Event, Municipality
from ..extensions import db
from ..programme.models import Room, Session
from ..registration.models import Registration, Status
from .models import AttendancePolicy, SessionAttendance

ATTENDED = "attended"
ALREADY = "already_attended"
FULL = "full"
UNKNOWN = "unknown_code"
CANCELLED = "cancelled"
NOT_CONFIRMED = "not_confirmed"
OTHER_EVENT = "other_event"


@dataclass(frozen=True)
class AttendanceOutcome:
    """The answer to one scan at a session's door; attended_at is that of the FIRST scan."""

    status: str
    registration: DoorPerson | None
    attended_at: datetime | None = None
    attended: int = 0
    capacity: int | None = None


@dataclass(frozen=True)
class SessionCount:
    """A session with how many came to it and how many seats it has."""

    id: int
    title: str
    room: str
    starts_at: datetime
    ends_at: datetime
    capacity: int | None
    attended: int


@dataclass(frozen=True)
class AttendedSession:
    """A session a participant was seen at, for the certificate."""

    title: str
    starts_at: datetime
    ends_at: datetime
    minutes: int


@dataclass(frozen=True)
class CertificateSessions:
    """What a certificate lists when the organiser turned it on: the sessions and academic hours."""

    sessions: list[AttendedSession]
    academic_hours: float


def session_capacity(session: Session) -> int | None:
    """The session's own seats, else its room's, else no limit."""
    if session.capacity:
        return session.capacity
    return session.room.capacity if session.room is not None and session.room.capacity else None


def confirmed_count(event: Event) -> int:
    return db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == event.id, Registration.status == Status.confirmed.value)) or 0


def session_of(event: Event, session_id: int) -> Session | None:
    session = db.session.get(Session, session_id)
    return session if session is not None and session.event_id == event.id else None


def attended_count(session_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(SessionAttendance)
                             .where(SessionAttendance.session_id == session_id)) or 0


def _person(registration: Registration) -> DoorPerson:
    municipality = registration.municipality.name if registration.municipality else None
    return DoorPerson(registration.id, registration.event_id, registration.last_name,
                      registration.first_name, registration.middle_name, municipality,
                      registration.organization, registration.position, registration.role,
                      registration.status)


def record_attendance(event: Event, session: Session, *, code: str | None = None,
                      registration_id: int | None = None, device: str = "", user=None,
                      scan_id: str | None = None, scanned_at: datetime | None = None,
                      now: datetime) -> AttendanceOutcome:
    """Record that a person came to a session, or say why not (other event, cancelled, full).

    Commits itself, like the main door's check-in: the UNIQUE constraint and the seat count
    are decided inside one short transaction.
    """
    if code is not None:
        registration = db.session.scalar(
            select(Registration).where(Registration.badge_code == normalise_code(code)))
    else:
        registration = db.session.get(Registration, registration_id)
    capacity = session_capacity(session)
    if registration is None:
        return AttendanceOutcome(UNKNOWN, None, capacity=capacity)
    person = _person(registration)
    if registration.event_id != event.id:
        return AttendanceOutcome(OTHER_EVENT, person, capacity=capacity)
    if registration.status == Status.cancelled.value:
        return AttendanceOutcome(CANCELLED, person, capacity=capacity)
    if registration.status != Status.confirmed.value:
        return AttendanceOutcome(NOT_CONFIRMED, person, capacity=capacity)
    first = _first(session.id, registration.id)
    if first is None:
        at = sane_scan_time(event, scanned_at, now)
        # Lock the session (PostgreSQL; SQLite holds its write lock from the INSERT on), count, decide.
        db.session.execute(select(Session.id).where(Session.id == session.id).with_for_update())
        db.session.add(SessionAttendance(
            event_id=event.id, session_id=session.id, registration_id=registration.id, attended_at=at,
            device=device, scan_id=scan_id, user_id=getattr(user, "id", None)))
        try:
            db.session.flush()
        except IntegrityError:  # another door recorded this person a moment ago
            db.session.rollback()
            first = _first(session.id, registration.id)
        else:
            count = attended_count(session.id)
            if capacity is not None and count > capacity:
                db.session.rollback()
                return AttendanceOutcome(FULL, person, attended=count - 1, capacity=capacity)
            db.session.commit()
            return AttendanceOutcome(ATTENDED, person, at, count, capacity)
    count = attended_count(session.id)
    if first is not None and scan_id and first.scan_id == scan_id:  # the same scan replayed
        return AttendanceOutcome(ATTENDED, person, first.attended_at, count, capacity)
    return AttendanceOutcome(ALREADY, person, first.attended_at if first else None, count, capacity)


def _first(session_id: int, registration_id: int) -> SessionAttendance | None:
    return db.session.scalar(select(SessionAttendance).where(
        SessionAttendance.session_id == session_id, SessionAttendance.registration_id == registration_id))


def session_counts(event: Event) -> list[SessionCount]:
    """Every session of the event in time order, with its attendance and seats."""
    counts: dict[int, int] = {sid: n for sid, n in db.session.execute(
        select(SessionAttendance.session_id, func.count())
        .where(SessionAttendance.event_id == event.id).group_by(SessionAttendance.session_id)).all()}
    sessions = db.session.scalars(
        select(Session).outerjoin(Room, Room.id == Session.room_id).where(Session.event_id == event.id)
        .order_by(Session.starts_at, Room.position, Session.position, Session.id)).all()
    return [SessionCount(s.id, s.title, s.room.name if s.room else "", s.starts_at, s.ends_at,
                         session_capacity(s), counts.get(s.id, 0)) for s in sessions]


def attendance_by_session(event: Event) -> dict[int, int]:
    """{session id: people who came}, for the programme editor."""
    return {count.id: count.attended for count in session_counts(event)}


def session_door_snapshot(event: Event, session: Session, *, secret_key: str, now: datetime) -> dict:
    """The door's offline list, with "checked_in" meaning: already seen at this session."""
    snapshot = door_snapshot(event, secret_key=secret_key, now=now)
    seen = set(db.session.scalars(select(SessionAttendance.registration_id)
                                  .where(SessionAttendance.session_id == session.id)))
    for entry in snapshot["entries"]:
        entry["checked_in"] = entry["id"] in seen
    snapshot["checked_in"] = len(seen)
    snapshot["capacity"] = session_capacity(session)
    return snapshot


def attendees(session: Session) -> list[tuple[Registration, datetime]]:
    """Who came to the session, by name, with the time of their scan."""
    return [(row[0], row[1]) for row in db.session.execute(
        select(Registration, SessionAttendance.attended_at)
        .join(SessionAttendance, SessionAttendance.registration_id == Registration.id)
        .outerjoin(Municipality, Municipality.id == Registration.municipality_id)
        .where(SessionAttendance.session_id == session.id)
        .order_by(Registration.last_name_key, Registration.first_name, Registration.id)).all()]


def set_session_capacity(session: Session, capacity: int | None) -> None:
    """The organiser gives a session its own number of seats (None: the room's)."""
    session.capacity = capacity


def policy_of(event: Event) -> AttendancePolicy:
    """The event's certificate option (off until the organiser turns it on)."""
    return db.session.get(AttendancePolicy, event.id) or AttendancePolicy(
        event_id=event.id, sessions_on_certificate=False, academic_hour_minutes=45)


def save_policy(event: Event, *, sessions_on_certificate: bool, academic_hour_minutes: int) -> AttendancePolicy:
    """Turn the list of attended sessions on certificates on or off."""
    policy = db.session.get(AttendancePolicy, event.id)
    if policy is None:
        policy = AttendancePolicy(event_id=event.id)
        db.session.add(policy)
    policy.sessions_on_certificate = sessions_on_certificate
    policy.academic_hour_minutes = academic_hour_minutes
    return policy


def sessions_attended(registration: Registration) -> list[AttendedSession]:
    """The sessions this participant was scanned into, in time order (for the certificate)."""
    rows = db.session.scalars(
        select(Session).join(SessionAttendance, SessionAttendance.session_id == Session.id)
        .where(SessionAttendance.registration_id == registration.id)
        .order_by(Session.starts_at, Session.id)).all()
    return [AttendedSession(s.title, s.starts_at, s.ends_at,
                            max(int((s.ends_at - s.starts_at).total_seconds() // 60), 0)) for s in rows]


def academic_hours(sessions: list[AttendedSession], hour_minutes: int = 45) -> float:
    """Academic hours of the sessions, rounded down to a half hour."""
    minutes = sum(s.minutes for s in sessions)
    return int(minutes * 2 // max(hour_minutes, 1)) / 2


def certificate_sessions(registration: Registration) -> CertificateSessions | None:
    """What the certificate lists, or None when the organiser has not turned it on."""
    policy = policy_of(registration.event)
    if not policy.sessions_on_certificate:
        return None
    attended = sessions_attended(registration)
    return CertificateSessions(attended, academic_hours(attended, policy.academic_hour_minutes))
