"""Retention (152-FZ): when an event's personal data is anonymised, and the anonymising itself.

Anonymising erases what identifies a person (names, e-mail, phone, organisation, position,
the personal link's token and the badge code) and keeps what the reports need: the row with
its municipality, role and status, check-in times, session attendance and certificate codes.
"""
from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from ..checkin.models import CheckIn
from ..events.models import Event
from ..extensions import db
from ..features import features
from ..registration.models import Registration
from . import outbox

#: The default: consent lasts "until one year after the event" (the default consent text).
DEFAULT_RETENTION = timedelta(days=365)
#: The name an anonymised registration shows in lists (no person behind it any more).
ANONYMOUS_NAME = "Аноним"


class EventNotOver(Exception):
    """Anonymising an event that has not ended needs --force."""


def explicit_deadline(event: Event) -> datetime | None:
    return event.retain_personal_data_until


def deadline(event: Event) -> datetime:
    """Until when the event's personal data is kept: its own date, or a year after its end."""
    return event.retain_personal_data_until or event.ends_at + DEFAULT_RETENTION


@dataclass
class Report:
    """What an anonymisation changes (or would change, on a dry run) and what it keeps."""

    event_slug: str
    registrations: int = 0
    by_status: Counter = field(default_factory=Counter)
    outbox_files: int = 0
    other: dict[str, int] = field(default_factory=dict)
    check_ins_kept: int = 0
    certificates_kept: int = 0

    def as_detail(self) -> dict:
        """Counts for the audit log (no personal values)."""
        return {"registrations": self.registrations, "by_status": dict(self.by_status),
                "outbox_files": self.outbox_files, "other": self.other,
                "check_ins_kept": self.check_ins_kept, "certificates_kept": self.certificates_kept}


def _not_anonymised(event: Event) -> list[Registration]:
    return list(db.session.scalars(
        select(Registration).where(Registration.event_id == event.id,
                                   Registration.anonymised_at.is_(None)).order_by(Registration.id)))


def _count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def anonymise_registrations(registrations: list[Registration], now: datetime, *,
                            dry_run: bool = False, report: Report | None = None) -> Report:
    """Erase the personal data of these registrations (rows, check-ins and certificates stay)."""
    report = report or Report(registrations[0].event.slug if registrations else "")
    report.registrations += len(registrations)
    report.by_status.update(r.status for r in registrations)
    emails = {r.email for r in registrations}
    report.outbox_files += outbox.erase(current_app.config["OUTBOX_DIR"], emails, dry_run=dry_run)
    if dry_run or not registrations:
        return report
    ids = [r.id for r in registrations]
    for item in features().personal_data:
        report.other[item.name] = report.other.get(item.name, 0) + item.erase(ids)
    for registration in registrations:
        _erase(registration, now)
    db.session.flush()
    return report


def _erase(registration: Registration, now: datetime) -> None:
    registration.last_name = ANONYMOUS_NAME
    registration.first_name = ""
    registration.middle_name = ""
    registration.last_name_key = ""
    # UNIQUE per event: an address that can never receive mail, made of the row's id.
    registration.email = f"anonymised-{registration.id}@anonymised.invalid"
    registration.phone = ""
    registration.organization = ""
    registration.position = ""
    registration.public_name = ""
    registration.bio = ""
    # New random secrets nobody knows: the old personal link and badge answer 404 / unknown_code.
    registration.access_token = secrets.token_urlsafe(24)
    registration.badge_code = "X" + secrets.token_hex(15).upper()
    registration.anonymised_at = now


def anonymise_event(event: Event, now: datetime, *, force: bool = False,
                    dry_run: bool = False) -> Report:
    """Anonymise every registration of an ended event (`force`: even before its end)."""
    if event.ends_at > now and not force:
        raise EventNotOver(event.slug)
    report = Report(event.slug)
    report.check_ins_kept = _count(CheckIn, CheckIn.event_id == event.id)
    from ..certificates.models import Certificate

    report.certificates_kept = _count(
        Certificate, Certificate.registration_id.in_(
            select(Registration.id).where(Registration.event_id == event.id)))
    anonymise_registrations(_not_anonymised(event), now, dry_run=dry_run, report=report)
    if not dry_run:
        event.anonymised_at = now
    return report


def due_events(now: datetime) -> list[Event]:
    """Events whose retention has passed and that still hold someone's personal data."""
    pending = select(Registration.event_id).where(Registration.anonymised_at.is_(None)).distinct()
    events = db.session.scalars(select(Event).where(Event.id.in_(pending)).order_by(Event.id))
    return [event for event in events if deadline(event) <= now and event.ends_at <= now]
