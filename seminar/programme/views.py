"""The public programme and the speakers list."""
from flask import render_template
from sqlalchemy import select

from ..events.services import get_event_or_404
from ..extensions import db
from . import bp
from .models import Session


@bp.get("/events/<slug>/programme")
def programme(slug):
    """The event's programme."""
    event = get_event_or_404(slug)
    sessions = db.session.scalars(
        select(Session).where(Session.event_id == event.id).order_by(Session.starts_at, Session.position)
    ).all()
    return render_template("programme/programme.html", event=event, sessions=sessions)


@bp.get("/events/<slug>/speakers")
def speakers(slug):
    """The event's speakers with their sessions."""
    event = get_event_or_404(slug)
    return render_template("programme/speakers.html", event=event, speakers=[])
