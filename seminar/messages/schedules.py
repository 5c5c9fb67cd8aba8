"""Scheduled messages of an event: the reminder the day before, the certificate notice afterwards.

Every event has both, on by default; the organiser can switch one off or move it. The worker
checks every few minutes (jobs.schedules_job) and writes the e-mails of a schedule that came due.
A UNIQUE (schedule, registration) row decides that each person gets each one once, however many
workers run and however often they restart; someone who registers after the reminder went out
still gets it while it is still before the start.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, select

from ..certificates.models import Certificate
from ..certificates.services import eligible_query
from ..events.models import Event
from ..extensions import db
from ..links import public_url
from ..registration.models import Registration, Status
from ..registration.notify import greeting, personal_url
from . import outbox
from .broadcasts import CHUNK, insert_ignoring_duplicates
from .letters import badge_qr, event_facts, message_to
from .models import MessageSchedule, OutboundMail
from .render import render_text

REMINDER = "reminder"
CERTIFICATE = "certificate"
KINDS = (REMINDER, CERTIFICATE)
LABELS = {REMINDER: _l("Напоминание накануне"), CERTIFICATE: _l("«Ваш сертификат готов»")}
#: Hours before the start (reminder) or after the end (certificate notice).
DEFAULT_HOURS = {REMINDER: 24, CERTIFICATE: 2}
MAX_HOURS = 24 * 30
#: A certificate notice is not sent later than this after it was due (an old event stays quiet).
CERTIFICATE_GRACE = timedelta(days=7)


@dataclass(frozen=True)
class ScheduleView:
    schedule: MessageSchedule
    label: str
    due_at: datetime
    #: When it goes out next; None once its time has passed or it is switched off.
    next_at: datetime | None
    sent: int


def schedules_of(event: Event) -> list[MessageSchedule]:
    """The event's scheduled messages, created with the defaults on first use."""
    have = {s.kind: s for s in db.session.scalars(select(MessageSchedule).where(MessageSchedule.event_id == event.id))}
    for kind in KINDS:
        if kind not in have:
            have[kind] = MessageSchedule(event_id=event.id, kind=kind, enabled=True, offset_hours=DEFAULT_HOURS[kind])
            db.session.add(have[kind])
    db.session.flush()
    return [have[kind] for kind in KINDS]


def due_at(schedule: MessageSchedule, event: Event) -> datetime:
    hours = timedelta(hours=schedule.offset_hours)
    return event.starts_at - hours if schedule.kind == REMINDER else event.ends_at + hours


def window_end(schedule: MessageSchedule, event: Event) -> datetime:
    """Until when the message still goes out (to those who do not have it yet)."""
    return event.starts_at if schedule.kind == REMINDER else due_at(schedule, event) + CERTIFICATE_GRACE


def is_due(schedule: MessageSchedule, event: Event, now: datetime) -> bool:
    return schedule.enabled and due_at(schedule, event) <= now < window_end(schedule, event)


def views_of(event: Event, now: datetime) -> list[ScheduleView]:
    """For the organiser: each scheduled message, when it goes out, how many got it."""
    out = []
    for schedule in schedules_of(event):
        due = due_at(schedule, event)
        upcoming = schedule.enabled and now < window_end(schedule, event)
        sent = outbox.counts(OutboundMail.schedule_id == schedule.id)
        out.append(ScheduleView(schedule, str(LABELS[schedule.kind]), due,
                                max(due, now) if upcoming else None, sum(sent.values())))
    return out


def update_schedule(schedule: MessageSchedule, enabled: bool, offset_hours: int) -> None:
    """Switch a scheduled message on or off, or move it."""
    schedule.enabled = enabled
    schedule.offset_hours = offset_hours


def _recipients(schedule: MessageSchedule, event: Event) -> Select:
    if schedule.kind == REMINDER:
        query = select(Registration).where(Registration.event_id == event.id,
                                           Registration.status == Status.confirmed.value)
    else:  # checked in, not cancelled, certificate not revoked
        revoked = exists().where(Certificate.registration_id == Registration.id, Certificate.revoked_at.is_not(None))
        query = eligible_query(event).where(~revoked)
    not_yet = ~exists().where(OutboundMail.schedule_id == schedule.id, OutboundMail.registration_id == Registration.id)
    return query.where(not_yet, Registration.email != "").order_by(None).order_by(Registration.id)


def _message(schedule: MessageSchedule, registration: Registration):
    facts = event_facts(registration.event)
    common = {"greeting": greeting(registration), "personal_url": personal_url(registration), **facts}
    if schedule.kind == REMINDER:
        text = render_text("reminder", **common)
        subject = _("Напоминание: %(title)s, %(date)s", title=facts["event_title"], date=facts["event_date"])
        return message_to(registration, subject, text, (badge_qr(registration),))
    text = render_text("certificate", certificate_url=public_url("certificates.personal_certificate",
                                                                   token=registration.access_token), **common)
    return message_to(registration, _("Ваш сертификат готов: %(title)s", title=facts["event_title"]), text)


def fan_out(schedule: MessageSchedule, event: Event, chunk: int = CHUNK) -> int:
    """Write the schedule's e-mail for everyone who has not got it yet; commits per chunk."""
    written = 0
    schedule_id, event_id = schedule.id, event.id
    while True:
        schedule = db.session.get(MessageSchedule, schedule_id)  # type: ignore[assignment]
        event = db.session.get(Event, event_id)  # type: ignore[assignment]
        batch = list(db.session.scalars(_recipients(schedule, event).limit(chunk)))
        if not batch:
            return written
        insert_ignoring_duplicates([
            outbox.row_values(_message(schedule, r), kind=schedule.kind, event_id=event_id,
                              registration_id=r.id, schedule_id=schedule_id) for r in batch])
        written += len(batch)
        outbox.on_commit(outbox.wake)
        db.session.commit()


def run_due(now: datetime) -> int:
    """Send every scheduled message that is due now; returns how many e-mails were written."""
    horizon = timedelta(hours=MAX_HOURS)
    events = list(db.session.scalars(select(Event).where(
        Event.starts_at <= now + horizon, Event.ends_at >= now - horizon - CERTIFICATE_GRACE)))
    written = 0
    for event in events:
        due = [s for s in schedules_of(event) if is_due(s, event, now)]
        db.session.commit()
        for schedule in due:
            written += fan_out(schedule, event)
            event = db.session.get(Event, event.id)  # type: ignore[assignment]
    return written
