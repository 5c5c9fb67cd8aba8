"""ZIPs of a large event's certificates, built by the queue and kept in the database for download."""
from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, select

from ..events.models import Event
from ..extensions import db
from . import services
from .models import CertificateBundle

QUEUED = "queued"
READY = "ready"
FAILED = "failed"


def request_bundle(event: Event, now: datetime) -> CertificateBundle:
    """A new ZIP to build for the event; older ones are dropped (only the newest is kept)."""
    db.session.execute(delete(CertificateBundle).where(CertificateBundle.event_id == event.id))
    bundle = CertificateBundle(event_id=event.id, status=QUEUED, requested_at=now)
    db.session.add(bundle)
    db.session.flush()
    return bundle


def build_bundle(bundle_id: int, verify_url: Callable[[str], str], now: datetime) -> CertificateBundle | None:
    """Issue the missing certificates and store the ZIP (spooled to disk while it is written)."""
    bundle = db.session.get(CertificateBundle, bundle_id)
    if bundle is None or bundle.status != QUEUED:
        return bundle  # replaced by a newer request, or already built
    event = db.session.get(Event, bundle.event_id)
    certificates = services.issue_all(event, now) if event is not None else []
    with tempfile.SpooledTemporaryFile(max_size=32 * 2**20) as spool:
        bundle.count = services.write_zip(certificates, verify_url, spool)
        spool.seek(0)
        bundle.data = spool.read()
    bundle.status = READY
    bundle.finished_at = now
    return bundle


def latest_bundle(event: Event) -> CertificateBundle | None:
    """The event's newest ZIP request, whatever its state (its bytes are not loaded)."""
    return db.session.scalar(select(CertificateBundle).where(CertificateBundle.event_id == event.id)
                             .order_by(CertificateBundle.id.desc()).limit(1))
