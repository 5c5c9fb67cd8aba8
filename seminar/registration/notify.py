"""E-mails to participants about their registration."""
from __future__ import annotations

from email.message import Message

from flask import current_app
from flask_babel import gettext as _

from .. import mail
from ..extensions import db
from ..features import features
from ..links import public_url
from .models import Registration


def personal_url(registration: Registration) -> str:
    """The absolute personal link, usable in e-mails and exports."""
    return public_url("registration.personal", token=registration.access_token)


def send_to(registration: Registration, subject: str, lines: list[str], *, kind: str = "notice",
            attachments: tuple = ()) -> None:
    """One e-mail to a registered person, in lines of plain text (an HTML part is laid out from them).

    It is queued in the current transaction: the caller's commit makes it durable.
    """
    body = "\n".join(lines) + "\n"
    mail.send(mail.MailSettings.from_config(current_app.config), registration.email, subject, body,
              attachments, kind=kind, event_id=registration.event_id, registration_id=registration.id)


def greeting(registration: Registration) -> str:
    name = " ".join(p for p in (registration.first_name, registration.middle_name) if p)
    return _("Здравствуйте, %(name)s!", name=name)


def _status_line(registration: Registration) -> str:
    return {
        "confirmed": _("Ваша регистрация подтверждена."),
        "pending": _("Ваша заявка принята и ожидает подтверждения организатором."),
        "waitlisted": _("Свободных мест сейчас нет: вы в листе ожидания. "
                        "Если место освободится, мы сразу напишем."),
        "cancelled": _("Ваша регистрация отменена."),
        "unconfirmed": _("Место за вами, но подтвердите адрес: откройте ссылку ниже."),
    }[registration.status]


def send_registered(registration: Registration) -> None:
    """The confirmation: date, local time and address, the personal link, the badge QR, an .ics.

    Queued unwritten (one small row in the registration's transaction): the worker writes it
    (`write_registered`), so the seat lock and the form's answer never wait for the QR, the .ics
    and the HTML part.
    """
    registration_id = registration.id
    if registration_id is None:
        db.session.flush()
        registration_id = registration.id
    mail.send_later(registration.email, _("Регистрация: %(title)s", title=registration.event.title),
                    REGISTERED.name, kind="confirmation", event_id=registration.event_id,
                    registration_id=registration_id)


def write_registered(row) -> Message | None:
    """The confirmation letter for a queued row, as the registration stands now; None if it is gone.

    The letter itself is the messages feature's (hook "confirmation_letter"); without it, a plain one.
    """
    registration = db.session.get(Registration, row.registration_id) if row.registration_id else None
    if registration is None:
        return None
    parts = {"greeting": greeting(registration), "status_line": _status_line(registration),
             "personal_url": personal_url(registration)}
    lines, attachments = [parts["greeting"], "", parts["status_line"], "", parts["personal_url"]], ()
    for letter in features().hook("confirmation_letter"):
        lines, attachments = letter(registration, **parts)
    return mail.compose(mail.MailSettings.from_config(current_app.config), registration.email,
                        row.subject, "\n".join(lines) + "\n",
                        attachments, message_id=row.message_id)


#: The confirmation, written by the worker (extension point "mail_letter").
REGISTERED = mail.Letter("registered", write_registered)


def send_confirm_email(registration: Registration) -> None:
    """"Confirm e-mail first": the link that confirms the address and keeps the held seat."""
    event = registration.event
    lines = [greeting(registration), "",
             _("Вы зарегистрировались на мероприятие «%(title)s».", title=event.title)]
    if registration.status == "unconfirmed":
        lines.append(_("Место за вами %(hours)s ч. Чтобы сохранить его, подтвердите адрес: откройте ссылку.",
                       hours=event.confirm_email_hours))
    else:
        lines.append(_status_line(registration))
    send_to(registration, _("Подтвердите адрес: %(title)s", title=event.title), [
        *lines, "", personal_url(registration), "",
        _("Если вы не регистрировались, просто не открывайте ссылку: заявка будет отменена."),
    ])


def send_link_again(registration: Registration) -> None:
    """A second registration attempt with the same address: the link again."""
    event = registration.event
    send_to(registration, _("Ваша ссылка: %(title)s", title=event.title), [
        greeting(registration), "",
        _("С этого адреса уже есть регистрация на «%(title)s». Повторно мы вас не регистрировали.",
          title=event.title),
        _status_line(registration), "",
        _("Ваша личная страница:"), personal_url(registration),
    ])


def send_promoted(registration: Registration) -> None:
    """A seat came free and the waitlisted person got it."""
    event = registration.event
    send_to(registration, _("Освободилось место: %(title)s", title=event.title), [
        greeting(registration), "",
        _("Для вас освободилось место на «%(title)s».", title=event.title),
        _status_line(registration), "",
        _("Ваша личная страница:"), personal_url(registration),
    ])


def send_cancelled(registration: Registration) -> None:
    event = registration.event
    send_to(registration, _("Регистрация отменена: %(title)s", title=event.title), [
        greeting(registration), "",
        _("Ваша регистрация на «%(title)s» отменена.", title=event.title),
        _("Если это ошибка, зарегистрируйтесь снова на странице мероприятия."),
    ])


def send_approved(registration: Registration) -> None:
    event = registration.event
    send_to(registration, _("Заявка подтверждена: %(title)s", title=event.title), [
        greeting(registration), "",
        _status_line(registration), "",
        _("Ваша личная страница:"), personal_url(registration),
    ])
