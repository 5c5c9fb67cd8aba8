"""ZIPs of a large event's certificates, built by the queue and kept for download as a prepared
file (`seminar.prepared`), so any app server can hand them out."""
from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from typing import IO

from ..events.models import Event
from ..extensions import db
from ..prepared import services as prepared
from ..prepared.jobs import Report
from ..prepared.models import PreparedFile
from . import services

#: The kind of prepared file a certificates ZIP is.
KIND = "certificates-zip"
MIMETYPE = "application/zip"


def request_bundle(event: Event, count: int, requested_by_id: int | None, now: datetime) -> prepared.Asked:
    """A ZIP of `count` certificates to build for the event, or the one already being built
    (a second click, a colleague): then `created` is False and no job is to be queued."""
    return prepared.request_once(event.id, KIND, {}, filename=f"certificates-{event.slug}.zip", mimetype=MIMETYPE,
                                 requested_by_id=requested_by_id, now=now, total=count)


def build_bundle(file: PreparedFile, report: Report, verify_url: Callable[[str], str],
                 now: datetime) -> IO[bytes]:
    """Issue the missing certificates and write the ZIP (spooled to disk while it is written)."""
    event = db.session.get(Event, file.event_id)
    if event is None:
        raise LookupError(f"event {file.event_id} is gone")
    certificates = services.issue_all(event, now)
    # Committed now (the report commits): on SQLite an open write would hold every other writer,
    # door scans included, for the whole build.
    report(0, len(certificates))
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 2**20)  # noqa: SIM115 (run_build closes it)
    try:
        count = services.write_zip(certificates, verify_url, spool)
    except BaseException:
        spool.close()
        raise
    report(count, count)
    return spool


def latest_bundle(event: Event, now: datetime) -> PreparedFile | None:
    """The event's newest ZIP request, whatever its state (its bytes are not loaded)."""
    return prepared.latest(event.id, KIND, now)
