"""What other features add to registering, without this package importing them.

A feature offers, through `features(app).add_hook`:

- `"registration_form"`: a `FormExtra`, fields of its own on the registration form and on the
  personal page's edit form (the organiser's questions, `q_<id>`), stored with the registration;
- `"registration_consent"`: a `ConsentSource`, the consent text the form shows and the version a
  registration agrees to (the privacy feature's stored versions).

Without them the form has only its own fields and the consent version of the configuration.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app

from ..events.models import Event
from ..features import features
from .models import Registration
from .services import RegistrationError


class FieldRefused(RegistrationError):
    """A value of an extra field can no longer be accepted (the last seat of a choice was taken
    a moment ago). The request rolls back and the form is shown again with `message` at `field`."""

    field: str = ""
    message: Any = ""


@dataclass(frozen=True)
class FormExtra:
    #: The form class with the feature's fields added, for this event.
    extend: Callable[[type, Event], type]
    #: Show the stored values in a form that was not sent.
    prefill: Callable[[Any, Registration], None]
    #: Store a validated form's values; may raise FieldRefused.
    store: Callable[[Any, Registration], None]
    #: After a FieldRefused and the rollback: bring the form's hints up to date.
    refused: Callable[[Any], None]


@dataclass(frozen=True)
class Consent:
    version: str
    #: The stored text agreed to (None: the configuration's version, no stored text).
    text_id: int | None


@dataclass(frozen=True)
class ConsentSource:
    #: The version a registration made now agrees to.
    current: Callable[[Event], Consent]
    #: The text the form shows now.
    text: Callable[[Event], str | None]


def _extras() -> list[FormExtra]:
    return features().hook("registration_form")


def form_class(base: type, event: Event) -> type:
    for extra in _extras():
        base = extra.extend(base, event)
    return base


def prefill(form, registration: Registration) -> None:
    for extra in _extras():
        extra.prefill(form, registration)


def store(form, registration: Registration) -> None:
    for extra in _extras():
        extra.store(form, registration)


def refuse(form, exc: FieldRefused) -> None:
    """Call after the rollback: the message beside the field, and fresh hints."""
    for extra in _extras():
        extra.refused(form)
    form[exc.field].errors = [str(exc.message)]


def current_consent(event: Event) -> Consent:
    for source in features().hook("registration_consent"):
        return source.current(event)
    return Consent(current_app.config["CONSENT_VERSION"], None)


def consent_text(event: Event) -> str | None:
    for source in features().hook("registration_consent"):
        return source.text(event)
    return None
