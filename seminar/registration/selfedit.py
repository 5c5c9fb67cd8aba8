"""The participant fixes their own details; a new e-mail address is confirmed before it counts."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeTimedSerializer

from ..links import public_url
from . import notify
from .editing import DuplicateEmail, Edit, check_email_free, edit_registration
from .models import Registration

#: How long the link that confirms a new address works.
EMAIL_LINK_MAX_AGE = 3 * 24 * 3600
_SALT = "registration-email-change"


@dataclass
class SelfEdit:
    edit: Edit
    #: The new address waiting for confirmation, if the e-mail was changed.
    pending_email: str | None


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def edit_own_details(registration: Registration, changes: dict) -> SelfEdit:
    """Apply every change but the address; a new address waits for its confirmation link."""
    new_email = changes.pop("email", registration.email).strip().lower()
    changes.pop("role", None)  # the role is the organiser's to give
    pending = None
    if new_email != registration.email:
        check_email_free(registration.event, new_email, registration)
        pending = new_email
    return SelfEdit(edit_registration(registration, changes), pending)


def email_change_token(registration: Registration, new_email: str) -> str:
    """A signed, expiring token naming the registration, its current and its new address."""
    return _signer().dumps({"r": registration.id, "old": registration.email, "new": new_email})


def confirm_email_change(registration: Registration, token: str) -> str:
    """Switch to the confirmed address; raises BadData for a wrong, expired or used link."""
    data = _signer().loads(token, max_age=EMAIL_LINK_MAX_AGE)
    if data.get("r") != registration.id or data.get("old") != registration.email:
        raise BadData("not for this registration, or already used")
    edit_registration(registration, {"email": data["new"]})
    return data["new"]


def send_email_confirmation(registration: Registration, new_email: str) -> None:
    """The confirmation link goes to the NEW address: only its owner can make it count."""
    from .. import mail

    link = public_url("registration.confirm_new_email", token=registration.access_token,
                      signed=email_change_token(registration, new_email))
    event = registration.event
    body = "\n".join([
        notify.greeting(registration), "",
        _("Вы указали этот адрес для регистрации на «%(title)s».", title=event.title),
        _("Чтобы письма приходили сюда, откройте ссылку (она действует 3 дня):"), link, "",
        _("Если это были не вы, просто удалите письмо: адрес не изменится."),
    ]) + "\n"
    mail.send(mail.MailSettings.from_config(current_app.config), new_email,
              _("Подтвердите адрес: %(title)s", title=event.title), body)


__all__ = ["BadData", "DuplicateEmail", "SelfEdit", "confirm_email_change", "edit_own_details",
           "send_email_confirmation"]
