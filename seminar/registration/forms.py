"""The public registration form (field names are a public contract)."""
from __future__ import annotations

import re

import phonenumbers
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp, ValidationError

from ..textcheck import TextForm

NAME_RE = re.compile(r"^[A-Za-zА-Яа-яЁё]+(?:[ '’\-][A-Za-zА-Яа-яЁё]+)*$")


def _strip(value):
    return re.sub(r"\s+", " ", value).strip() if isinstance(value, str) else value


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def _name_field(label, required=True):
    checks = [
        Length(max=100, message=_l("Не длиннее 100 символов.")),
        Regexp(NAME_RE, message=_l("Только буквы, пробел, дефис и апостроф.")),
    ]
    first = DataRequired(message=_l("Заполните это поле.")) if required else Optional()
    return StringField(label, validators=[first, *checks], filters=[_strip])


def normalise_phone(value: str) -> str:
    """+7… in E.164; raises ValueError when it is not a phone number."""
    try:
        number = phonenumbers.parse(value, "RU")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(value) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(value)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class RegistrationForm(TextForm):
    last_name = _name_field(_l("Фамилия"))
    first_name = _name_field(_l("Имя"))
    middle_name = _name_field(_l("Отчество (если есть)"), required=False)
    email = EmailField(_l("Электронная почта"), filters=[_strip, _lower], validators=[
        DataRequired(message=_l("Заполните это поле.")),
        Length(max=254, message=_l("Слишком длинный адрес.")),
        Email(message=_l("Проверьте адрес, например ivanov@example.ru.")),
    ])
    phone = TelField(_l("Телефон"), filters=[_strip], validators=[
        Optional(), Length(max=30, message=_l("Слишком длинный номер."))])
    municipality = SelectField(_l("Муниципальное образование"), validate_choice=False,
                               validators=[InputRequired(message=_l("Выберите муниципальное образование."))])
    organization = StringField(_l("Организация"), filters=[_strip], validators=[
        DataRequired(message=_l("Заполните это поле.")),
        Length(max=300, message=_l("Не длиннее 300 символов."))])
    position = StringField(_l("Должность"), filters=[_strip], validators=[
        DataRequired(message=_l("Заполните это поле.")),
        Length(max=300, message=_l("Не длиннее 300 символов."))])
    consent = BooleanField(_l("Согласен(на) на обработку персональных данных"), validators=[
        DataRequired(message=_l("Без согласия на обработку персональных данных регистрация невозможна."))])

    def __init__(self, *args, municipalities: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality.choices = [("", _l("— выберите —"))] + [
            (str(mid), name) for mid, name in municipalities
        ]
        self._municipality_ids = {str(mid) for mid, _name in municipalities}

    def validate_municipality(self, field):
        if field.data not in self._municipality_ids:
            raise ValidationError(_l("Выберите муниципальное образование из списка."))

    def validate_phone(self, field):
        if not field.data:
            field.data = ""
            return
        try:
            field.data = normalise_phone(field.data)
        except ValueError:
            raise ValidationError(_l("Проверьте номер, например +7 914 123-45-67.")) from None

    @property
    def municipality_id(self) -> int:
        return int(self.municipality.data)


class DetailsForm(RegistrationForm):
    """/r/<token>/edit: the registration form's fields and checks, without consent (already given)."""

    consent = None
