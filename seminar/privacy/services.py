"""The privacy operations views, commands and the queue call: each one recorded in the audit log."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..audit.services import record
from ..events.models import Event
from ..registration.models import Registration, Status
from ..registration.services import cancel
from .retention import EventNotOver, Report, anonymise_event, anonymise_registrations, due_events


def anonymise(event: Event, now: datetime, *, actor: Any, force: bool = False, dry_run: bool = False,
              ip: str | None = None) -> Report:
    """Anonymise an event now (refused before its end unless forced; a refusal is recorded too)."""
    try:
        report = anonymise_event(event, now, force=force, dry_run=dry_run)
    except EventNotOver:
        record("privacy.anonymise_refused", actor=actor, event_id=event.id,
               detail={"reason": "not_ended"}, ip=ip)
        raise
    action = "privacy.anonymise_dry_run" if dry_run else "privacy.anonymise"
    record(action, actor=actor, event_id=event.id, detail={**report.as_detail(), "forced": force}, ip=ip)
    return report


def anonymise_due(now: datetime) -> list[Report]:
    """Anonymise every event whose retention date has passed (the nightly job)."""
    reports = []
    for event in due_events(now):
        reports.append(anonymise(event, now, actor="system"))
    return reports


def forget(registration: Registration, now: datetime, *, ip: str | None = None) -> list[Registration]:
    """Withdrawn consent: cancel (the seat goes to the waitlist) and anonymise at once.

    Returns the registrations seated from the waitlist, to be told by e-mail.
    """
    promoted = cancel(registration, now=now) if registration.status != Status.cancelled.value else []
    anonymise_registrations([registration], now)
    record("privacy.forget", actor="participant", event_id=registration.event_id,
           registration_id=registration.id, ip=ip)
    return promoted
