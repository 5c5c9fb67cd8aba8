"""Organiser forms: a message to a group, a scheduled message's settings."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from ..registration.models import Role, Status
from .schedules import MAX_HOURS

CHECKED_IN_CHOICES = [("", _l("все")), ("yes", _l("только пришедшие")), ("no", _l("только не пришедшие"))]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MessageForm(FlaskForm):
    """The message, the filter of its recipients, and who to preview it as."""

    subject = StringField(_l("Тема"))
    body = TextAreaField(_l("Текст"))
    status = CheckboxesField(_l("Статус"), validate_choice=False)
    role = CheckboxesField(_l("Роль"), validate_choice=False)
    municipality = SelectMultipleField(_l("Муниципальные образования (ничего не выбрано — все)"),
                                       coerce=int, validate_choice=False)
    checked_in = SelectField(_l("Отметка на входе"), choices=CHECKED_IN_CHOICES, validate_choice=False)
    preview_as = SelectField(_l("Показать письмо так, как его получит"), coerce=int, validate_choice=False)

    def __init__(self, *args, status_labels: dict, role_labels: dict, municipalities: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [(s.value, status_labels.get(s.value, s.value)) for s in Status]
        self.role.choices = [(r.value, role_labels.get(r.value, r.value)) for r in Role]
        self.municipality.choices = [(m.id, m.name) for m in municipalities]


class ScheduleForm(FlaskForm):
    enabled = BooleanField(_l("Отправлять"))
    offset_hours = IntegerField(_l("За сколько часов"), validators=[
        InputRequired(_l("Укажите число часов.")),
        NumberRange(min=1, max=MAX_HOURS, message=_l("От 1 до %(max)s часов."))])
