"""For views: record the signed-in staff member's action with the request's address."""
from __future__ import annotations

from flask import request
from flask_login import current_user

from .services import record


def record_action(action: str, event, registration=None, **detail) -> None:
    """An audit entry for what the signed-in user just did (ids and field names only)."""
    record(action, actor=current_user._get_current_object(), event_id=event.id,
           registration_id=registration.id if registration is not None else None, detail=detail,
           ip=request.remote_addr)
