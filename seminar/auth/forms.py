from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from ..textcheck import TextForm


class LoginForm(TextForm):
    email = EmailField(_l("Электронная почта"), validators=[
        DataRequired(message=_l("Заполните это поле.")), Length(max=254)])
    password = PasswordField(_l("Пароль"), validators=[
        DataRequired(message=_l("Заполните это поле.")), Length(max=200)])
