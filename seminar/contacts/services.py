"""Contacts between participants, only with each one's own consent.

A scan reveals nothing unless both people opted in: every other case (a badge of another event,
a cancelled registration, no consent, an unknown code) is the same `ContactUnavailable`.
Withdrawing the consent takes effect at once: the directory and every export read the consent
as it is now, never a copy.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from ..checkin.roster import Page
from ..checkin.services import normalise_code
from ..events.models import Municipality
from ..extensions import db
from ..registration.models import Registration, Status, name_key
from .models import ContactConsent, ContactExchange

#: The text of the consent «показывать мои контакты другим участникам этого форума», by version.
CONSENT_VERSION = "contacts-2026-11"
DIRECTORY_PAGE_SIZE = 20


class ContactUnavailable(Exception):
    """The scanned badge gives no contact (whatever the reason: never said which)."""


class NotOptedIn(Exception):
    """The directory and scanning are for participants who show their own contacts."""


@dataclass(frozen=True)
class ContactFields:
    """Which of their fields a participant shows to the others."""

    position: bool
    organization: bool
    email: bool
    phone: bool


@dataclass(frozen=True)
class ContactCard:
    """A participant as others see them: the name, the municipality and only the chosen fields."""

    id: int
    last_name: str
    first_name: str
    middle_name: str
    municipality: str
    position: str
    organization: str
    email: str
    phone: str

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


def consent_of(registration: Registration) -> ContactConsent | None:
    return db.session.get(ContactConsent, registration.id)


def is_open(registration: Registration) -> bool:
    """Opted in now, and the registration is confirmed (not cancelled, not waiting)."""
    consent = consent_of(registration)
    return registration.status == Status.confirmed.value and consent is not None and consent.active


def opt_in(registration: Registration, fields: ContactFields, *, now: datetime) -> ContactConsent:
    """Give (or change) the consent and choose the fields shown; the version and time are stored."""
    consent = consent_of(registration)
    if consent is None:
        consent = ContactConsent(registration_id=registration.id)
        db.session.add(consent)
    consent.show_position, consent.show_organization = fields.position, fields.organization
    consent.show_email, consent.show_phone = fields.email, fields.phone
    consent.consent_version, consent.consented_at, consent.withdrawn_at = CONSENT_VERSION, now, None
    return consent


def withdraw(registration: Registration, *, now: datetime) -> None:
    """Withdraw the consent: out of the directory and of everyone's future exports at once."""
    consent = consent_of(registration)
    if consent is not None and consent.active:
        consent.withdrawn_at = now


_CARD_COLUMNS = (Registration.id, Registration.last_name, Registration.first_name, Registration.middle_name,
                 Municipality.name, Registration.position, Registration.organization, Registration.email,
                 Registration.phone, ContactConsent.show_position, ContactConsent.show_organization,
                 ContactConsent.show_email, ContactConsent.show_phone)


def _open_people(event_id: int):
    """Confirmed people of the event who show their contacts now (the only ones anyone may see)."""
    return (
        select(*_CARD_COLUMNS)
        .join(ContactConsent, ContactConsent.registration_id == Registration.id)
        .outerjoin(Municipality, Municipality.id == Registration.municipality_id)
        .where(Registration.event_id == event_id, Registration.status == Status.confirmed.value,
               ContactConsent.withdrawn_at.is_(None))
    )


def _card(row) -> ContactCard:
    (rid, last, first, middle, municipality, position, organization, email, phone,
     show_position, show_organization, show_email, show_phone) = row
    return ContactCard(rid, last, first, middle or "", municipality or "",
                       position if show_position else "", organization if show_organization else "",
                       email if show_email else "", phone if show_phone else "")


def directory(viewer: Registration, *, q: str = "", municipality_id: int | None = None,
              page: int = 1, per_page: int = DIRECTORY_PAGE_SIZE) -> Page:
    """A page of the participants who opted in, by name; for a viewer who opted in too."""
    if not is_open(viewer):
        raise NotOptedIn()
    query = _open_people(viewer.event_id).where(Registration.id != viewer.id)
    key = name_key(q or "")[:100]
    if key:
        escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        # SQLite's lower() knows no Cyrillic: last names are matched on their stored key, first names as typed.
        query = query.where(or_(Registration.last_name_key.like(f"%{escaped}%", escape="\\"),
                                Registration.first_name.like(f"{escaped.capitalize()}%", escape="\\")))
    if municipality_id:
        query = query.where(Registration.municipality_id == municipality_id)
    query = query.order_by(Registration.last_name_key, Registration.first_name, Registration.id)
    page = max(page, 1)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page([_card(row) for row in rows], page, per_page, total)


def directory_municipalities(viewer: Registration) -> list[tuple[int, str]]:
    """Municipalities of the people in the directory, for its filter."""
    return [(row[0], row[1]) for row in db.session.execute(
        select(Municipality.id, Municipality.name).distinct()
        .join(Registration, Registration.municipality_id == Municipality.id)
        .join(ContactConsent, ContactConsent.registration_id == Registration.id)
        .where(Registration.event_id == viewer.event_id, Registration.status == Status.confirmed.value,
               ContactConsent.withdrawn_at.is_(None))
        .order_by(Municipality.name)).all()]


def exchange(viewer: Registration, code: str, *, now: datetime) -> ContactCard:
    """Scan another participant's badge: when both opted in, each gets the other in «мои контакты»."""
    other = db.session.scalar(select(Registration).where(Registration.badge_code == normalise_code(code)))
    if (other is None or other.id == viewer.id or other.event_id != viewer.event_id
            or not is_open(viewer) or not is_open(other)):
        raise ContactUnavailable()
    for owner, contact in ((viewer.id, other.id), (other.id, viewer.id)):
        exists = db.session.scalar(select(ContactExchange.id).where(
            ContactExchange.owner_id == owner, ContactExchange.contact_id == contact))
        if exists is None:
            try:
                with db.session.begin_nested():
                    db.session.add(ContactExchange(owner_id=owner, contact_id=contact, created_at=now))
            except IntegrityError:  # the other phone scanned at the same moment
                pass
    row = db.session.execute(_open_people(viewer.event_id).where(Registration.id == other.id)).one()
    return _card(row)


def my_contacts(owner: Registration) -> list[ContactCard]:
    """«Мои контакты»: people exchanged with who still show their contacts, with today's fields."""
    rows = db.session.execute(
        _open_people(owner.event_id)
        .join(ContactExchange, ContactExchange.contact_id == Registration.id)
        .where(ContactExchange.owner_id == owner.id)
        .order_by(Registration.last_name_key, Registration.first_name, Registration.id)).all()
    return [_card(row) for row in rows]


def forget_contacts(registration_id: int) -> None:
    """Delete a person's contact consent and every exchange with them (retention, anonymisation)."""
    db.session.execute(delete(ContactExchange).where(or_(
        ContactExchange.owner_id == registration_id, ContactExchange.contact_id == registration_id)))
    db.session.execute(delete(ContactConsent).where(ContactConsent.registration_id == registration_id))


def export_of(registration: Registration) -> dict:
    """What this feature keeps about the person, for "download my data"."""
    consent = consent_of(registration)
    return {
        "consent": None if consent is None else {
            "version": consent.consent_version, "given_at": consent.consented_at.isoformat(),
            "withdrawn_at": consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
            "fields": {name: getattr(consent, f"show_{name}") for name in
                       ("position", "organization", "email", "phone")},
        },
        "my_contacts": [card.full_name for card in my_contacts(registration)],
    }


def erase(registration_ids: list[int]) -> int:
    """Forget the contacts of these registrations (anonymisation); the number of people."""
    for registration_id in registration_ids:
        forget_contacts(registration_id)
    return len(registration_ids)
