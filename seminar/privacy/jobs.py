"""The nightly retention run in the queue."""
from __future__ import annotations

import logging

from huey import crontab

from ..dbtypes import utcnow
from ..extensions import db
from ..queue import periodic_job
from .services import anonymise_due

log = logging.getLogger(__name__)


@periodic_job(crontab(hour="3", minute="17"))
def anonymise_expired() -> int:
    """Anonymise the events whose retention has passed; returns how many registrations."""
    reports = anonymise_due(utcnow())
    db.session.commit()
    total = sum(r.registrations for r in reports)
    if reports:
        log.info("retention: anonymised %d registrations of %d events", total, len(reports))
    return total
