"""Who came to which session, and an event's rule for listing sessions on certificates."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import Model


class SessionAttendance(Model):
    """One person seen at one session's door; a repeat scan adds nothing (UNIQUE)."""

    __tablename__ = "session_attendance"
    __table_args__ = (UniqueConstraint("session_id", "registration_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("programme_session.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), index=True)
    #: When the badge was scanned at the room's door (the device's time for offline scans).
    attended_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    device: Mapped[str] = mapped_column(String(100), default="")
    #: The client's id of the scan: an offline replay of the same scan is recognised.
    scan_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class AttendancePolicy(Model):
    """Per-event option: list the sessions attended on the certificate, with academic hours."""

    __tablename__ = "attendance_policy"
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    sessions_on_certificate: Mapped[bool] = mapped_column(default=False)
    #: Minutes in one academic hour (45 in Russian further education).
    academic_hour_minutes: Mapped[int] = mapped_column(default=45)
