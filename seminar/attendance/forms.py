"""Organiser forms of session attendance."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional


class SessionCapacityForm(FlaskForm):
    capacity = IntegerField(_l("Мест на секции (пусто — по вместимости зала)"), validators=[
        Optional(), NumberRange(min=1, max=100000, message=_l("Число от 1 до 100000."))])


class CertificatePolicyForm(FlaskForm):
    sessions_on_certificate = BooleanField(
        _l("Перечислять в сертификате посещённые секции и считать академические часы"))
    academic_hour_minutes = IntegerField(_l("Минут в академическом часе"), default=45, validators=[
        InputRequired(message=_l("Укажите число.")),
        NumberRange(min=30, max=60, message=_l("Число от 30 до 60."))])
