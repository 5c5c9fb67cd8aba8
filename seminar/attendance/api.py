"""JSON API of a room's door: record attendance at a session, its counts and its offline list."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify

from ..api.auth import ApiAbort, event_for, token_required
from ..checkin.api import parse_scan, person_json
from ..dbtypes import utcnow
from ..events.models import Event
from ..programme.models import Session
from . import services
from .services import AttendanceOutcome

bp = Blueprint("attendance_api", __name__, url_prefix="/api/v1")

HTTP_STATUS = {
    services.ATTENDED: 201, services.ALREADY: 200, services.UNKNOWN: 404, services.FULL: 409,
    services.CANCELLED: 409, services.NOT_CONFIRMED: 409, services.OTHER_EVENT: 409,
}


def _session_or_404(event: Event, session_id: int) -> Session:
    session = services.session_of(event, session_id)
    if session is None:
        raise ApiAbort(404, {"status": "unknown_session", "error": "not_found",
                            "message": "no such session in this event"})
    return session


def outcome_json(outcome: AttendanceOutcome) -> dict:
    body: dict = {"status": outcome.status, "attended": outcome.attended, "capacity": outcome.capacity}
    person = outcome.registration
    if person is None:
        return body
    if outcome.status in (services.ATTENDED, services.ALREADY, services.FULL):
        body["registration"] = person_json(person)
        body["attended_at"] = outcome.attended_at.isoformat() if outcome.attended_at else None
    else:  # refused: only what the door needs to explain it
        body["registration"] = {"full_name": person.full_name, "municipality": person.municipality}
    return body


def counts_json(event: Event, session: Session) -> dict:
    attended = services.attended_count(session.id)
    capacity = services.session_capacity(session)
    confirmed = services.confirmed_count(event)
    # checked_in / confirmed: the names the door page's counter reads.
    return {"session_id": session.id, "title": session.title,
            "room": session.room.name if session.room else None, "capacity": capacity,
            "attended": attended, "checked_in": attended,
            "confirmed": capacity if capacity is not None else confirmed}


@bp.post("/events/<slug>/sessions/<int:session_id>/attendance")
@token_required
def create_attendance(slug, session_id):
    """Scan a badge at a session's door: the person attended, already did, or the session is full."""
    event = event_for(slug, "check_in")
    session = _session_or_404(event, session_id)
    outcome = services.record_attendance(event, session, **parse_scan(event), user=g.api_user, now=utcnow())
    return jsonify(outcome_json(outcome)), HTTP_STATUS[outcome.status]


@bp.get("/events/<slug>/sessions/<int:session_id>/attendance")
@token_required
def session_attendance(slug, session_id):
    """How many came to the session, and its seats."""
    event = event_for(slug, "check_in")
    return jsonify(counts_json(event, _session_or_404(event, session_id)))


@bp.get("/events/<slug>/sessions/<int:session_id>/door/snapshot")
@token_required
def session_snapshot(slug, session_id):
    """The room door's offline list: code hashes, short names, status, seen at this session."""
    event = event_for(slug, "check_in")
    session = _session_or_404(event, session_id)
    snapshot = services.session_door_snapshot(
        event, session, secret_key=current_app.config["SECRET_KEY"], now=utcnow())
    response = jsonify(snapshot)
    response.headers["Cache-Control"] = "no-store"
    return response

