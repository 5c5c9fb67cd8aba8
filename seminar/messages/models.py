"""Outgoing e-mail kept in the database until it is sent, messages to a group, scheduled messages."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, utcnow
from ..events.models import Event
from ..extensions import Model

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"


class OutboundMail(Model):
    """One e-mail to one address, written in the transaction of the change that causes it.

    A worker claims it (pending → sending, one UPDATE, so one worker only), sends it and marks it
    sent; a failure puts it back to pending with a later `next_attempt_at`, or failed after the
    last attempt. A claim left by a killed worker expires at `lease_until`.
    """

    __tablename__ = "outbound_mail"
    __table_args__ = (
        #: Each person gets each group message and each scheduled message once.
        UniqueConstraint("broadcast_id", "registration_id"),
        UniqueConstraint("schedule_id", "registration_id"),
        Index("ix_outbound_mail_due", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The Message-ID header, without the angle brackets; unique, so a message is one row.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    #: confirmation, notice, broadcast, test, reminder, certificate…
    kind: Mapped[str] = mapped_column(String(30), default="notice")
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registration.id", ondelete="SET NULL"))
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcast.id", ondelete="CASCADE"))
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("message_schedule.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(Text, default="")
    #: The whole message as it goes on the wire (RFC 5322 bytes); empty until the worker writes `letter`.
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    #: Set for a letter queued unwritten (`mail.send_later`): the name of its writer (`mail.Letter`).
    letter: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: While `sending`: the claim holds until then; a worker killed mid-send leaves it to expire.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Why the last attempt failed (the mail server's answer), for the delivery log.
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Broadcast(Model):
    """A message an organiser wrote to a filtered group of an event's registrations."""

    __tablename__ = "broadcast"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    #: The recipient filter as JSON: {"status": [...], "role": [...], "municipality": [...], "checked_in": bool}
    filter_json: Mapped[str] = mapped_column(Text, default="{}")
    #: How many people matched when it was sent.
    recipients: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the worker finished writing one e-mail per recipient.
    fanned_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    event: Mapped[Event] = relationship()


class MessageSchedule(Model):
    """A message the worker sends on its own: the reminder before, the certificate notice after."""

    __tablename__ = "message_schedule"
    __table_args__ = (UniqueConstraint("event_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    #: reminder (hours before the start) or certificate (hours after the end)
    kind: Mapped[str] = mapped_column(String(20))
    enabled: Mapped[bool] = mapped_column(default=True)
    offset_hours: Mapped[int] = mapped_column(default=24)
    event: Mapped[Event] = relationship()
