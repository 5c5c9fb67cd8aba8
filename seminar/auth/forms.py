from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("Электронная почта"), validators=[
        DataRequired(message=_l("Заполните это поле.")), Length(max=254)])
    password = PasswordField(_l("Пароль"), validators=[
        DataRequired(message=_l("Заполните это поле.")), Length(max=200)])
