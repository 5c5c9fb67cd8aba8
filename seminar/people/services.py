"""What an organiser does to registrations: add, edit, seat, change limits, act in bulk.

Every function here follows the seat rules of `registration.services` and takes the seat lock
before it gives a seat. The caller commits, records the action in the audit log and sends mail.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import select

from ..events.models import Event
from ..extensions import db
from ..registration.editing import (
    ROLES,
    UnknownRole,
    check_email_free,
)
from ..registration.models import Registration, Status
from ..registration.services import (
    Applicant,
    RegistrationError,
    _count,
    _fill,
    _seated_status,
    cancel,
    check_municipality,
    has_seat,
    lock_seats,
    promote_waitlisted,
)


class SeatRefused(RegistrationError):
    """A seat cannot be given: the registration is cancelled, or no seat is free."""

    def __init__(self, reason: str):
        super().__init__(reason)
        #: 'cancelled' or 'full'
        self.reason = reason


def add_registration(event: Event, applicant: Applicant, *, now: datetime,
                     override: bool = False) -> Registration:
    """The organiser adds a person (any role); seat rules apply unless `override` seats them anyway."""
    if applicant.role not in ROLES:
        raise UnknownRole(applicant.role)
    check_municipality(event, applicant.municipality_id)
    lock_seats(event)
    email = applicant.email.strip().lower()
    check_email_free(event, email)
    registration = Registration(event=event, email=email)
    _fill(registration, applicant)
    if override:
        registration.status = Status.confirmed.value
    elif has_seat(event, applicant.municipality_id):
        registration.status = _seated_status(event)
    else:
        registration.status = Status.waitlisted.value
    registration.created_at = now
    db.session.add(registration)
    db.session.flush()
    return registration


def seat(registration: Registration, *, override: bool = False) -> bool:
    """Seat a waitlisted (or pending) person by hand; False when they already had a seat."""
    if registration.status == Status.cancelled.value:
        raise SeatRefused("cancelled")
    if registration.status == Status.confirmed.value:
        return False
    event = registration.event
    lock_seats(event)
    if registration.status == Status.waitlisted.value and not override \
            and not has_seat(event, registration.municipality_id):
        raise SeatRefused("full")
    registration.status = Status.confirmed.value
    db.session.flush()
    return True


def set_status(registration: Registration, status: str, *, now: datetime,
               override: bool = False) -> list[Registration]:
    """Confirm or cancel (the API's `status`); returns people the waitlist seated after a cancel."""
    if status == Status.cancelled.value:
        return [] if registration.status == status else cancel(registration, now=now)
    if status == Status.confirmed.value:
        seat(registration, override=override)
        return []
    raise SeatRefused("status")


#: A limit that is not being changed.
UNSET: object = object()


@dataclass(frozen=True)
class Limits:
    """The seat-related settings of an event; a field left as UNSET is not changed."""

    capacity: object = UNSET
    municipality_quota: object = UNSET
    registration_opens: object = UNSET
    registration_closes: object = UNSET


@dataclass
class LimitsOutcome:
    promoted: list[Registration]
    #: Confirmed people above the new capacity: they keep their seats.
    over_capacity: int


def change_limits(event: Event, limits: Limits) -> LimitsOutcome:
    """Set capacity, quota and window; a raised limit seats the waitlist at once, in order."""
    lock_seats(event)
    for item in fields(limits):
        value = getattr(limits, item.name)
        if value is not UNSET:
            setattr(event, item.name, value)
    db.session.flush()
    return LimitsOutcome(promote_waitlisted(event), over_capacity(event))


def over_capacity(event: Event) -> int:
    """How many seated people exceed the capacity (after it was lowered); nobody loses a seat."""
    if event.capacity is None:
        return 0
    return max(_count(event) - event.capacity, 0)


def seated_count(event: Event) -> int:
    return _count(event)


def selected(event: Event, ids: list[int]) -> list[Registration]:
    """The registrations of the event among `ids` (others are ignored)."""
    if not ids:
        return []
    return list(db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.id.in_(ids)).order_by(Registration.id)))
