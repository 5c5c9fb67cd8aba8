"""JSON API: the organiser adds and edits registrations and changes an event's seat limits."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, g, jsonify, request
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ..api.auth import ApiAbort, event_for, token_required
from ..api.serializers import iso, registration_json
from ..audit.services import record
from ..checkin.models import CheckIn
from ..dbtypes import utcnow
from ..events.models import Event, Municipality
from ..events.services import municipality_choices
from ..extensions import db
from ..registration import notify
from ..registration.editing import DuplicateEmail, UnknownRole, edit_registration
from ..registration.models import Registration
from ..registration.services import UnknownMunicipality
from .forms import PersonForm
from .services import (
    UNSET,
    Limits,
    SeatRefused,
    add_registration,
    change_limits,
    over_capacity,
    seated_count,
    set_status,
)

bp = Blueprint("people_api", __name__, url_prefix="/api/v1")

FIELDS = ("last_name", "first_name", "middle_name", "email", "phone", "municipality",
          "organization", "position", "role")


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiAbort(400, {"error": "invalid", "message": "a JSON object is required"})
    return body


def _municipality_value(event: Event, value) -> str:
    """The form's select value (an id) from an id or a municipality's name."""
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return str(value)
    if isinstance(value, str) and value.strip():
        query = select(Municipality.id).where(Municipality.name == value.strip())
        if event.region_id:
            query = query.where(Municipality.region_id == event.region_id)
        found = db.session.scalar(query)
        return str(found) if found else value
    return ""


def _person_form(event: Event, data: dict) -> PersonForm:
    """The registration form's checks applied to a JSON body."""
    values = {name: data.get(name) for name in FIELDS if data.get(name) is not None}
    for name, value in values.items():
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ApiAbort(400, {"error": "invalid", "fields": {name: ["must be a string"]}})
    if "municipality" in values:
        values["municipality"] = _municipality_value(event, values["municipality"])
    form = PersonForm(formdata=MultiDict({k: str(v) for k, v in values.items()}),
                      meta={"csrf": False}, municipalities=municipality_choices(event))
    if not form.validate():
        raise ApiAbort(400, {"error": "invalid", "message": "some fields are invalid",
                             "fields": {k: [str(m) for m in v] for k, v in form.errors.items()}})
    return form


def _registration_of(event: Event, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        raise ApiAbort(404, {"error": "not_found", "message": "no such registration"})
    return registration


def _checked_in_at(registration: Registration) -> datetime | None:
    return db.session.scalar(select(CheckIn.checked_in_at).where(CheckIn.registration_id == registration.id))


def _current(registration: Registration) -> dict:
    """The registration's fields as a JSON body would give them (the base of a PATCH)."""
    return {"last_name": registration.last_name, "first_name": registration.first_name,
            "middle_name": registration.middle_name, "email": registration.email,
            "phone": registration.phone, "municipality": registration.municipality_id,
            "organization": registration.organization, "position": registration.position,
            "role": registration.role}


def _override(body: dict) -> bool:
    return body.get("override") is True


@bp.post("/events/<slug>/registrations")
@token_required
def create_registration(slug):
    """Add a person: the form's fields plus `role`; seat rules apply unless `override` is true."""
    event = event_for(slug, "manage")
    body = _body()
    form = _person_form(event, {"role": "participant", **body})
    try:
        registration = add_registration(event, form.applicant(), now=utcnow(), override=_override(body))
    except DuplicateEmail:
        raise ApiAbort(409, {"error": "duplicate_email",
                             "message": "this e-mail is already registered for the event"}) from None
    except (UnknownMunicipality, UnknownRole):
        raise ApiAbort(400, {"error": "invalid", "message": "unknown municipality or role"}) from None
    record("registration.add", actor=g.api_user, event_id=event.id, registration_id=registration.id,
           detail={"status": registration.status, "role": registration.role,
                   "override": _override(body)}, ip=request.remote_addr)
    db.session.commit()
    notify.send_registered(registration)
    return jsonify(registration_json(registration)), 201


@bp.patch("/events/<slug>/registrations/<int:registration_id>")
@token_required
def update_registration(slug, registration_id):
    """Change any of the fields, and `status` (confirmed / cancelled)."""
    event = event_for(slug, "manage")
    registration = _registration_of(event, registration_id)
    body = _body()
    status = body.get("status")
    if status is not None and status not in ("confirmed", "cancelled"):
        raise ApiAbort(400, {"error": "invalid", "fields": {"status": ["confirmed or cancelled"]}})
    promoted: list[Registration] = []
    changed: list[str] = []
    try:
        if any(name in body for name in FIELDS):
            form = _person_form(event, {**_current(registration), **body})
            edit = edit_registration(registration, form.changes())
            changed = edit.changed
        if status is not None and status != registration.status:
            promoted = set_status(registration, status, now=utcnow(), override=_override(body))
    except DuplicateEmail:
        raise ApiAbort(409, {"error": "duplicate_email",
                             "message": "another registration of this event has this e-mail"}) from None
    except SeatRefused as exc:
        db.session.rollback()
        message = ("a cancelled registration cannot be seated by hand" if exc.reason == "cancelled"
                   else "no free seat: send \"override\": true to seat above capacity or quota")
        raise ApiAbort(409, {"error": f"seat_refused_{exc.reason}", "message": message}) from None
    except (UnknownMunicipality, UnknownRole):
        raise ApiAbort(400, {"error": "invalid", "message": "unknown municipality or role"}) from None
    _record_patch(event, registration, changed, status, body, promoted)
    db.session.commit()
    _notify_patch(registration, status, promoted)
    return jsonify(registration_json(registration, _checked_in_at(registration)))


def _record_patch(event, registration, changed, status, body, promoted) -> None:
    ip = request.remote_addr
    if changed:
        record("registration.edit", actor=g.api_user, event_id=event.id,
               registration_id=registration.id, detail={"fields": changed}, ip=ip)
    if status == "cancelled":
        record("registration.cancel", actor=g.api_user, event_id=event.id,
               registration_id=registration.id, ip=ip)
    elif status == "confirmed":
        record("registration.seat", actor=g.api_user, event_id=event.id,
               registration_id=registration.id, detail={"override": _override(body)}, ip=ip)
    for other in promoted:
        record("registration.promote", actor="system", event_id=event.id, registration_id=other.id)


def _notify_patch(registration, status, promoted) -> None:
    if status == "cancelled":
        notify.send_cancelled(registration)
    elif status == "confirmed":
        notify.send_approved(registration)
    for other in promoted:
        notify.send_promoted(other)


def event_json(event: Event) -> dict:
    return {
        "id": event.id, "slug": event.slug, "title": event.title, "status": event.status,
        "starts_at": iso(event.starts_at), "ends_at": iso(event.ends_at),
        "capacity": event.capacity, "municipality_quota": event.municipality_quota,
        "registration_opens": iso(event.registration_opens),
        "registration_closes": iso(event.registration_closes),
        "seated": seated_count(event), "over_capacity": over_capacity(event),
    }


def _limit(body: dict, name: str, maximum: int) -> object:
    if name not in body:
        return UNSET
    value = body[name]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise ApiAbort(400, {"error": "invalid", "fields": {name: [f"an integer 1…{maximum} or null"]}})
    return value


def _moment(event: Event, body: dict, name: str) -> object:
    if name not in body:
        return UNSET
    value = body[name]
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ApiAbort(400, {"error": "invalid", "fields": {name: ["an ISO 8601 date-time"]}}) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=event.tz)


@bp.patch("/events/<slug>")
@token_required
def update_event(slug):
    """Capacity, quota and registration window; a raised limit seats the waitlist at once."""
    event = event_for(slug, "manage")
    body = _body()
    limits = Limits(capacity=_limit(body, "capacity", 100000),
                    municipality_quota=_limit(body, "municipality_quota", 10000),
                    registration_opens=_moment(event, body, "registration_opens"),
                    registration_closes=_moment(event, body, "registration_closes"))
    opens = event.registration_opens if limits.registration_opens is UNSET else limits.registration_opens
    closes = event.registration_closes if limits.registration_closes is UNSET else limits.registration_closes
    if isinstance(opens, datetime) and isinstance(closes, datetime) and closes <= opens:
        raise ApiAbort(400, {"error": "invalid",
                             "fields": {"registration_closes": ["must be after registration_opens"]}})
    outcome = change_limits(event, limits)
    changed = [name for name in ("capacity", "municipality_quota", "registration_opens",
                                 "registration_closes") if name in body]
    record("event.limits", actor=g.api_user, event_id=event.id,
           detail={"fields": changed, "promoted": len(outcome.promoted)}, ip=request.remote_addr)
    for other in outcome.promoted:
        record("registration.promote", actor="system", event_id=event.id, registration_id=other.id)
    db.session.commit()
    for other in outcome.promoted:
        notify.send_promoted(other)
    return jsonify({**event_json(event), "promoted": [r.id for r in outcome.promoted]})
