"""No-shows export: confirmed registrations nobody scanned at the door, as CSV and XLSX."""
from __future__ import annotations

import csv
import io

from flask_babel import gettext as _
from sqlalchemy import select

from ..events.models import Event
from ..extensions import db
from ..registration.models import Registration, Status
from .models import CheckIn


def no_shows(event: Event) -> list[Registration]:
    """Confirmed registrations of the event without a check-in, sorted by municipality and name."""
    query = (
        select(Registration)
        .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.event_id == event.id,
               Registration.status == Status.confirmed.value,
               CheckIn.id.is_(None))
        .order_by(Registration.last_name_key, Registration.first_name, Registration.id)
    )
    rows = list(db.session.scalars(query))
    rows.sort(key=lambda r: (r.municipality.name if r.municipality else "", r.last_name_key))
    return rows


def _header() -> list[str]:
    return [_("Муниципальное образование"), _("Фамилия"), _("Имя"), _("Отчество"),
            _("Организация"), _("Должность"), _("Роль"), _("Эл. почта"), _("Телефон")]


def _row(registration: Registration, role_labels: dict) -> list[str]:
    return [
        registration.municipality.name if registration.municipality else "",
        registration.last_name, registration.first_name, registration.middle_name,
        registration.organization, registration.position,
        str(role_labels.get(registration.role, registration.role)),
        registration.email, registration.phone,
    ]


def no_shows_csv(event: Event, role_labels: dict) -> bytes:
    """UTF-8 with a BOM and ';' separators, so Excel opens Cyrillic correctly on a double click."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(_header())
    for registration in no_shows(event):
        writer.writerow([_excel_safe(v) for v in _row(registration, role_labels)])
    return "\ufeff".encode("utf-8") + buffer.getvalue().encode("utf-8")


def no_shows_xlsx(event: Event, role_labels: dict) -> bytes:
    """An .xlsx workbook with one sheet of no-shows, a bold header and a frozen first row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Не пришли")[:31]
    sheet.append(_header())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for registration in no_shows(event):
        sheet.append([_excel_safe(v) for v in _row(registration, role_labels)])
    for column, width in zip("ABCDEFGHI", (34, 18, 14, 18, 36, 36, 12, 30, 16)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _excel_safe(value: str) -> str:
    """Text that a spreadsheet will not run as a formula (CSV/formula injection)."""
    if value and value[0] in "=+-@\t\r" and not value.startswith("+7"):
        return "'" + value
    return value
