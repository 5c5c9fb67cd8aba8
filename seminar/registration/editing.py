"""Changing a registration's details, by the organiser or by the participant: the seat is kept,
a duplicate address is refused, a printed badge is marked for reprint when its text changes."""
from __future__ import annotations

from dataclasses import dataclass

from ..events.models import Event
from ..extensions import db
from .models import Registration, Role, name_key
from .services import RegistrationError, check_municipality, find_by_email

#: Fields a change of which means the printed badge is out of date.
BADGE_FIELDS = frozenset({"last_name", "first_name", "middle_name", "organization"})
#: Fields of a registration the organiser (or the participant) may change.
EDITABLE = ("last_name", "first_name", "middle_name", "email", "phone", "municipality_id",
            "organization", "position", "role")
ROLES = frozenset(r.value for r in Role)


class DuplicateEmail(RegistrationError):
    """Another registration of the event already has this address."""


class UnknownRole(RegistrationError):
    pass


@dataclass
class Edit:
    """What an edit changed: field names only (the audit log holds no personal values)."""

    changed: list[str]
    badge_reprint: bool


def check_email_free(event: Event, email: str, registration: Registration | None = None) -> None:
    other = find_by_email(event, email)
    if other is not None and (registration is None or other.id != registration.id):
        raise DuplicateEmail(email)


def edit_registration(registration: Registration, changes: dict) -> Edit:
    """Change any of EDITABLE; the seat is kept whatever changes. Refuses a duplicate address."""
    event = registration.event
    if "email" in changes:
        changes["email"] = changes["email"].strip().lower()
        if changes["email"] != registration.email:
            check_email_free(event, changes["email"], registration)
    if "role" in changes and changes["role"] not in ROLES:
        raise UnknownRole(changes["role"])
    if "municipality_id" in changes:
        check_municipality(event, changes["municipality_id"])
    changed = [name for name in EDITABLE
               if name in changes and getattr(registration, name) != changes[name]]
    for name in changed:
        setattr(registration, name, changes[name])
    if "last_name" in changed:
        registration.last_name_key = name_key(registration.last_name)
    reprint = bool(BADGE_FIELDS.intersection(changed))
    if reprint:
        # The "not printed yet" filter of the badge page finds it again.
        registration.badge_printed_at = None
    db.session.flush()
    return Edit(changed, reprint)
