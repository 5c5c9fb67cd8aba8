"""The registration list as CSV and XLSX for the organisers' Excel."""
from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import IO

from flask_babel import gettext as _

from ..events.models import Event, Municipality
from ..extensions import db
from ..features import features
from ..registration.models import Registration
from ..spreadsheets import csv_bytes, csv_chunks, write_xlsx, xlsx_bytes
from ..templating import ROLE_LABELS, STATUS_LABELS
from .models import CheckIn
from .roster import registrations_query

WIDTHS = (20, 14, 18, 30, 16, 34, 36, 36, 12, 18, 18, 18, 14, 18)
#: Registrations whose answers are read in one query while the rows stream.
ANSWER_BATCH = 500


def _header(event: Event) -> list[str]:
    """The fixed columns, then one per question of the organiser's (answers, in the question's order)."""
    return [_("Фамилия"), _("Имя"), _("Отчество"), _("Эл. почта"), _("Телефон"),
            _("Муниципальное образование"), _("Организация"), _("Должность"), _("Роль"),
            _("Статус"), _("Зарегистрирован(а)"), _("Пришёл (пришла)"), _("Версия согласия"),
            _("Согласие дано")] + extra_columns(event, [])[0]


def extra_columns(event: Event, registration_ids: list[int]) -> tuple[list[str], dict[int, list[str]]]:
    """Columns other features add to the roster (hook "roster_columns": the organiser's questions):
    their headers, and each registration's cells."""
    headers: list[str] = []
    cells: dict[int, list[str]] = {}
    for columns in features().hook("roster_columns"):
        more_headers, more_cells = columns(event, registration_ids)
        blank = [""] * len(more_headers)
        cells = {rid: cells.get(rid, [""] * len(headers)) + more_cells.get(rid, blank)
                 for rid in set(cells) | set(more_cells)}
        headers += more_headers
    return headers, cells


def _widths(header: list[str]) -> tuple[int, ...]:
    return WIDTHS + (24,) * (len(header) - len(WIDTHS))


def _rows(event: Event, **filters) -> Iterator[list]:
    """Plain columns (no ORM objects), labels translated once, times as the venue's wall clock
    (real dates in XLSX, dd.mm.yyyy hh:mm in CSV).

    Everything about the event is read now, not while the rows are streamed: by then the
    request's session (and the event object with it) may be gone.
    """
    roles = {key: str(label) for key, label in ROLE_LABELS.items()}
    statuses = {key: str(label) for key, label in STATUS_LABELS.items()}
    tz = event.tz

    def moment(value: datetime | None) -> datetime | None:
        return value.astimezone(tz) if value else None

    query = (
        registrations_query(event, **filters)
        .with_only_columns(
            Registration.id, Registration.last_name, Registration.first_name, Registration.middle_name,
            Registration.email, Registration.phone, Municipality.name, Registration.organization,
            Registration.position, Registration.role, Registration.status, Registration.created_at,
            CheckIn.checked_in_at, Registration.consent_version, Registration.consent_at,
            maintain_column_froms=True)
        .outerjoin(Municipality, Municipality.id == Registration.municipality_id)
        .execution_options(yield_per=1000)
    )

    def fixed(row) -> list:
        (_id, last, first, middle, email, phone, municipality, organization, position, role, status,
         created_at, checked_in_at, consent_version, consent_at) = row
        return [last, first, middle, email, phone, municipality or "", organization, position,
                roles.get(role, role), statuses.get(status, status), moment(created_at),
                moment(checked_in_at), consent_version, moment(consent_at)]

    def with_answers(batch: list) -> Iterator[list]:
        headers, answers = extra_columns(event, [row[0] for row in batch])
        blank = [""] * len(headers)
        for row in batch:
            yield fixed(row) + answers.get(row[0], blank)

    def rows() -> Iterator[list]:
        batch: list = []
        for row in db.session.execute(query):
            batch.append(row)
            if len(batch) == ANSWER_BATCH:
                yield from with_answers(batch)
                batch = []
        yield from with_answers(batch)

    return rows()


def registrations_csv(event: Event, **filters) -> bytes:
    """Every registration (or the filtered ones), times in the venue's zone."""
    return csv_bytes(_header(event), _rows(event, **filters))


def registrations_csv_chunks(event: Event, **filters) -> Iterator[bytes]:
    """The same CSV, produced as it is sent."""
    return csv_chunks(_header(event), _rows(event, **filters))


def registrations_xlsx(event: Event, **filters) -> bytes:
    header = _header(event)
    return xlsx_bytes(_("Регистрации"), header, _rows(event, **filters), _widths(header))


def registrations_xlsx_file(event: Event, **filters) -> IO[bytes]:
    """The workbook in a temporary file (kept on disk past 8 MB), ready to be streamed."""
    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (file_chunks closes it)
    header = _header(event)
    write_xlsx(handle, _("Регистрации"), header, _rows(event, **filters), _widths(header))
    return handle
