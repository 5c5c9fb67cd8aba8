"""A file the queue builds for an organiser (a badge PDF, an XLSX export), kept in the database."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import Model

#: The states in which a file's job is still to finish (services.QUEUED, services.RUNNING).
PENDING_SQL = "status IN ('queued', 'running')"


class PreparedFile(Model):
    """One requested file of an event: its state while the queue builds it, then its bytes.

    Stored in the database so any app server can hand it out; it holds personal data, so only
    the newest few per event and kind stay, and none longer than `services.KEEP`.
    """

    __tablename__ = "prepared_file"
    __table_args__ = (
        Index("ix_prepared_file_event_id_kind", "event_id", "kind"),
        # One job per request: while a file is queued or running, a second INSERT with the same
        # options fails, so two clicks at the same instant still queue one job (NULLs never clash).
        Index("uq_prepared_file_pending_options", "event_id", "kind", "options", unique=True,
              sqlite_where=text(PENDING_SQL), postgresql_where=text(PENDING_SQL)),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    #: What the file is: "badges", "export-xlsx"…
    kind: Mapped[str] = mapped_column(String(30))
    #: queued, running, ready or failed.
    status: Mapped[str] = mapped_column(String(20), default="queued")
    #: Progress while running: `done` of `total` items (badges, rows).
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The staff account that asked for it (kept when the account is deleted: the file stays).
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: What exactly was asked for (a bulk sheet's layout, order and filters), as canonical JSON:
    #: a second request with the same options joins this file while it is being built. None
    #: for kinds that do not compare requests.
    options: Mapped[str | None] = mapped_column(String(500))
    #: The name the download is saved under.
    filename: Mapped[str] = mapped_column(String(200))
    mimetype: Mapped[str] = mapped_column(String(100))
    #: Size of the file in bytes, so pages can show it without loading it.
    size: Mapped[int] = mapped_column(default=0)
    #: The bytes of a file kept at once (an uploaded list, `services.keep`); a built file is kept
    #: in parts (`PreparedFilePart`) instead.
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))


class PreparedFilePart(Model):
    """One piece (at most `services.PART` bytes) of a built file, in order. A finished file is
    written piece by piece, each in its own short transaction: on SQLite one 20 MB write would
    hold the write lock, and with it every door scan, for a tenth of a second or more."""

    __tablename__ = "prepared_file_part"
    file_id: Mapped[int] = mapped_column(ForeignKey("prepared_file.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
