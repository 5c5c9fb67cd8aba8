"""Bulk actions on a selection of registrations."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from ..events.models import Event
from ..registration import notify
from ..registration.editing import ROLES
from ..registration.models import Registration, Status
from ..registration.services import approve, cancel
from .jobs import send_personal_links
from .services import selected

__all__ = ["Done", "run", "selected"]


@dataclass
class Done:
    changed: list[Registration] = field(default_factory=list)
    #: Mail to send once the transaction is committed.
    after: list[Callable[[], object]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.changed)

    def notify(self) -> None:
        for send in self.after:
            send()


def run(event: Event, registrations: list[Registration], action: str, *, role: str,
        now: datetime) -> Done:
    """Apply one action to each registration it fits; returns those changed and the mail to send."""
    done = Done()
    if action == "approve":
        for registration in registrations:
            if approve(registration):
                done.changed.append(registration)
                done.after.append(partial(notify.send_approved, registration))
    elif action == "cancel":
        for registration in registrations:
            if registration.status == Status.cancelled.value:
                continue
            promoted = cancel(registration, now=now)
            done.changed.append(registration)
            done.after.append(partial(notify.send_cancelled, registration))
            done.after.extend(partial(notify.send_promoted, other) for other in promoted)
    elif action == "role" and role in ROLES:
        for registration in registrations:
            if registration.role != role:
                registration.role = role
                # The badge's colour band shows the role: it must be printed again.
                registration.badge_printed_at = None
                done.changed.append(registration)
    elif action == "printed":
        for registration in registrations:
            if registration.is_active:
                registration.badge_printed_at = now
                done.changed.append(registration)
    elif action == "resend":
        done.changed = [r for r in registrations if r.is_active]
        ids = [r.id for r in done.changed]
        done.after.append(partial(send_personal_links, ids, first_time=False))
    return done
