"""No-shows export: confirmed registrations nobody scanned at the door, as CSV and XLSX."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..events.models import Event
from ..extensions import db
from ..registration.models import Registration, Status
from ..spreadsheets import csv_bytes, xlsx_bytes
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


WIDTHS = (34, 18, 14, 18, 36, 36, 12, 30, 16)


def no_shows_csv(event: Event, role_labels: dict) -> bytes:
    """The no-shows as CSV for Excel."""
    return csv_bytes(_header(), (_row(r, role_labels) for r in no_shows(event)))


def no_shows_xlsx(event: Event, role_labels: dict) -> bytes:
    """The no-shows as an .xlsx workbook."""
    return xlsx_bytes(_("Не пришли"), _header(), (_row(r, role_labels) for r in no_shows(event)), WIDTHS)
