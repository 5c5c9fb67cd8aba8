"""Certificates of attendance, and each event's certificate settings."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import Model
from ..registration.models import Registration


class Certificate(Model):
    __tablename__ = "certificate"
    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), unique=True
    )
    #: The public code in the verification QR /verify/<code>.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The printed number (e.g. БЛГ-2022-0007), assigned once from the event's counter; it
    #: stays with the certificate when it is revoked, re-issued or the pattern changes.
    number: Mapped[str | None] = mapped_column(String(80))
    #: The person's name as the organiser corrected it for the document (dative, as printed);
    #: NULL: the form the name library gives.
    name_form: Mapped[str | None] = mapped_column(String(400))
    registration: Mapped[Registration] = relationship()


class CertificateSettings(Model):
    """How an event's certificates look and read; one row per event, made on first save."""

    __tablename__ = "certificate_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    #: Who issues the certificates, printed on top (empty: none).
    organisation: Mapped[str] = mapped_column(String(500), default="")
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_position: Mapped[str] = mapped_column(String(300), default="")
    academic_hours: Mapped[int | None] = mapped_column()
    #: E.g. "БЛГ-2022-{n:04}"; empty: certificates carry no number.
    number_pattern: Mapped[str] = mapped_column(String(80), default="")
    #: The last number handed out; numbers are never reused, even if a certificate is revoked.
    last_number: Mapped[int] = mapped_column(default=0)
    #: The organiser's wording per role, with placeholders; empty: the default wording.
    wording_participant: Mapped[str] = mapped_column(Text, default="")
    wording_speaker: Mapped[str] = mapped_column(Text, default="")
    wording_organiser: Mapped[str] = mapped_column(Text, default="")
    #: Images live in the database (several app servers must see them), loaded only when drawn.
    signature_png: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    #: 'logo' (top left) or 'background' (the whole page).
    image_kind: Mapped[str] = mapped_column(String(20), default="logo")
    image: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
