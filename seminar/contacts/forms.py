"""The participant's contact-sharing consent and the directory search."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import Length, Optional


class ContactConsentForm(FlaskForm):
    consent = BooleanField(_l("Показывать мои контакты другим участникам этого форума"))
    show_position = BooleanField(_l("Должность"))
    show_organization = BooleanField(_l("Организация"))
    show_email = BooleanField(_l("Почта"))
    show_phone = BooleanField(_l("Телефон"))


class DirectorySearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search

    q = StringField(_l("Фамилия или имя"), validators=[Optional(), Length(max=100)])
    municipality = SelectField(_l("Муниципальное образование"), validate_choice=False, default="")
    page = IntegerField(default=1, validators=[Optional()])

    def __init__(self, *args, municipalities: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality.choices = [("", _l("— все —"))] + [(str(i), n) for i, n in municipalities]

    @property
    def municipality_id(self) -> int | None:
        value = self.municipality.data or ""
        return int(value) if value.isdigit() else None
