"""The registration list as CSV and XLSX for the organisers' Excel."""
from __future__ import annotations

from flask_babel import gettext as _

from ..events.models import Event
from ..extensions import db
from ..questions.services import answer_columns
from ..spreadsheets import csv_bytes, xlsx_bytes
from ..templating import ROLE_LABELS, STATUS_LABELS, event_datetime
from .roster import registrations_query

WIDTHS = (20, 14, 18, 30, 16, 34, 36, 36, 12, 18, 18, 18, 14, 18)


def _header() -> list[str]:
    return [_("Фамилия"), _("Имя"), _("Отчество"), _("Эл. почта"), _("Телефон"),
            _("Муниципальное образование"), _("Организация"), _("Должность"), _("Роль"),
            _("Статус"), _("Зарегистрирован(а)"), _("Пришёл (пришла)"), _("Версия согласия"),
            _("Согласие дано")]


def _table(event: Event, **filters) -> tuple[list[str], list[list]]:
    """The header and rows, the answers to the organiser's questions as the last columns."""
    rows = db.session.execute(registrations_query(event, **filters)).all()
    headers, answers = answer_columns(event, [registration.id for registration, _at in rows])
    blank = [""] * len(headers)
    return _header() + headers, [
        cells + answers.get(registration.id, blank)
        for (registration, _at), cells in zip(rows, _rows(event, rows), strict=True)]


def _rows(event: Event, rows):
    fmt = "dd.MM.yyyy HH:mm"
    for registration, checked_in_at in rows:
        yield [
            registration.last_name, registration.first_name, registration.middle_name,
            registration.email, registration.phone,
            registration.municipality.name if registration.municipality else "",
            registration.organization, registration.position,
            str(ROLE_LABELS.get(registration.role, registration.role)),
            str(STATUS_LABELS.get(registration.status, registration.status)),
            event_datetime(registration.created_at, event, fmt),
            event_datetime(checked_in_at, event, fmt),
            registration.consent_version, event_datetime(registration.consent_at, event, fmt),
        ]


def registrations_csv(event: Event, **filters) -> bytes:
    """Every registration (or the filtered ones), times in the venue's zone."""
    return csv_bytes(*_table(event, **filters))


def registrations_xlsx(event: Event, **filters) -> bytes:
    header, rows = _table(event, **filters)
    return xlsx_bytes(_("Регистрации"), header, rows, WIDTHS + (24,) * (len(header) - len(WIDTHS)))
