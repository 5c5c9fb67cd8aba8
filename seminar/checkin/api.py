"""JSON API of the door: scanning, undo, name search, the offline snapshot, arrivals, frame decoding."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.exceptions import BadRequest

from ..api.auth import ApiAbort, EventAccess, event_access, event_for, token_required
from ..audit.services import record
from ..dbtypes import utcnow
from ..events.models import Event
from ..extensions import db
from . import services
from .roster import event_stats
from .services import CheckInOutcome, DoorPerson

bp = Blueprint("checkin_api", __name__, url_prefix="/api/v1")

#: HTTP status of each check-in answer.
HTTP_STATUS = {
    services.CHECKED_IN: 201, services.ALREADY: 200, services.UNKNOWN: 404,
    services.CANCELLED: 409, services.NOT_CONFIRMED: 409, services.OTHER_EVENT: 409,
    services.SCAN_ID_REUSED: 409,
}
MAX_CODE_LENGTH = 64
MAX_DEVICE_LENGTH = 100
MAX_SCAN_ID_LENGTH = 64
#: A camera frame of about 640 px is far below this.
MAX_FRAME_BYTES = 1024 * 1024


def _bad(message: str) -> ApiAbort:
    return ApiAbort(400, {"status": "bad_request", "message": message})


def _optional_string(body: dict, name: str, limit: int) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(f"{name} must be a string")
    if len(value) > limit:
        raise _bad(f"{name} is longer than {limit} characters")
    return value.strip() or None


def _scan_time(value, event: Event | EventAccess) -> datetime | None:
    """An ISO 8601 time; without an offset it is read in the event's time zone."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad("scanned_at must be an ISO 8601 string")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _bad("scanned_at is not an ISO 8601 time, e.g. 2022-08-30T09:12:00+09:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=event.tz)


def parse_scan(event: Event | EventAccess) -> dict:
    """The scan in the request body, checked; raises a 400 with a clear message otherwise."""
    try:
        body = request.get_json(force=True)
    except BadRequest as exc:  # not JSON, too deep, or a control character in a string
        raise _bad(exc.description or "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise _bad("the body must be a JSON object")
    scan: dict = {}
    if "code" in body and body["code"] is not None:
        code = body["code"]
        if not isinstance(code, str):
            raise _bad("code must be a string")
        if len(code) > MAX_CODE_LENGTH:
            raise _bad(f"code is longer than {MAX_CODE_LENGTH} characters")
        if not services.normalise_code(code):
            raise _bad("code is empty")
        scan["code"] = code
    elif "registration_id" in body and body["registration_id"] is not None:
        reg_id = body["registration_id"]
        if isinstance(reg_id, bool) or not isinstance(reg_id, int) or not 0 < reg_id < 2**63:
            raise _bad("registration_id must be a positive integer")
        scan["registration_id"] = reg_id
    else:
        raise _bad("give either code or registration_id")
    scan["device"] = _optional_string(body, "device", MAX_DEVICE_LENGTH) or ""
    scan["scan_id"] = _optional_string(body, "scan_id", MAX_SCAN_ID_LENGTH)
    scan["scanned_at"] = _scan_time(body.get("scanned_at"), event)
    return scan


def person_json(person: DoorPerson) -> dict:
    return {
        "id": person.id, "full_name": person.full_name, "last_name": person.last_name,
        "first_name": person.first_name, "middle_name": person.middle_name,
        "municipality": person.municipality, "organization": person.organization,
        "position": person.position, "role": person.role, "status": person.status,
    }


def outcome_json(outcome: CheckInOutcome) -> dict:
    body: dict = {"status": outcome.status}
    if outcome.status == services.SCAN_ID_REUSED:
        body["message"] = "this scan_id was already used for another badge: send a new scan_id"
    person = outcome.registration
    if person is None:
        return body
    if outcome.status in (services.CHECKED_IN, services.ALREADY):
        body["registration"] = person_json(person)
        body["checked_in_at"] = outcome.checked_in_at.isoformat() if outcome.checked_in_at else None
        body["device"] = outcome.device
    else:  # refused: only what the door needs to explain it
        body["registration"] = {"full_name": person.full_name, "municipality": person.municipality}
    return body


@bp.post("/events/<slug>/checkins")
def create_checkin(slug):
    """Scan a badge (or pick a name): check the person in, or say why not."""
    access = event_access(slug, "check_in")  # the hot path: a bearer grant is cached briefly
    outcome = services.check_in(access, **parse_scan(access), user=access.user, now=utcnow())
    return jsonify(outcome_json(outcome)), HTTP_STATUS[outcome.status]


@bp.delete("/events/<slug>/checkins/<int:registration_id>")
@token_required
def delete_checkin(slug, registration_id):
    """Undo a check-in (organiser); the audit trail keeps it."""
    event = event_for(slug, "manage")
    # Added first: undo_check_in commits it with the undo (and a refused undo rolls it back).
    record("checkin.undo", actor=g.api_user, event_id=event.id, registration_id=registration_id,
           ip=request.remote_addr)
    try:
        services.undo_check_in(event, registration_id, user=g.api_user, now=utcnow())
    except services.CheckInNotFound:
        db.session.rollback()  # nothing was undone: no log entry either
        return jsonify({"status": "not_found", "message": "this person is not checked in"}), 404
    db.session.commit()
    return jsonify({"status": "undone"})


@bp.get("/events/<slug>/door/search")
@token_required
def door_search(slug):
    """Name search at the door: last-name prefix, case-insensitive, ё = е."""
    event = event_for(slug, "check_in")
    q = request.args.get("q", "")[:100]
    return jsonify({"results": [
        {"id": p.id, "full_name": p.full_name, "municipality": p.municipality,
         "organization": p.organization, "role": p.role, "status": p.status,
         "checked_in_at": at.isoformat() if at else None}
        for p, at in services.door_search(event, q)
    ]})


@bp.get("/events/<slug>/door/snapshot")
@token_required
def door_snapshot(slug):
    """The offline copy of the list for the door page (hashes, short names, status)."""
    event = event_for(slug, "check_in")
    version = services.snapshot_version(event)
    since = services.SnapshotVersion.parse(request.args.get("since"))
    if since == version:
        return _versioned(lambda: Response(status=304), version, "no-store")
    return _versioned(lambda: jsonify(services.door_snapshot(
        event, secret_key=current_app.config["SECRET_KEY"], now=utcnow(), since=since, version=version)),
        version, "no-store")


def _versioned(answer: Callable[[], Response], version: services.SnapshotVersion, cache_control: str) -> Response:
    """`answer()` with the list's version as its ETag, or an empty 304 when the client already holds
    that version (If-None-Match): nothing is computed then."""
    etag = f'"{version.token()}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = Response(status=304)
    else:
        response = answer()
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = cache_control
    return response


@bp.get("/events/<slug>/door/arrivals")
@token_required
def door_arrivals(slug):
    """Arrivals per 5 minutes and check-ins by municipality, for the live dashboard.

    It polls every few seconds: while no one registers or checks in, the browser revalidates its
    copy (no-cache + ETag) and the answer is an empty 304, with no grouping of the whole list."""
    event = event_for(slug, "check_in")

    def answer() -> Response:
        stats = event_stats(event)
        return jsonify({"buckets": services.arrivals(event), "by_municipality": stats["by_municipality"],
                        "checked_in": stats["checked_in"], "registered": stats["registered"]})

    return _versioned(answer, services.snapshot_version(event), "private, no-cache")


@bp.post("/events/<slug>/door/decode")
@token_required
def door_decode(slug):
    """Decode the badge QR codes in one camera frame sent as JPEG or PNG bytes."""
    event_for(slug, "check_in")
    if (request.content_length or 0) > MAX_FRAME_BYTES:
        return jsonify({"status": "too_large", "message": "a frame may have at most 1 MB"}), 413
    data = request.stream.read(MAX_FRAME_BYTES + 1)
    if len(data) > MAX_FRAME_BYTES:
        return jsonify({"status": "too_large", "message": "a frame may have at most 1 MB"}), 413
    if not data:
        raise _bad("send the JPEG or PNG bytes of one frame as the body")
    try:
        codes = services.decode_codes(data)
    except services.FrameRefused as exc:
        if exc.too_large:
            return jsonify({"status": "too_large", "message": str(exc)}), 413
        raise _bad(str(exc)) from None
    return jsonify({"codes": codes})
