"""Regions, municipalities and events."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, VenueClock, utcnow
from ..extensions import Model


class Region(Model):
    __tablename__ = "region"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    municipalities: Mapped[list[Municipality]] = relationship(
        back_populates="region", order_by="Municipality.name"
    )


class Municipality(Model):
    __tablename__ = "municipality"
    __table_args__ = (UniqueConstraint("region_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: городской округ, муниципальный округ, муниципальный район …
    kind: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[Region] = relationship(back_populates="municipalities")


class EventStatus(str, enum.Enum):
    draft = "draft"
    published = "published"
    archived = "archived"


class Event(VenueClock, Model):
    __tablename__ = "event"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    venue: Mapped[str] = mapped_column(String(300), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    #: IANA zone of the venue; every time of the event is shown in it.
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int | None] = mapped_column()
    registration_opens: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: None means open until the event ends.
    registration_closes: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Registrations wait for an organiser's approval when on.
    moderation: Mapped[bool] = mapped_column(default=False)
    #: "Confirm e-mail first": a new registration holds its seat this many hours until the
    #: person opens the link mailed to them; unconfirmed holds lapse (None: off).
    confirm_email_hours: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default=EventStatus.draft.value)
    #: Registration is only for municipalities of this region.
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    #: At most this many active registrations from one municipality (None: no limit).
    municipality_quota: Mapped[int | None] = mapped_column()
    #: Bumped as the first write of a seat allocation, so allocations of one
    #: event run one at a time on SQLite and PostgreSQL alike.
    seat_lock: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Personal data is kept until then (152-FZ); None: one year after the event ends.
    retain_personal_data_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the registrations' personal data was anonymised (retention passed, or by an admin).
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    region: Mapped[Region | None] = relationship()

    @property
    def is_published(self) -> bool:
        return self.status == EventStatus.published.value

    def registration_state(self, now: datetime) -> str:
        """'open', 'not_yet', 'closed' or 'unavailable' (draft or archived)."""
        if not self.is_published:
            return "unavailable"
        if self.registration_opens and now < self.registration_opens:
            return "not_yet"
        if now >= (self.registration_closes or self.ends_at):
            return "closed"
        return "open"
