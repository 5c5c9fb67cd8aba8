"""Cloning an event for its next edition: settings, rooms and programme, without people."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from ..events.models import Event, EventStatus
from ..extensions import db
from ..programme.models import Room, Session

#: Event columns that belong to one edition only and are not copied.
NOT_COPIED = {"id", "slug", "title", "status", "seat_lock", "created_at"}


def _shifted(event: Event, moment: datetime | None, days: int) -> datetime | None:
    """The same wall-clock time at the venue, `days` later."""
    if moment is None:
        return None
    local = event.local(moment)
    return (local.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=local.tzinfo)


def clone_event(source: Event, *, slug: str, title: str, starts_on: date, creator=None) -> Event:
    """A draft copy starting on `starts_on`: every time moved by the same number of days."""
    days = (starts_on - source.local(source.starts_at).date()).days
    copy = Event(slug=slug, title=title, status=EventStatus.draft.value)
    for column in Event.__table__.columns:
        if column.key not in NOT_COPIED:
            setattr(copy, column.key, getattr(source, column.key))
    for name in ("starts_at", "ends_at", "registration_opens", "registration_closes"):
        setattr(copy, name, _shifted(source, getattr(source, name), days))
    db.session.add(copy)
    rooms = {}
    for room in db.session.scalars(select(Room).where(Room.event_id == source.id)):
        rooms[room.id] = Room(event=copy, name=room.name, capacity=room.capacity, position=room.position)
    db.session.add_all(rooms.values())
    for session in db.session.scalars(select(Session).where(Session.event_id == source.id)):
        db.session.add(Session(
            event=copy, room=rooms.get(session.room_id) if session.room_id else None, title=session.title,
            description=session.description, kind=session.kind, track=session.track,
            starts_at=_shifted(source, session.starts_at, days), ends_at=_shifted(source, session.ends_at, days),
            position=session.position))
    if creator is not None and not creator.is_admin:
        creator.events.append(copy)
    db.session.flush()
    return copy
