"""Rooms and sessions of an event's programme."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, utcnow
from ..events.models import Event
from ..extensions import Model, db
from ..registration.models import Registration


class SessionKind(str, enum.Enum):
    talk = "talk"
    panel = "panel"
    workshop = "workshop"
    break_ = "break"
    registration = "registration"
    plenary = "plenary"


#: Kinds that span all rooms (nobody else can be in a room meanwhile, but no room conflict either).
ALL_ROOMS_KINDS = ("plenary", "break", "registration")


session_speaker = Table(
    "session_speaker",
    db.metadata,
    Column("session_id", ForeignKey("programme_session.id", ondelete="CASCADE"), primary_key=True),
    Column("registration_id", ForeignKey("registration.id", ondelete="CASCADE"), primary_key=True),
)


class Room(Model):
    __tablename__ = "room"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int | None] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)
    event: Mapped[Event] = relationship()
    sessions: Mapped[list[Session]] = relationship(back_populates="room")


class Session(Model):
    __tablename__ = "programme_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default=SessionKind.talk.value)
    track: Mapped[str] = mapped_column(String(100), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    position: Mapped[int] = mapped_column(default=0)
    #: Seats of this session at its room's door (None: the room's capacity, if any).
    capacity: Mapped[int | None] = mapped_column()
    #: iCalendar SEQUENCE: raised on every change so calendars update, not duplicate.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    room: Mapped[Room | None] = relationship(back_populates="sessions")
    speakers: Mapped[list[Registration]] = relationship(
        secondary=session_speaker, order_by=Registration.last_name
    )
