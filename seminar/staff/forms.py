"""Forms: adding a staff member; a new account setting its own password."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired, Email, EqualTo, Length

REQUIRED = _l("Заполните это поле.")


class StaffForm(FlaskForm):
    email = EmailField(_l("Электронная почта"), filters=[lambda v: v.strip().lower() if v else v],
                       validators=[DataRequired(REQUIRED), Length(max=254),
                                   Email(message=_l("Проверьте адрес, например ivanov@example.ru."))])
    role = SelectField(_l("Роль"), choices=[("door", _l("вход (сканер)")), ("organiser", _l("организатор"))])


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("Новый пароль"), validators=[
        DataRequired(REQUIRED), Length(min=8, max=200, message=_l("Не короче 8 символов."))])
    confirm = PasswordField(_l("Пароль ещё раз"), validators=[
        DataRequired(REQUIRED), EqualTo("password", message=_l("Пароли не совпадают."))])
