"""Creating and editing events (organiser side)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from .models import Event, Region


@dataclass(frozen=True)
class EventFields:
    title: str
    slug: str
    description: str
    city: str
    venue: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    registration_opens: datetime | None
    registration_closes: datetime | None
    capacity: int | None
    municipality_quota: int | None
    region_id: int | None
    moderation: bool
    status: str
    #: None: one year after the end (seminar.privacy).
    retain_personal_data_until: datetime | None = None
    #: "Confirm e-mail first": hours a new registration's seat is held (None: off).
    confirm_email_hours: int | None = None


def save_event(event: Event | None, fields: EventFields, creator=None) -> Event:
    """Create an event (its creator may then manage it) or update one."""
    created = event is None
    event = event or Event()
    for name, value in fields.__dict__.items():
        setattr(event, name, value)
    if created:
        db.session.add(event)
        if creator is not None and not creator.is_admin:
            creator.events.append(event)
    db.session.flush()
    return event


def region_choices() -> list[tuple[int, str]]:
    return [(r.id, r.name) for r in db.session.scalars(select(Region).order_by(Region.name))]


def taken_slugs(except_event: Event | None = None) -> set[str]:
    slugs = set(db.session.scalars(select(Event.slug)))
    if except_event is not None:
        slugs.discard(except_event.slug)
    return slugs
