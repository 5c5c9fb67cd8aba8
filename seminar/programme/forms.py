"""Organiser forms of the programme editor; times are wall-clock times at the venue."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..textcheck import TextForm
from .models import SessionKind
from .queries import KIND_LABELS

REQUIRED = _l("Заполните это поле.")


class RoomForm(TextForm):
    name = StringField(_l("Название зала"), validators=[DataRequired(message=REQUIRED),
                                                        Length(max=200, message=_l("Не длиннее 200 символов."))])
    capacity = IntegerField(_l("Мест (необязательно)"), validators=[
        Optional(), NumberRange(min=1, max=100000, message=_l("Число от 1 до 100000."))])
    position = IntegerField(_l("Порядок в сетке"), default=0, validators=[
        Optional(), NumberRange(min=0, max=1000, message=_l("Число от 0 до 1000."))])


class SessionForm(TextForm):
    title = StringField(_l("Название"), validators=[DataRequired(message=REQUIRED),
                                                    Length(max=300, message=_l("Не длиннее 300 символов."))])
    kind = SelectField(_l("Формат"), choices=[(k.value, KIND_LABELS[k.value]) for k in SessionKind])
    room = SelectField(_l("Зал"), validate_choice=False)
    day = DateField(_l("День"), validators=[InputRequired(message=_l("Укажите день."))])
    starts = TimeField(_l("Начало"), validators=[InputRequired(message=_l("Укажите время начала."))])
    ends = TimeField(_l("Окончание"), validators=[InputRequired(message=_l("Укажите время окончания."))])
    track = StringField(_l("Трек (необязательно)"), validators=[Length(max=100)])
    description = TextAreaField(_l("Описание"), validators=[Length(max=5000)])
    position = IntegerField(_l("Порядок при одинаковом времени"), default=0, validators=[
        Optional(), NumberRange(min=0, max=1000, message=_l("Число от 0 до 1000."))])

    def __init__(self, *args, rooms: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.room.choices = [("", _l("— без зала (пленарное, перерыв, регистрация — во всех залах) —"))] + [
            (str(rid), name) for rid, name in rooms]
        self._room_ids = {str(rid) for rid, _name in rooms}

    def validate_room(self, field):
        if field.data and field.data not in self._room_ids:
            raise ValidationError(_l("Выберите зал из списка."))

    @property
    def room_id(self) -> int | None:
        return int(self.room.data) if self.room.data else None


class SpeakerProfileForm(TextForm):
    public_name = StringField(_l("Имя в программе"), validators=[Length(max=200)])
    position = StringField(_l("Должность"), validators=[Length(max=300)])
    bio = TextAreaField(_l("Коротко о спикере"), validators=[Length(max=2000)])
