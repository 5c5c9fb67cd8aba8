"""The registration list as CSV and XLSX for the organisers' Excel."""
from __future__ import annotations

from flask_babel import gettext as _

from ..events.models import Event
from ..extensions import db
from ..spreadsheets import csv_bytes, xlsx_bytes
from ..templating import ROLE_LABELS, STATUS_LABELS
from .roster import registrations_query

WIDTHS = (20, 14, 18, 30, 16, 34, 36, 36, 12, 18, 18, 18, 14, 18)


def _header() -> list[str]:
    return [_("Фамилия"), _("Имя"), _("Отчество"), _("Эл. почта"), _("Телефон"),
            _("Муниципальное образование"), _("Организация"), _("Должность"), _("Роль"),
            _("Статус"), _("Зарегистрирован(а)"), _("Пришёл (пришла)"), _("Версия согласия"),
            _("Согласие дано")]


def _rows(event: Event, **filters):
    def local(moment):  # the venue's wall clock: a real date in XLSX, dd.mm.yyyy hh:mm in CSV
        return event.local(moment) if moment is not None else None

    for registration, checked_in_at in db.session.execute(registrations_query(event, **filters)):
        yield [
            registration.last_name, registration.first_name, registration.middle_name,
            registration.email, registration.phone,
            registration.municipality.name if registration.municipality else "",
            registration.organization, registration.position,
            str(ROLE_LABELS.get(registration.role, registration.role)),
            str(STATUS_LABELS.get(registration.status, registration.status)),
            local(registration.created_at), local(checked_in_at),
            registration.consent_version, local(registration.consent_at),
        ]


def registrations_csv(event: Event, **filters) -> bytes:
    """Every registration (or the filtered ones), times in the venue's zone."""
    return csv_bytes(_header(), _rows(event, **filters))


def registrations_xlsx(event: Event, **filters) -> bytes:
    return xlsx_bytes(_("Регистрации"), _header(), _rows(event, **filters), WIDTHS)
