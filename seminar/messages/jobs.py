"""The queue's mail jobs: send what is due, fan a group message out, run the scheduled messages."""
from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from huey import crontab

from ..dbtypes import utcnow
from ..extensions import db
from ..queue import job, periodic_job
from . import outbox

#: A retry or an expired claim due within this is picked up by a drain scheduled for it.
SWEEP_AHEAD = timedelta(seconds=60)
#: A group message still not fanned out this long after it was sent lost its job: start it again.
RESUME_AFTER = timedelta(minutes=2)
#: The full text of a sent e-mail is dropped after this (the delivery log keeps who and when).
KEEP_SENT = timedelta(days=30)


@contextmanager
def own_context():
    """A fresh app context (its own database session: an immediate job runs inside a commit hook),
    in Russian, the e-mails' first language."""
    with current_app.app_context(), force_locale(current_app.config.get("MAIL_LOCALE", "ru")):
        yield


def _run(fn: Callable, *args: object) -> object:
    with own_context():
        return fn(*args)


@job()
def drain_job() -> None:
    """Send every due message."""
    outbox.drain_started()
    _run(outbox.drain)


def sweep() -> None:
    """Send what is due now, resume group messages whose fan-out was cut short (a killed worker),
    and come back when the next retry (or an expired claim) is due."""
    from .broadcasts import unfinished

    for broadcast_id in unfinished(utcnow() - RESUME_AFTER):
        fan_out_job(broadcast_id)
    outbox.drain()
    now = utcnow()
    due = outbox.next_due(now)
    if due is not None and due - now < SWEEP_AHEAD:
        drain_job.schedule(delay=max(1.0, (due - now).total_seconds() + 0.5))


@periodic_job(crontab(minute="*"))
def sweep_job() -> None:
    """Every minute: messages whose wake-up was missed, retries that came due."""
    _run(sweep)


@job(retries=3, retry_delay=10)
def fan_out_job(broadcast_id: int) -> None:
    """Write one e-mail per recipient of a group message, in chunks."""
    from .broadcasts import fan_out

    _run(fan_out, broadcast_id)


@periodic_job(crontab(minute="*/5"))
def schedules_job() -> None:
    """Every five minutes: reminders and certificate notices that came due; old e-mail texts dropped."""
    from .schedules import run_due

    def run() -> None:
        run_due(utcnow())
        outbox.forget_sent(utcnow() - KEEP_SENT)
        db.session.commit()

    _run(run)
