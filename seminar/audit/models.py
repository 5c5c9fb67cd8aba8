"""One row per organiser action that changes or reveals personal data."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import Model


class AuditEntry(Model):
    """Append-only: rows are only ever inserted (never updated or deleted by the app)."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: The staff account that acted; NULL for the system (queue, CLI) or the participant themself.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: Who acted, as shown in the log: a staff e-mail, "cli", "system" or "participant".
    actor: Mapped[str] = mapped_column(String(254))
    #: A dotted verb, e.g. registration.approve, registration.edit, export.xlsx, token.create.
    action: Mapped[str] = mapped_column(String(60), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"), index=True)
    #: The registration concerned, by id only (the log holds no names).
    registration_id: Mapped[int | None] = mapped_column(index=True)
    #: What changed (field names, counts, filters), never the personal values themselves.
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The client address of the request, when the action came from one.
    ip: Mapped[str | None] = mapped_column(String(45))
