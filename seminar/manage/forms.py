"""Organiser forms: creating and editing an event."""
from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo, available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from ..textcheck import TextForm

RUSSIAN_ZONES = ["Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg",
                 "Asia/Omsk", "Asia/Novosibirsk", "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Yakutsk",
                 "Asia/Vladivostok", "Asia/Magadan", "Asia/Kamchatka"]
REQUIRED = _l("Заполните это поле.")
#: What <input type="datetime-local"> sends and shows.
LOCAL = "%Y-%m-%dT%H:%M"


class EventForm(TextForm):
    title = StringField(_l("Название"), validators=[DataRequired(REQUIRED), Length(max=300)])
    slug = StringField(_l("Адрес страницы (латиница, цифры, дефис)"), validators=[
        DataRequired(REQUIRED), Length(max=100),
        Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message=_l("Только строчные латинские буквы, цифры и дефис."))])
    description = TextAreaField(_l("Описание"), validators=[Optional(), Length(max=10000)])
    city = StringField(_l("Город"), validators=[DataRequired(REQUIRED), Length(max=100)])
    venue = StringField(_l("Место проведения"), validators=[Optional(), Length(max=300)])
    timezone = SelectField(_l("Часовой пояс площадки"), choices=[(z, z) for z in RUSSIAN_ZONES],
                           default="Asia/Yakutsk")
    starts_at = DateTimeLocalField(_l("Начало (местное время)"), format=LOCAL, validators=[DataRequired(REQUIRED)])
    ends_at = DateTimeLocalField(_l("Окончание (местное время)"), format=LOCAL, validators=[DataRequired(REQUIRED)])
    registration_opens = DateTimeLocalField(_l("Регистрация открывается"), format=LOCAL, validators=[Optional()])
    registration_closes = DateTimeLocalField(_l("Регистрация закрывается (пусто — когда событие закончится)"),
                                             format=LOCAL, validators=[Optional()])
    capacity = IntegerField(_l("Мест в зале (пусто — без ограничения)"),
                            validators=[Optional(), NumberRange(min=1, max=100000)])
    municipality_quota = IntegerField(_l("Не больше участников от одного муниципального образования"),
                                      validators=[Optional(), NumberRange(min=1, max=10000)])
    region = SelectField(_l("Регион участников"), validate_choice=False)
    moderation = BooleanField(_l("Подтверждать заявки вручную"))
    confirm_email_hours = IntegerField(
        _l("Сначала подтвердить почту: держать место, часов (пусто — не нужно)"),
        validators=[Optional(), NumberRange(min=1, max=168, message=_l("От 1 до 168 часов."))])
    status = SelectField(_l("Статус"), choices=[("draft", _l("черновик")), ("published", _l("опубликовано")),
                                                ("archived", _l("в архиве"))])
    retain_personal_data_until = DateField(_l("Хранить персональные данные до (пусто — год после окончания)"),
                                           validators=[Optional()])
    consent_text = TextAreaField(_l("Текст согласия на обработку персональных данных"),
                                 validators=[Optional(), Length(max=10000)])

    def __init__(self, *args, regions: list[tuple[int, str]], taken_slugs: set[str], may_publish: bool = True,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.region.choices = [("", _l("любой"))] + [(str(i), n) for i, n in regions]
        self._taken = taken_slugs
        #: Publishing needs the admin role or an organiser an admin allowed to (User.can_create_events).
        self.may_publish = may_publish

    def validate_status(self, field):
        if field.data == "published" and not self.may_publish:
            raise ValidationError(_l("Опубликовать мероприятие может администратор или организатор, "
                                     "которому администратор это разрешил."))

    def validate_slug(self, field):
        if field.data in self._taken:
            raise ValidationError(_l("Такой адрес уже занят другим мероприятием."))

    def validate_timezone(self, field):
        if field.data not in available_timezones():
            raise ValidationError(_l("Неизвестный часовой пояс."))

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("Окончание должно быть позже начала."))

    def validate_registration_closes(self, field):
        if field.data and self.registration_opens.data and field.data <= self.registration_opens.data:
            raise ValidationError(_l("Закрытие регистрации должно быть позже открытия."))

    def validate_retain_personal_data_until(self, field):
        if field.data and self.ends_at.data and field.data < self.ends_at.data.date():
            raise ValidationError(_l("Срок хранения не может закончиться раньше мероприятия."))

    def retention_deadline(self) -> datetime | None:
        """The end of the chosen day at the venue."""
        day = self.retain_personal_data_until.data
        return self.aware(datetime.combine(day, time(23, 59, 59))) if day else None

    def aware(self, value: datetime | None) -> datetime | None:
        """A wall-clock time typed for the venue, as an aware datetime."""
        return value.replace(tzinfo=ZoneInfo(self.timezone.data)) if value else None

    def aware_required(self, value: datetime | None) -> datetime:
        """Like `aware`, for a field the form requires."""
        moment = self.aware(value)
        if moment is None:
            raise ValueError("a required date field was empty after validation")
        return moment

    @property
    def region_id(self) -> int | None:
        return int(self.region.data) if self.region.data and re.fullmatch(r"\d+", self.region.data) else None


class CloneForm(FlaskForm):
    """The next edition: its own title, address and first day."""

    title = StringField(_l("Название"), validators=[DataRequired(REQUIRED), Length(max=300)])
    slug = StringField(_l("Адрес страницы (латиница, цифры, дефис)"), validators=[
        DataRequired(REQUIRED), Length(max=100),
        Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message=_l("Только строчные латинские буквы, цифры и дефис."))])
    starts_on = DateField(_l("Первый день"), validators=[DataRequired(REQUIRED)])

    def __init__(self, *args, taken_slugs: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        self._taken = taken_slugs

    def validate_slug(self, field):
        if field.data in self._taken:
            raise ValidationError(_l("Такой адрес уже занят другим мероприятием."))
