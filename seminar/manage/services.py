"""Loading what an organiser acts on."""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from ..events.models import Event
from ..extensions import db
from ..questions.services import answer_filter
from ..registration.models import Registration


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


def events_for(user) -> list[Event]:
    if user.is_admin:
        return list(db.session.scalars(select(Event).order_by(Event.starts_at.desc())))
    return sorted(user.events, key=lambda e: e.starts_at, reverse=True)


def roster_filters(event: Event, args: dict) -> dict:
    """`registrations_query` keywords from the plain filters of the table (role, status, q,
    municipality_id, answer "<question id>:<value>")."""
    answer = answer_filter(event, args.get("answer"))
    return {"role": args.get("role"), "status": args.get("status"), "q": args.get("q"),
            "municipality_id": args.get("municipality_id"),
            "where": [answer] if answer is not None else []}
