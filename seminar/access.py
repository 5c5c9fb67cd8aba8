"""Loading what a signed-in member of staff acts on, with their rights checked: every organiser's
page and the door's pages of every feature start here."""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from .events.models import Event
from .extensions import db
from .registration.models import Registration


def managed_event_or_404(slug: str, right: str = "manage") -> Event:
    """The event if the signed-in user may manage it ('manage') or work its door ('check_in')."""
    event = db.first_or_404(select(Event).where(Event.slug == slug))
    allowed = current_user.can_manage(event) if right == "manage" else current_user.can_check_in(event)
    if not allowed:
        abort(403)
    return event


def managed_registration_or_404(event: Event, registration_id: int) -> Registration:
    if not 0 < registration_id < 2**31:  # no such id, and no overflow in the database driver
        abort(404)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration
