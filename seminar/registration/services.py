"""Registering, cancelling, approving: the seat rules of an event."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from .. import sqlite_writers
from ..dbtypes import utcnow
from ..events.models import Event, Municipality
from ..extensions import db
from .models import SEAT_HOLDING, Registration, Role, Status, name_key


class RegistrationError(Exception):
    """A registration the rules do not allow."""


class RegistrationClosed(RegistrationError):
    def __init__(self, state: str):
        super().__init__(state)
        #: 'not_yet', 'closed' or 'unavailable'
        self.state = state


class UnknownMunicipality(RegistrationError):
    pass


class NotCancellable(RegistrationError):
    pass


@dataclass(frozen=True)
class Applicant:
    """What a person gives on the registration form."""

    last_name: str
    first_name: str
    middle_name: str
    email: str
    phone: str
    municipality_id: int | None
    organization: str
    position: str
    role: str = Role.participant.value


@dataclass
class Outcome:
    registration: Registration
    #: False when the address was already registered: nothing new was created.
    created: bool


def lock_seats(event: Event) -> None:
    """Serialise seat allocation for one event until the transaction ends.

    The first write of the transaction: on SQLite it takes the database write
    lock (waiting on busy_timeout), on PostgreSQL the event row's lock. Counts
    made after it see every seat given before it.
    """
    # The limits as they are now, not as this request first read them: the organiser may have
    # raised the capacity while we waited for the lock (PostgreSQL reads committed data per statement).
    sqlite_writers.take()
    limits = ("capacity", "municipality_quota", "moderation")
    row = db.session.execute(
        update(Event).where(Event.id == event.id).values(seat_lock=Event.seat_lock + 1)
        .returning(*(getattr(Event, name) for name in limits))
        .execution_options(synchronize_session=False)
    ).one()
    for name, value in zip(limits, row, strict=True):
        set_committed_value(event, name, value)


def _count(event: Event, municipality_id: int | None = None) -> int:
    # count(*) over the (event_id, status) index, not count(id): the seat lock waits on this count.
    query = select(func.count()).select_from(Registration).where(
        Registration.event_id == event.id, Registration.status.in_(SEAT_HOLDING)
    )
    if municipality_id is not None:
        query = query.where(Registration.municipality_id == municipality_id)
    return db.session.scalar(query) or 0


def has_seat(event: Event, municipality_id: int | None) -> bool:
    """A free seat in the hall and in the municipality's quota."""
    if event.capacity is not None and _count(event) >= event.capacity:
        return False
    if event.municipality_quota is not None and municipality_id is not None:
        return _count(event, municipality_id) < event.municipality_quota
    return True


def _seated_status(event: Event) -> str:
    return Status.pending.value if event.moderation else Status.confirmed.value


def _seat(registration: Registration, event: Event, now: datetime) -> None:
    """Give the registration a seat: held for a few hours while its address is unconfirmed
    ("confirm e-mail first"), else confirmed (or pending under moderation)."""
    if event.confirm_email_hours and registration.email_confirmed_at is None:
        registration.status = Status.unconfirmed.value
        registration.hold_until = now + timedelta(hours=event.confirm_email_hours)
    else:
        registration.status = _seated_status(event)
        registration.hold_until = None


def lapse_holds(event: Event, *, now: datetime) -> list[Registration]:
    """Cancel the unconfirmed holds of the event whose time is up; the seats go to the waitlist.

    Returns those promoted. Call with the seat lock held (register does) or let it take the lock.
    """
    lapsed = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.status == Status.unconfirmed.value,
        Registration.hold_until <= now)).all()
    if not lapsed:
        return []
    lock_seats(event)
    for registration in lapsed:
        registration.status = Status.cancelled.value
        registration.cancelled_at = now
        registration.hold_until = None
    db.session.flush()
    return promote_waitlisted(event, now=now)


def confirm_email(registration: Registration, *, now: datetime) -> bool:
    """The person opened the mailed link: their held seat is theirs. False when nothing changed
    (already confirmed, or the hold had lapsed: they are told to register again)."""
    if registration.email_confirmed_at is not None or registration.status != Status.unconfirmed.value:
        if registration.email_confirmed_at is None and registration.event.confirm_email_hours:
            registration.email_confirmed_at = now  # a waitlisted person: promoted without a new hold
        return False
    if registration.hold_until is not None and registration.hold_until <= now:
        lapse_holds(registration.event, now=now)
        return False
    registration.email_confirmed_at = now
    registration.status = _seated_status(registration.event)
    registration.hold_until = None
    return True


def check_municipality(event: Event, municipality_id: int | None) -> None:
    """Raise UnknownMunicipality unless the municipality exists and belongs to the event's region.

    Municipalities are added and renamed, never deleted or moved to another region, so the app
    remembers each one's region once it has been read (one query less for every registration).
    """
    if municipality_id is None:
        return
    regions: dict[int, int] = current_app.extensions.setdefault("seminar.municipality_regions", {})
    region_id = regions.get(municipality_id)
    if region_id is None:
        municipality = db.session.get(Municipality, municipality_id)
        if municipality is None:
            raise UnknownMunicipality(municipality_id)
        region_id = regions[municipality_id] = municipality.region_id
    if event.region_id and region_id != event.region_id:
        raise UnknownMunicipality(municipality_id)


def find_by_email(event: Event, email: str) -> Registration | None:
    return db.session.scalar(
        select(Registration).where(
            Registration.event_id == event.id, Registration.email == email.strip().lower()
        )
    )


def register(event: Event, applicant: Applicant, *, now: datetime, consent_version: str,
             consent_text_id: int | None = None) -> Outcome:
    """Register a person: a seat if one is free, else the waitlist; never twice."""
    state = event.registration_state(now)
    if state != "open":
        raise RegistrationClosed(state)
    check_municipality(event, applicant.municipality_id)
    email = applicant.email.strip().lower()
    # What can be read before the seat lock is, so that the lock is held only for the decision:
    # lapsed holds (rare: it takes the lock itself then) and the address already registered.
    lapse_holds(event, now=now)  # correct without the queue's worker: lapsed holds free their seats
    existing = find_by_email(event, email)
    if existing is not None and existing.is_active:
        return Outcome(existing, created=False)
    lock_seats(event)
    if existing is not None:
        db.session.refresh(existing)  # cancelled when read; someone may have registered it again since
        if existing.is_active:
            return Outcome(existing, created=False)
    # A new address registered by a parallel request meanwhile fails the INSERT: see below.
    registration = existing or Registration(event=event, email=email)
    _fill(registration, applicant)
    registration.consent_version = consent_version
    registration.consent_text_id = consent_text_id
    registration.consent_at = now
    registration.cancelled_at = None
    if has_seat(event, applicant.municipality_id):
        _seat(registration, event, now)
    else:
        registration.status = Status.waitlisted.value
    db.session.add(registration)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request registered the same address between our check and insert.
        db.session.rollback()
        winner = find_by_email(event, email)
        assert winner is not None  # the row that made our INSERT fail
        return Outcome(winner, created=False)
    return Outcome(registration, created=True)


def _fill(registration: Registration, applicant: Applicant) -> None:
    registration.last_name = applicant.last_name
    registration.first_name = applicant.first_name
    registration.middle_name = applicant.middle_name
    registration.last_name_key = name_key(applicant.last_name)
    registration.phone = applicant.phone
    registration.municipality_id = applicant.municipality_id
    registration.organization = applicant.organization
    registration.position = applicant.position
    registration.role = applicant.role


def cancel(registration: Registration, *, now: datetime) -> list[Registration]:
    """Cancel a registration and give its seat to the waitlist; returns those promoted."""
    if registration.status == Status.cancelled.value:
        raise NotCancellable(registration.id)
    lock_seats(registration.event)
    registration.status = Status.cancelled.value
    registration.cancelled_at = now
    db.session.flush()
    return promote_waitlisted(registration.event, now=now)


def promote_waitlisted(event: Event, *, now: datetime | None = None) -> list[Registration]:
    """Seat waitlisted people in order of registration while seats are free.

    Call with the seat lock held. Someone whose municipality's quota is full
    is skipped, not blocking those behind them.
    """
    promoted = []
    waiting = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == Status.waitlisted.value)
        .order_by(Registration.created_at, Registration.id)
    ).all()
    for registration in waiting:
        if event.capacity is not None and _count(event) >= event.capacity:
            break
        if has_seat(event, registration.municipality_id):
            _seat(registration, event, now or utcnow())
            db.session.flush()
            promoted.append(registration)
    return promoted


def approve(registration: Registration) -> bool:
    """Confirm a pending registration (moderation); False when it was not pending."""
    if registration.status != Status.pending.value:
        return False
    registration.status = Status.confirmed.value
    return True


def get_by_token(token: str) -> Registration | None:
    if not token or len(token) > 64:
        return None
    # An anonymised registration has no personal link any more (seminar.privacy).
    return db.session.scalar(select(Registration).where(Registration.access_token == token,
                                                        Registration.anonymised_at.is_(None)))


def seats_left(event: Event) -> int | None:
    """Free seats in the hall, None when the event has no capacity limit."""
    if event.capacity is None:
        return None
    return max(event.capacity - _count(event), 0)
