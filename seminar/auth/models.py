"""Staff accounts and API tokens."""
from __future__ import annotations

import enum
import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..dbtypes import UTCDateTime, utcnow
from ..events.models import Event
from ..extensions import Model, db


class UserRole(str, enum.Enum):
    admin = "admin"
    organiser = "organiser"
    door = "door"


user_event = Table(
    "user_event",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, Model):
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256), default="")
    role: Mapped[str] = mapped_column(String(20), default=UserRole.organiser.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Part of every session and remember-me cookie: bumped on logout and password change, so
    #: every cookie issued before stops working.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    #: A disabled account cannot sign in; its sessions and tokens stop working.
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: An organiser may create and publish events only when an admin allowed it.
    may_create_events: Mapped[bool] = mapped_column(default=False, server_default="0")
    #: Events an organiser or door account may act on (an admin acts on all).
    events: Mapped[list[Event]] = relationship(secondary=user_event)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def end_sessions(self) -> None:
        """Every session and remember-me cookie issued so far stops working."""
        self.session_version = (self.session_version or 0) + 1

    def get_id(self) -> str:
        """What the session and the remember-me cookie hold: the id and the session version."""
        return f"{self.id}:{self.session_version or 0}"

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None

    @property
    def can_create_events(self) -> bool:
        """Creating and publishing events: admins, and organisers an admin allowed to."""
        return self.is_admin or (self.role == UserRole.organiser.value and bool(self.may_create_events))

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_admin(self) -> bool:
        return self.role == UserRole.admin.value

    def can_manage(self, event: Event) -> bool:
        """Organiser rights on the event: edit, approve, export."""
        if self.is_admin:
            return True
        return self.role == UserRole.organiser.value and event in self.events

    def can_check_in(self, event: Event) -> bool:
        """Door rights on the event: scan and search."""
        if self.is_admin:
            return True
        return event in self.events


class ApiToken(Model):
    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user: Mapped[User] = relationship()

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
