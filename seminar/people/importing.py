"""Importing a delegation list: match the columns, check every row, then add them all at once.

`preview` changes nothing and gives an error per row; `apply` adds every row in the caller's
transaction, or raises ImportRefused and adds none (a list with errors is not imported at all).
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from ..events.models import Event
from ..events.services import municipality_choices
from ..extensions import db
from ..registration.models import SEAT_HOLDING, Registration, Status
from ..registration.services import Applicant, _fill, _seated_status, lock_seats
from .forms import PersonForm
from .reading import HEADER_SEARCH_ROWS, UnreadableFile, read_rows

#: Column headers we recognise, normalised (lower case, ё→е, punctuation → spaces).
HEADERS = {
    "full_name": ("фио", "ф и о", "фамилия имя отчество", "full name", "name", "участник", "фио участника"),
    "last_name": ("фамилия", "last name", "surname", "family name"),
    "first_name": ("имя", "first name", "given name"),
    "middle_name": ("отчество", "middle name", "patronymic"),
    "email": ("e mail", "email", "эл почта", "электронная почта", "почта", "адрес электронной почты",
              "mail", "e mail адрес", "емейл"),
    "phone": ("телефон", "phone", "тел", "мобильный телефон", "номер телефона", "контактный телефон",
              "phone number", "mobile"),
    "municipality": ("муниципальное образование", "муниципалитет", "мо", "municipality",
                     "муниципальный район округ", "район"),
    "organization": ("организация", "organisation", "organization", "место работы", "учреждение"),
    "position": ("должность", "position", "job title", "title"),
    "role": ("роль", "role", "категория"),
}
_LOOKUP = {name: key for key, names in HEADERS.items() for name in names}
ROLE_WORDS = {
    "participant": ("участник", "participant", "делегат"),
    "speaker": ("спикер", "докладчик", "выступающий", "speaker"),
    "organiser": ("организатор", "organiser", "organizer"),
    "press": ("пресса", "сми", "журналист", "press", "media"),
    "guest": ("гость", "guest", "почётный гость", "почетный гость"),
}
_ROLE_LOOKUP = {word: role for role, words in ROLE_WORDS.items() for word in words}
#: How the preview names the fields it matched the file's columns to.
FIELD_LABELS = {
    "full_name": _l("ФИО"), "last_name": _l("Фамилия"), "first_name": _l("Имя"),
    "middle_name": _l("Отчество"), "email": _l("Эл. почта"), "phone": _l("Телефон"),
    "municipality": _l("Муниципальное образование"), "organization": _l("Организация"),
    "position": _l("Должность"), "role": _l("Роль"),
}
FORM_FIELDS = ("last_name", "first_name", "middle_name", "email", "phone", "organization", "position")


class ImportRefused(Exception):
    """The list cannot be imported as it is; nothing was added."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-zа-я]+", " ", text.lower().replace("ё", "е")).strip()


@dataclass
class Row:
    number: int  # as the spreadsheet numbers it
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    applicant: Applicant | None = None

    @property
    def name(self) -> str:
        return " ".join(self.values.get(k, "") for k in ("last_name", "first_name", "middle_name")).strip()


def field_error(label: str, message: str) -> str:
    """One sentence naming the column: «Электронная почта — проверьте адрес, например …». The
    message goes on after a dash, so its capital goes (not an abbreviation's: «ОКТМО …» stays)."""
    text = str(message)
    if len(text) > 1 and text[1].islower():
        text = text[0].lower() + text[1:]
    return _("%(field)s — %(message)s", field=label, message=text)


@dataclass
class Preview:
    columns: dict[str, str]  # our field → the file's header
    rows: list[Row]

    @property
    def errors(self) -> list[Row]:
        return [row for row in self.rows if row.errors]

    @property
    def valid(self) -> list[Row]:
        return [row for row in self.rows if not row.errors]


def find_header(rows: list[list[str]]) -> tuple[int, dict[int, str]]:
    """The header row's index and the column → field map; the row that names most fields wins."""
    best: tuple[int, dict[int, str]] = (-1, {})
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        mapping = _map_columns(row)
        if index > 0 and rows[index - 1]:
            # Two header rows (a merged "ФИО" above "Фамилия | Имя | Отчество"): fill gaps from above.
            for column, key in _map_columns(rows[index - 1]).items():
                if column not in mapping and key not in mapping.values():
                    mapping[column] = key
        if len(set(mapping.values())) > len(set(best[1].values())):
            best = (index, mapping)
    return best


def _map_columns(row: list[str]) -> dict[int, str]:
    mapping: dict[int, str] = {}
    full_name_columns = []
    for column, title in enumerate(row):
        key = _LOOKUP.get(_norm(title))
        if key is None:
            continue
        if key == "full_name":
            full_name_columns.append(column)
        elif key not in mapping.values():
            mapping[column] = key
    if len(full_name_columns) >= 2:
        # "ФИО" merged over three columns: last, first and middle name in turn.
        for column, key in zip(full_name_columns, ("last_name", "first_name", "middle_name"), strict=False):
            mapping.setdefault(column, key)
    elif full_name_columns:
        mapping[full_name_columns[0]] = "full_name"
    return mapping


def preview(event: Event, data: bytes, filename: str = "") -> Preview:
    """Read and check every row; changes nothing. Raises UnreadableFile or ImportRefused."""
    rows = read_rows(data, filename)
    header_index, columns = find_header(rows)
    keys = set(columns.values())
    has_name = "full_name" in keys or {"last_name", "first_name"} <= keys
    if header_index < 0 or not has_name or "email" not in keys or "municipality" not in keys:
        raise ImportRefused(_l("Не найдена строка заголовков. Нужны столбцы: ФИО (одним столбцом или "
                               "тремя), e-mail, муниципальное образование; по желанию — телефон, "
                               "организация, должность, роль."))
    titles = rows[header_index]
    checker = _Checker(event)
    checked = []
    for number, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        if not any(row):
            continue  # an empty line between delegations
        values = {key: (row[column] if column < len(row) else "") for column, key in columns.items()}
        checked.append(checker.check(number, _split_name(values)))
    if not checked:
        raise ImportRefused(_l("В файле нет ни одной строки с участником под заголовками."))
    return Preview({key: titles[column] for column, key in columns.items()}, checked)


def _split_name(values: dict[str, str]) -> dict[str, str]:
    full = values.pop("full_name", None)
    if full is not None and not values.get("last_name"):
        parts = full.split()
        values["last_name"] = parts[0] if parts else ""
        values["first_name"] = parts[1] if len(parts) > 1 else ""
        values["middle_name"] = " ".join(parts[2:])
    return values


class _Checker:
    """The registration form's checks, plus municipality names, roles and duplicate addresses."""

    def __init__(self, event: Event):
        self.event = event
        self.choices = municipality_choices(event)
        self.by_name = {_norm(name): mid for mid, name in self.choices}
        self.names = [name for _mid, name in self.choices]
        self.registered = set(db.session.scalars(
            select(func.lower(Registration.email)).where(Registration.event_id == event.id)))
        self.seen: dict[str, int] = {}

    def check(self, number: int, values: dict[str, str]) -> Row:
        row = Row(number, values)
        municipality_id = self._municipality(row)
        role = _ROLE_LOOKUP.get(_norm(values.get("role", "")) or "участник")
        if role is None:
            row.errors.append(_("Неизвестная роль «%(v)s».", v=values.get("role", "")))
        data = MultiDict({k: values.get(k, "") for k in FORM_FIELDS})
        data["municipality"] = str(municipality_id or "")
        form = PersonForm(formdata=data, meta={"csrf": False}, municipalities=self.choices)
        form.validate()
        for name, messages in form.errors.items():
            if name not in ("municipality", "role"):
                row.errors.extend(field_error(form[name].label.text, message) for message in messages)
        email = (form.email.data or "").lower()
        if email and not form.email.errors:
            self._duplicates(row, email)
        if not row.errors and municipality_id and role:
            row.applicant = Applicant(
                last_name=form.last_name.data, first_name=form.first_name.data,
                middle_name=form.middle_name.data or "", email=email, phone=form.phone.data or "",
                municipality_id=municipality_id, organization=form.organization.data,
                position=form.position.data, role=role)
        return row

    def _municipality(self, row: Row) -> int | None:
        name = row.values.get("municipality", "")
        found = self.by_name.get(_norm(name))
        if found is None:
            if name:
                row.errors.append(_("Муниципальное образование «%(v)s» не найдено.", v=name))
                row.suggestions = difflib.get_close_matches(name, self.names, n=3, cutoff=0.5)
            else:
                row.errors.append(_("Не указано муниципальное образование."))
        return found

    def _duplicates(self, row: Row, email: str) -> None:
        if email in self.registered:
            row.errors.append(_("Адрес %(v)s уже зарегистрирован на это мероприятие.", v=email))
        elif email in self.seen:
            row.errors.append(_("Адрес %(v)s уже есть в строке %(n)s этого файла.", v=email,
                                n=self.seen[email]))
        else:
            self.seen[email] = row.number


@dataclass
class Applied:
    """What an import added: ids and counts by status (read before the commit expires the rows)."""

    ids: list[int]
    statuses: dict[str, int]

    def count(self, status: str) -> int:
        return self.statuses.get(status, 0)


def apply(event: Event, result: Preview, *, now: datetime) -> Applied:
    """Add every row (seat rules apply, in file order) or, if any row has an error, none."""
    if result.errors:
        raise ImportRefused(_l("В файле есть ошибки (%(n)s строк). Исправьте их и загрузите снова: "
                               "ничего не импортировано.", n=len(result.errors)))
    lock_seats(event)
    seated_total, seated_by = _seat_counts(event)
    added = []
    for row in result.rows:
        applicant = row.applicant
        assert applicant is not None  # every row without errors has one
        registration = Registration(event=event, email=applicant.email, created_at=now)
        _fill(registration, applicant)
        municipality_id = applicant.municipality_id
        free = event.capacity is None or seated_total < event.capacity
        quota = event.municipality_quota is None or seated_by.get(municipality_id, 0) < event.municipality_quota
        if free and quota:
            registration.status = _seated_status(event)
            seated_total += 1
            seated_by[municipality_id] = seated_by.get(municipality_id, 0) + 1
        else:
            registration.status = Status.waitlisted.value
        added.append(registration)
    db.session.add_all(added)
    try:
        db.session.flush()
    except IntegrityError:
        # Someone registered one of these addresses since the preview: the list goes in whole or not at all.
        db.session.rollback()
        raise ImportRefused(_l("Пока вы проверяли список, кто-то из него зарегистрировался сам. "
                               "Ничего не импортировано: загрузите файл снова.")) from None
    statuses: dict[str, int] = {}
    for registration in added:
        statuses[registration.status] = statuses.get(registration.status, 0) + 1
    return Applied([r.id for r in added], statuses)


def _seat_counts(event: Event) -> tuple[int, dict[int | None, int]]:
    rows = db.session.execute(
        select(Registration.municipality_id, func.count())
        .where(Registration.event_id == event.id, Registration.status.in_(SEAT_HOLDING))
        .group_by(Registration.municipality_id)).all()
    by = {mid: n for mid, n in rows}
    return sum(by.values()), by


__all__ = ["Applied", "ImportRefused", "Preview", "UnreadableFile", "apply", "preview"]
