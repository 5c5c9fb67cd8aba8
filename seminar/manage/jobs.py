"""Big XLSX exports are built by the queue: a zip cannot be sent before it is finished, and
20,000 rows take seconds, so the page answers at once and the file follows."""
from __future__ import annotations

import os
from pathlib import Path

from flask import current_app

from ..checkin.roster_exports import registrations_xlsx_file
from ..events.models import Event
from ..extensions import db
from ..files import scratch_dir
from ..queue import job
from .services import roster_filters

#: Above this many rows the XLSX export goes through the queue.
INLINE_XLSX_ROWS = 3000
#: A finished export is kept this long (it holds personal data), then deleted.
KEEP_SECONDS = 6 * 3600


def export_dir() -> Path:
    """The folder of prepared exports; old ones are removed on the way."""
    return scratch_dir(current_app.instance_path, "exports", KEEP_SECONDS)


def export_path(event_id: int, key: str) -> Path:
    return export_dir() / f"{event_id}-{key}.xlsx"


@job(retries=1)
def build_registrations_xlsx(event_id: int, key: str, filters: dict) -> None:
    """Write the workbook beside its final name, then rename: a half-written file is never served."""
    event = db.session.get(Event, event_id)
    if event is None:
        return
    target = export_path(event_id, key)
    partial = target.with_suffix(".part")
    with registrations_xlsx_file(event, **roster_filters(event, filters)) as handle, partial.open("wb") as out:
        handle.seek(0)
        while chunk := handle.read(1024 * 1024):
            out.write(chunk)
    os.replace(partial, target)
