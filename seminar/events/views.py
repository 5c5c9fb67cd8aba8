"""Public event list and event page."""
from flask import Blueprint, render_template

from ..dbtypes import utcnow
from .services import get_event_or_404, list_public_events

bp = Blueprint("events", __name__)


@bp.get("/")
def index():
    """The events a visitor can register for or read about."""
    return render_template("events/index.html", events=list_public_events(), now=utcnow())


@bp.get("/events/<slug>/")
def detail(slug):
    """An event's page: when, where, seats, and the way to register."""
    event = get_event_or_404(slug)
    return render_template("events/detail.html", event=event, now=utcnow(),
                           state=event.registration_state(utcnow()))
