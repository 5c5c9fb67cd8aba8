"""Writing to the audit log. The caller commits, with the change it records."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..extensions import db
from .models import AuditEntry


def record(action: str, *, actor: Any = None, event_id: int | None = None,
           registration_id: int | None = None, detail: dict | None = None,
           ip: str | None = None) -> AuditEntry:
    """Add one entry. `actor` is a User, or a label such as "cli", "system", "participant"."""
    user_id = getattr(actor, "id", None)
    label = getattr(actor, "email", None) or (actor if isinstance(actor, str) else "system")
    entry = AuditEntry(user_id=user_id, actor=label, action=action, event_id=event_id,
                       registration_id=registration_id, detail=detail or {}, ip=ip)
    db.session.add(entry)
    return entry


def entries(*, event_id: int | None = None, limit: int = 200, before_id: int | None = None
            ) -> list[AuditEntry]:
    """Newest first; an event's entries, or every entry (admins)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if event_id is not None:
        query = query.where(AuditEntry.event_id == event_id)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(db.session.scalars(query))
