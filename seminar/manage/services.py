"""Loading what an organiser acts on."""
from __future__ import annotations

from sqlalchemy import select

from ..events.models import Event
from ..extensions import db
from ..questions.services import answer_filter


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
