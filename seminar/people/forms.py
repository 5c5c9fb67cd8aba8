"""Organiser forms: a person (the registration form with a role, without consent), seating, bulk."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FileField, SelectField, SelectMultipleField

from ..registration.forms import RegistrationForm
from ..registration.services import Applicant
from ..templating import ROLE_LABELS


class PersonForm(RegistrationForm):
    """The registration form's fields (same checks) plus a role; consent is the person's own act."""

    consent = None
    role = SelectField(_l("Роль"), choices=list(ROLE_LABELS.items()), default="participant")
    override = BooleanField(_l("Посадить сверх лимита мест или квоты (будет записано в журнал)"))

    def applicant(self) -> Applicant:
        return Applicant(
            last_name=self.last_name.data, first_name=self.first_name.data,
            middle_name=self.middle_name.data or "", email=self.email.data,
            phone=self.phone.data or "", municipality_id=self.municipality_id,
            organization=self.organization.data, position=self.position.data, role=self.role.data)

    def changes(self) -> dict:
        """The editable fields as a registration holds them."""
        applicant = self.applicant()
        return {**applicant.__dict__}


BULK_ACTIONS = {
    "approve": _l("Подтвердить"),
    "cancel": _l("Отменить"),
    "role": _l("Сменить роль"),
    "printed": _l("Отметить бейджи напечатанными"),
    "resend": _l("Отправить личные ссылки ещё раз"),
}


class BulkForm(FlaskForm):
    action = SelectField(_l("Действие"), choices=list(BULK_ACTIONS.items()))
    role = SelectField(_l("Новая роль"), choices=list(ROLE_LABELS.items()))
    ids = SelectMultipleField(validate_choice=False)
    #: Act on every registration the filters find, not only the ticked ones.
    everything = BooleanField()


class ImportForm(FlaskForm):
    file = FileField(_l("Файл XLSX или CSV"))
    send_links = BooleanField(_l("Отправить каждому личную ссылку по почте"), default=True)
