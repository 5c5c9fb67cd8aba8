"""Organiser forms: an event's certificate settings, and one person's name on the certificate."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from .images import PNG, ImageRejected, check_image, read_limited
from .settings import BACKGROUND, LOGO, Pictures, SettingsInput
from .wording import WordingError, check_number_pattern, check_wording


def _strip(value):
    return " ".join(value.split()) if isinstance(value, str) else value


def _checked(check):
    """A WTForms validator from one of our check functions (which raise WordingError)."""
    def validate(form, field):
        try:
            check(field.data or "")
        except WordingError as exc:
            raise ValidationError(str(exc.message)) from None
    return validate


class SettingsForm(FlaskForm):
    organisation = StringField(_l("Организация, выдающая сертификат"), filters=[_strip],
                               validators=[Optional(), Length(max=500)])
    signatory_name = StringField(_l("Подписывает: имя (например, А. В. Петров)"), filters=[_strip],
                                 validators=[Optional(), Length(max=200)])
    signatory_position = StringField(_l("Должность подписывающего"), filters=[_strip],
                                     validators=[Optional(), Length(max=300)])
    signature = FileField(_l("Скан подписи (PNG, лучше с прозрачным фоном)"))
    remove_signature = BooleanField(_l("Убрать подпись"))
    academic_hours = IntegerField(_l("Академических часов (пусто — не указывать)"),
                                  validators=[Optional(), NumberRange(min=1, max=10000)])
    number_pattern = StringField(_l("Шаблон номера"), filters=[_strip],
                                 validators=[Optional(), _checked(check_number_pattern)])
    wording_participant = TextAreaField(_l("Текст для участника"), filters=[_strip],
                                        validators=[Optional(), _checked(check_wording)])
    wording_speaker = TextAreaField(_l("Текст для спикера"), filters=[_strip],
                                    validators=[Optional(), _checked(check_wording)])
    wording_organiser = TextAreaField(_l("Текст для организатора"), filters=[_strip],
                                      validators=[Optional(), _checked(check_wording)])
    image_kind = RadioField(_l("Изображение"), default=LOGO, choices=[
        (LOGO, _l("логотип в углу")), (BACKGROUND, _l("фон на всю страницу (рамка не рисуется)"))])
    image = FileField(_l("Файл изображения (PNG или JPEG, до 5 МБ и 25 мегапикселей)"))
    remove_image = BooleanField(_l("Убрать изображение"))

    _image: bytes | None = None
    _signature: bytes | None = None

    def validate_image(self, field):
        self._image = _upload(field.data, ("PNG", "JPEG"))

    def validate_signature(self, field):
        self._signature = _upload(field.data, PNG)

    def to_input(self) -> SettingsInput:
        return SettingsInput(
            organisation=self.organisation.data or "", signatory_name=self.signatory_name.data or "",
            signatory_position=self.signatory_position.data or "", academic_hours=self.academic_hours.data,
            number_pattern=self.number_pattern.data or "",
            wording_participant=self.wording_participant.data or "",
            wording_speaker=self.wording_speaker.data or "",
            wording_organiser=self.wording_organiser.data or "", image_kind=self.image_kind.data or LOGO)

    def pictures(self) -> Pictures:
        return Pictures(image=self._image, signature=self._signature,
                        remove_image=bool(self.remove_image.data), remove_signature=bool(self.remove_signature.data))


def _upload(storage, formats: tuple[str, ...]) -> bytes | None:
    """The uploaded file's bytes if it is a usable picture, None when no file was chosen."""
    if storage is None or not getattr(storage, "filename", None):
        return None
    try:
        data = read_limited(storage.stream)
        check_image(data, formats)
    except ImageRejected as exc:
        raise ValidationError(str(exc.message)) from None
    return data


class NameForm(FlaskForm):
    name_form = StringField(_l("Имя в сертификате (дательный падеж)"), filters=[_strip],
                            validators=[Optional(), Length(max=400, message=_l("Имя не длиннее 400 символов."))])
