"""Scheduled work of registration: unconfirmed holds ("confirm e-mail first") lapse on time."""
from __future__ import annotations

from huey import crontab
from sqlalchemy import distinct, select

from ..dbtypes import utcnow
from ..events.models import Event
from ..extensions import db
from ..queue import periodic_job
from . import notify
from .models import Registration, Status
from .services import lapse_holds


@periodic_job(crontab(minute="*/5"))
def lapse_unconfirmed_holds() -> int:
    """Every 5 minutes: holds whose time is up are cancelled and their seats go to the waitlist.

    Registering and opening a personal link lapse them too, so the seat count is right even
    when no worker runs; this job only makes it happen on time."""
    now = utcnow()
    event_ids = db.session.scalars(select(distinct(Registration.event_id)).where(
        Registration.status == Status.unconfirmed.value, Registration.hold_until <= now)).all()
    promoted = []
    for event_id in event_ids:
        event = db.session.get(Event, event_id)
        if event is not None:
            promoted += lapse_holds(event, now=now)
            db.session.commit()
    for registration in promoted:
        notify.send_promoted(registration)
    return len(event_ids)
