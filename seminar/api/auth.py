"""Bearer-token access to the API."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from functools import wraps

from flask import g, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import ValidationError, validate_csrf
from sqlalchemy import select

from ..auth.models import ApiToken
from ..auth.services import user_for_token
from ..dbtypes import VenueClock
from ..events.models import Event
from ..extensions import db


class ApiAbort(Exception):
    def __init__(self, status: int, body: dict):
        super().__init__(status)
        self.status = status
        self.body = body


#: Methods that change nothing: a signed-in browser needs no CSRF header for them.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _session_user():
    """The signed-in staff member of a browser page (the door page), or None.

    A request that changes something must also carry the page's CSRF token in
    the X-CSRFToken header; bearer-token calls need none (no cookie is involved).
    """
    if not current_user.is_authenticated:
        return None
    if request.method not in SAFE_METHODS:
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except ValidationError:
            raise ApiAbort(403, {"error": "csrf", "message": "X-CSRFToken header missing or invalid"}) from None
    return current_user._get_current_object()


def token_required(view):
    """The request carries a valid token (or a signed-in session); g.api_user is its user."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            user = user_for_token(token.strip())
        else:
            user = _session_user()
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


@dataclass(frozen=True)
class Caller:
    """The user behind a cached API call: only the id is needed to record who scanned."""

    id: int


@dataclass(frozen=True)
class EventAccess(VenueClock):
    """A caller's right on one event, with the few event fields the door's hot endpoint needs."""

    user: Caller
    id: int
    slug: str
    timezone: str
    starts_at: datetime
    registration_opens: datetime | None


#: Seconds a bearer token's right on an event is remembered per worker process.
ACCESS_TTL = 10.0
_ACCESS_MAX = 1000
_access_cache: dict[tuple[str, str, str], tuple[float, EventAccess]] = {}


def event_access(slug: str, right: str) -> EventAccess:
    """Like token_required + event_for, but a bearer token's grant is remembered for ACCESS_TTL s.

    The door scans a badge every second or two from several devices; looking up the
    token, its user, the event and the user's events costs more than the check-in
    itself. A grant (never a refusal) is kept in this process for 10 seconds, so a
    revoked token or an account unbound from the event stops working within 10 s.
    Signed-in browser sessions always take the full path.
    """
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    key = (ApiToken.hash(token), slug, right) if scheme.lower() == "bearer" and token else None
    if key is not None:
        hit = _access_cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        user = user_for_token(token)
    else:
        user = _session_user()
    if user is None:
        raise ApiAbort(401, {"error": "unauthorized", "message": "Bearer token required"})
    g.api_user = user
    event = event_for(slug, right)
    access = EventAccess(Caller(user.id), event.id, event.slug, event.timezone, event.starts_at,
                         event.registration_opens)
    if key is not None:
        if len(_access_cache) >= _ACCESS_MAX:
            _access_cache.clear()
        _access_cache[key] = (time.monotonic() + ACCESS_TTL, access)
    return access
