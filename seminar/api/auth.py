"""Bearer-token access to the API."""
from __future__ import annotations

from functools import wraps

from flask import g, jsonify, request
from sqlalchemy import select

from ..auth.services import user_for_token
from ..events.models import Event
from ..extensions import db


class ApiAbort(Exception):
    def __init__(self, status: int, body: dict):
        super().__init__(status)
        self.status = status
        self.body = body


def token_required(view):
    """The request carries a valid token; g.api_user is its user."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        if user is None:
            return jsonify({"error": "unauthorized", "message": "Bearer token required"}), 401, {
                "WWW-Authenticate": "Bearer"}
        g.api_user = user
        return view(*args, **kwargs)
    return wrapper


def event_for(slug: str, right: str) -> Event:
    """The event, if the token's user holds the right ('manage' or 'check_in') on it."""
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise ApiAbort(404, {"error": "not_found", "message": "no such event"})
    allowed = g.api_user.can_manage(event) if right == "manage" else g.api_user.can_check_in(event)
    if not allowed:
        raise ApiAbort(403, {"error": "forbidden", "message": "this token has no right on this event"})
    return event
