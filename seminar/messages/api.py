"""JSON API: send a message to a filtered group, and follow its delivery."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from ..api.auth import ApiAbort, event_for, token_required
from ..api.openapi import ERRORS, SLUG
from ..extensions import db
from . import broadcasts
from .broadcasts import ROLES, STATUSES, Draft, MessageError, NoRecipients, RecipientFilter
from .models import Broadcast

bp = Blueprint("messages_api", __name__, url_prefix="/api/v1")


def _bad(message: str) -> ApiAbort:
    return ApiAbort(400, {"error": "bad_request", "message": message})


def _strings(flt: dict, key: str, allowed: tuple[str, ...] | None = None) -> tuple:
    value = flt.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in value):
        raise _bad(f"filter.{key} must be a list")
    if allowed is not None and (unknown := [v for v in value if v not in allowed]):
        raise _bad(f"filter.{key}: unknown value {unknown[0]!r}; one of {', '.join(allowed)}")
    return tuple(value)


def parse_draft(body: object) -> Draft:
    """The message in the request body, checked; a 400 with a clear message otherwise."""
    if not isinstance(body, dict):
        raise _bad("the body must be a JSON object")
    subject, text, flt = body.get("subject"), body.get("body"), body.get("filter")
    flt = {} if flt is None else flt
    if not isinstance(subject, str) or not isinstance(text, str):
        raise _bad("subject and body must be strings")
    if not isinstance(flt, dict):
        raise _bad("filter must be an object")
    if unknown := set(flt) - {"status", "role", "municipality", "checked_in"}:
        raise _bad(f"filter: unknown key {sorted(unknown)[0]!r}")
    checked_in = flt.get("checked_in")
    if checked_in is not None and not isinstance(checked_in, bool):
        raise _bad("filter.checked_in must be true or false")
    return Draft(subject, text, RecipientFilter(_strings(flt, "status", STATUSES), _strings(flt, "role", ROLES),
                                                _strings(flt, "municipality"), checked_in))


@bp.post("/events/<slug>/messages")
@token_required
def send_message(slug):
    """Queue a message to the filtered registrations; answers at once with the recipient count."""
    event = event_for(slug, "manage")
    draft = parse_draft(request.get_json(force=True, silent=True))
    try:
        broadcast = broadcasts.create(event, draft, g.api_user.id)
    except NoRecipients as exc:
        raise ApiAbort(422, {"error": "no_recipients", "message": exc.message}) from None
    except MessageError as exc:
        raise _bad(exc.message) from None
    db.session.commit()
    return jsonify({"id": broadcast.id, "recipients": broadcast.recipients}), 202


@bp.get("/events/<slug>/messages/<int:message_id>")
@token_required
def message_status(slug, message_id):
    """How many of the message's e-mails are sent, failed and still pending."""
    event = event_for(slug, "manage")
    broadcast = db.session.get(Broadcast, message_id)
    if broadcast is None or broadcast.event_id != event.id:
        raise ApiAbort(404, {"error": "not_found", "message": "no such message"})
    d = broadcasts.delivery(broadcast)
    return jsonify({"id": d.id, "recipients": d.recipients, "sent": d.sent, "failed": d.failed, "pending": d.pending})


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_LIST = {"type": "array", "items": {"type": "string"}}
ERROR = {"type": "object", "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}
SCHEMAS = {
    "MessageRequest": {"type": "object", "required": ["subject", "body"], "properties": {
        "subject": {"type": "string", "maxLength": broadcasts.MAX_SUBJECT},
        "body": {"type": "string", "maxLength": broadcasts.MAX_BODY,
                 "description": "Plain text (HTML is shown as text). Placeholders: "
                                + ", ".join(f"{{{p}}}" for p in broadcasts.PLACEHOLDERS)},
        "filter": {"type": "object", "description": "Every key optional; without status: everyone not cancelled",
                   "properties": {
                       "status": {"type": "array", "items": {"enum": list(STATUSES)}},
                       "role": {"type": "array", "items": {"enum": list(ROLES)}},
                       "municipality": {"type": "array", "items": {"type": ["string", "integer"]},
                                        "description": "Municipality names (or ids)"},
                       "checked_in": {"type": "boolean"}}}}},
    "MessageDelivery": {"type": "object", "properties": {
        k: {"type": "integer"} for k in ("id", "recipients", "sent", "failed", "pending")}},
}
PATHS = {
    "/events/{slug}/messages": {"post": {
        "summary": "Send an e-mail to a filtered group of registrations (organiser)",
        "description": "Answers at once; the queue writes and sends one e-mail per recipient.",
        "parameters": [SLUG],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/MessageRequest"}}}},
        "responses": {
            "202": _json("Queued", {"type": "object", "properties": {
                "id": {"type": "integer"}, "recipients": {"type": "integer"}}}),
            "400": _json("Malformed body, unknown placeholder, empty or too long subject/body", ERROR),
            "422": _json("Nobody matches the filter (error: no_recipients); nothing is sent", ERROR),
            **ERRORS}}},
    "/events/{slug}/messages/{id}": {"get": {
        "summary": "Delivery of a message: sent, failed, pending (organiser)",
        "parameters": [SLUG, {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": _json("Counts", {"$ref": "#/components/schemas/MessageDelivery"}), **ERRORS}}},
}
