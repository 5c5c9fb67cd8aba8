"""Contacts between participants: a separate, revocable consent and the exchanges made by scanning."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import Model
from ..registration.models import Registration


class ContactConsent(Model):
    """«Показывать мои контакты другим участникам этого форума»: which fields, which text, when."""

    __tablename__ = "contact_consent"
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), primary_key=True)
    show_position: Mapped[bool] = mapped_column(default=False)
    show_organization: Mapped[bool] = mapped_column(default=False)
    show_email: Mapped[bool] = mapped_column(default=False)
    show_phone: Mapped[bool] = mapped_column(default=False)
    #: Which text of this consent was accepted, and when (152-FZ: a consent of its own).
    consent_version: Mapped[str] = mapped_column(String(40))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Set when withdrawn: from then on the person is in no directory and no export.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    registration: Mapped[Registration] = relationship()

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class ContactExchange(Model):
    """`owner` has `contact` in «мои контакты» (written both ways when both opted in)."""

    __tablename__ = "contact_exchange"
    __table_args__ = (UniqueConstraint("owner_id", "contact_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
