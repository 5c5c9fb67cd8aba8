"""Check-ins at the door and their audit trail."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import Model
from ..registration.models import Registration


class CheckIn(Model):
    __tablename__ = "checkin"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    #: UNIQUE: however many doors scan one badge at once, one row wins.
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), unique=True
    )
    #: When the badge was scanned (the device's time for offline scans uploaded late).
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    device: Mapped[str] = mapped_column(String(100), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: UNIQUE: one client scan id checks in one badge; reused for another it is refused.
    scan_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    registration: Mapped[Registration] = relationship()


class CheckInAudit(Model):
    """Every check-in, repeat, refusal and undo, kept for the organisers."""

    __tablename__ = "checkin_audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registration.id", ondelete="SET NULL")
    )
    #: checked_in, already_checked_in, undone, unknown_code, cancelled, not_confirmed, other_event
    action: Mapped[str] = mapped_column(String(30))
    #: The client's id of a scan; a scan sent twice (offline replay) is recorded once.
    scan_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    device: Mapped[str] = mapped_column(String(100), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
