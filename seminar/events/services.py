"""Finding events and municipalities."""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from .models import Event, EventStatus, Municipality


def get_event_or_404(slug: str) -> Event:
    """A published or archived event, or a draft for those who manage it."""
    event = db.first_or_404(select(Event).where(Event.slug == slug))
    if event.status == EventStatus.draft.value and not (
        current_user.is_authenticated and current_user.can_manage(event)
    ):
        abort(404)
    return event


def list_public_events() -> list[Event]:
    """Published events, the soonest first, then archived ones."""
    events = db.session.scalars(
        select(Event).where(Event.status != EventStatus.draft.value).order_by(Event.starts_at.desc())
    ).all()
    return sorted(events, key=lambda e: e.status != EventStatus.published.value)


def municipality_choices(event: Event) -> list[tuple[int, str]]:
    """The municipalities a participant of this event can choose."""
    query = select(Municipality.id, Municipality.name).order_by(Municipality.name)
    if event.region_id:
        query = query.where(Municipality.region_id == event.region_id)
    return [(row.id, row.name) for row in db.session.execute(query)]
