"""Running a prepared file's build inside a feature's job, and the hourly removal of expired files."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import IO

from huey import crontab

from ..dbtypes import utcnow
from ..extensions import db
from ..queue import periodic_job, release_memory
from . import services
from .models import PreparedFile

log = logging.getLogger(__name__)

#: Reports progress: done, total. Each report is committed, so the page sees it at once.
Report = Callable[[int, int], None]


def run_build(file_id: int, build: Callable[[PreparedFile, Report], IO[bytes]],
              when_ready: Callable[[], object] | None = None) -> None:
    """Build a prepared file in a queue job and commit its bytes; a failure marks it failed.

    `build` gets the file's row and a progress callback and returns an open (temporary) file
    holding the result; its bytes are kept in pieces, each committed on its own, so no single
    write holds SQLite's lock for long. `when_ready` runs in the last transaction, the one that
    makes the file ready: e.g. badges marked printed only once their PDF exists.
    """
    file = services.start(file_id)
    if file is None:
        return  # dropped for a newer request, or already built
    kind = file.kind
    db.session.commit()

    def report(done: int, total: int) -> None:
        services.progress(file, done, total)
        db.session.commit()

    try:
        with build(file, report) as handle:
            for seq, piece in enumerate(services.parts(handle)):
                services.add_part(file, seq, piece)
                db.session.commit()
        if when_ready is not None:
            when_ready()
        services.finish(file, utcnow())
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("prepared file %s (%s) failed", file_id, kind)
        services.fail(file_id, utcnow())
        db.session.commit()
        raise
    finally:
        release_memory()  # a big build's freed pages go back to the system, not kept by the worker


@periodic_job(crontab(minute="23"))
def drop_expired_files() -> int:
    """Delete prepared files older than services.KEEP (they hold personal data)."""
    count = services.drop_expired(utcnow())
    db.session.commit()
    return count
