"""Registrations: one person at one event."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, utcnow
from ..events.models import Event, Municipality
from ..extensions import Model

#: No 0/O, 1/I/L or U/V look-alikes; 30 symbols × 28 characters ≈ 137 bits.
BADGE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
BADGE_CODE_LENGTH = 28


def new_badge_code() -> str:
    return "".join(secrets.choice(BADGE_ALPHABET) for _ in range(BADGE_CODE_LENGTH))


def new_access_token() -> str:
    return secrets.token_urlsafe(24)



def full_name_of(last_name: str, first_name: str, middle_name: str | None) -> str:
    """Иванов Иван Петрович (ФИО, the patronymic optional)."""
    return " ".join(p for p in (last_name, first_name, middle_name) if p)


def short_name_of(last_name: str, first_name: str, middle_name: str | None) -> str:
    """Иванов И. П."""
    initials = " ".join(f"{p[0]}." for p in (first_name, middle_name) if p)
    return f"{last_name} {initials}".strip()

class Role(str, enum.Enum):
    participant = "participant"
    speaker = "speaker"
    organiser = "organiser"
    press = "press"
    guest = "guest"


class Status(str, enum.Enum):
    pending = "pending"
    confirmed = "confirmed"
    waitlisted = "waitlisted"
    cancelled = "cancelled"
    #: "Confirm e-mail first": the seat is held until hold_until for the person to open the link.
    unconfirmed = "unconfirmed"


#: Statuses that hold a seat (and count against a municipality's quota).
SEAT_HOLDING = (Status.pending.value, Status.confirmed.value, Status.unconfirmed.value)


class Registration(Model):
    __tablename__ = "registration"
    __table_args__ = (
        UniqueConstraint("event_id", "email"),
        Index("ix_registration_event_status", "event_id", "status"),
        Index("ix_registration_event_last_name", "event_id", "last_name_key"),
        #: The door's snapshot version: the latest change of an event's list, read from the index.
        Index("ix_registration_event_updated", "event_id", "updated_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str] = mapped_column(String(100), default="")
    #: Lower-cased last name with ё→е, for prefix search at the door.
    last_name_key: Mapped[str] = mapped_column(String(100), default="")
    #: Stored lower-cased: one registration per address per event.
    email: Mapped[str] = mapped_column(String(254))
    #: E.164, e.g. +79141234567; empty when not given.
    phone: Mapped[str] = mapped_column(String(20), default="")
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)
    organization: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[str] = mapped_column(String(300), default="")
    role: Mapped[str] = mapped_column(String(20), default=Role.participant.value)
    status: Mapped[str] = mapped_column(String(20), default=Status.confirmed.value)
    #: The secret in the personal link /r/<access_token>.
    access_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_access_token)
    #: The opaque code in the badge QR; holds no personal data.
    badge_code: Mapped[str] = mapped_column(String(32), unique=True, default=new_badge_code)
    badge_printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Which text of the personal-data consent (152-FZ) was accepted, and when.
    consent_version: Mapped[str] = mapped_column(String(40), default="")
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The exact consent text agreed to (seminar.privacy); NULL for rows made without the form.
    consent_text_id: Mapped[int | None] = mapped_column(ForeignKey("consent_text.id"))
    #: Set when the personal data was erased (consent withdrawn or retention passed).
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Speaker profile shown on the public programme.
    public_name: Mapped[str] = mapped_column(String(200), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: "Confirm e-mail first": the seat is held until then, unless the mailed link is opened.
    hold_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the person opened the link mailed to them (events with "confirm e-mail first").
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship()
    municipality: Mapped[Municipality | None] = relationship()

    @property
    def full_name(self) -> str:
        return full_name_of(self.last_name, self.first_name, self.middle_name)

    @property
    def short_name(self) -> str:
        return short_name_of(self.last_name, self.first_name, self.middle_name)

    @property
    def display_name(self) -> str:
        return self.public_name or " ".join(
            p for p in (self.first_name, self.middle_name, self.last_name) if p
        )

    @property
    def is_active(self) -> bool:
        return self.status != Status.cancelled.value


def name_key(value: str) -> str:
    """Case- and ё-insensitive form of a name for searching."""
    return value.strip().lower().replace("ё", "е")
