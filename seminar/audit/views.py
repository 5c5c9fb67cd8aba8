"""The log page: an event's entries for its organisers, every entry for admins."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from ..access import managed_event_or_404
from ..events.models import Event
from ..extensions import db
from ..registration.models import Registration
from .services import entries

bp = Blueprint("audit", __name__)

PER_PAGE = 100


def _page(event_id: int | None):
    """A page of entries (newest first) and the names of the registrations they concern."""
    rows = entries(event_id=event_id, limit=PER_PAGE, before_id=request.args.get("before", type=int))
    ids = {e.registration_id for e in rows if e.registration_id}
    names: dict[int, str] = {}
    if ids:
        names = {rid: name for rid, name in db.session.execute(
            select(Registration.id, Registration.last_name + " " + Registration.first_name)
            .where(Registration.id.in_(ids)))}
    return rows, names


@bp.get("/manage/events/<slug>/log")
@login_required
def event_log(slug):
    """Who approved, cancelled, edited, exported what in this event, when and from where."""
    event = managed_event_or_404(slug)
    rows, names = _page(event.id)
    return render_template("audit/log.html", event=event, rows=rows, names=names, per_page=PER_PAGE,
                           events={event.id: event})


@bp.get("/manage/log")
@login_required
def full_log():
    """Every entry of every event (admins)."""
    if not current_user.is_admin:
        abort(403)
    rows, names = _page(None)
    ids = {e.event_id for e in rows if e.event_id}
    events = {e.id: e for e in db.session.scalars(select(Event).where(Event.id.in_(ids)))} if ids else {}
    return render_template("audit/log.html", event=None, rows=rows, names=names, per_page=PER_PAGE,
                           events=events)
