"""Queue jobs of badges: a big bulk sheet built off the web worker."""
from __future__ import annotations

import tempfile
from typing import IO

from ..dbtypes import utcnow
from ..events.models import Event
from ..extensions import db
from ..prepared.jobs import Report, run_build
from ..prepared.models import PreparedFile
from ..queue import job
from .services import BadgeBatch, mark_printed, write_badges

#: The kind of prepared file a bulk badge sheet is.
KIND = "badges"


@job()
def build_badges_pdf(file_id: int, batch: dict) -> None:
    """Draw the organiser's bulk sheet into a temporary file and keep it for download;
    the badges are marked printed (if asked) in the same commit as the finished file."""

    sheet = BadgeBatch(**batch)
    drawn: list[int] = []

    def build(file: PreparedFile, report: Report) -> IO[bytes]:
        event = db.session.get(Event, file.event_id)
        if event is None:
            raise LookupError(f"event {file.event_id} is gone")
        out = tempfile.TemporaryFile()  # noqa: SIM115 (run_build closes it)
        try:
            drawn.extend(write_badges(event, sheet, out, report))
        except BaseException:
            out.close()
            raise
        return out

    run_build(file_id, build, (lambda: mark_printed(drawn, utcnow())) if sheet.mark_printed else None)
