"""The consent texts of an event (152-FZ), one row per version, never changed once stored."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import Model


class ConsentText(Model):
    """A version of an event's consent text; a registration points at the one it agreed to."""

    __tablename__ = "consent_text"
    __table_args__ = (UniqueConstraint("event_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    #: 1, 2, 3… per event; the highest is the text the registration form shows now.
    version: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
