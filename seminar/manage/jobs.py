"""Big XLSX exports are built by the queue: a zip cannot be sent before it is finished, and
20,000 rows take seconds, so the page answers at once and the file follows. The file is kept
in the database (`seminar.prepared`), so whichever app server answers the download has it."""
from __future__ import annotations

from typing import IO

from ..checkin.roster_exports import registrations_xlsx_file
from ..events.models import Event
from ..extensions import db
from ..prepared.jobs import Report, run_build
from ..prepared.models import PreparedFile
from ..queue import job
from .services import roster_filters

#: Above this many rows the XLSX export goes through the queue.
INLINE_XLSX_ROWS = 3000
#: The kind of prepared file a registration export is.
KIND = "export-xlsx"


@job(retries=1)
def build_registrations_xlsx(file_id: int, filters: dict) -> None:
    """Write the workbook (spooled to disk past 8 MB) and keep it for download."""

    def build(file: PreparedFile, report: Report) -> IO[bytes]:
        event = db.session.get(Event, file.event_id)
        if event is None:
            raise LookupError(f"event {file.event_id} is gone")
        return registrations_xlsx_file(event, **roster_filters(event, filters))

    run_build(file_id, build)
