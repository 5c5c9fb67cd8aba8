"""Certificates: who may have one, issuing (idempotent, race-safe), revoking, verifying.

A registration earns a certificate once its event has ended and it was checked
in at the door. Issuing inserts with ON CONFLICT DO NOTHING on the UNIQUE
registration_id, so two requests at once end with one row and one code.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..checkin.models import CheckIn
from ..events.models import Event
from ..extensions import db
from ..registration.models import BADGE_ALPHABET, Registration, Status, name_key
from .models import Certificate
from .names import detect_gender
from .pdf import CertificateData, render_certificates

#: 30 symbols × 28 characters ≈ 137 bits; the column holds 32.
CODE_LENGTH = 28
AVAILABLE = "available"
NOT_OVER = "not_over"
NOT_CHECKED_IN = "not_checked_in"
CANCELLED = "cancelled"
REVOKED = "revoked"


class NoCertificate(Exception):
    """This registration has no certificate (yet); ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def new_certificate_code() -> str:
    """An opaque, unguessable code, independent of the badge code."""
    return "".join(secrets.choice(BADGE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """What a person typed from paper: spaces, dashes and case do not matter."""
    return re.sub(r"[\s\-]", "", code).upper()


def _is_over(event: Event, now: datetime) -> bool:
    return event.ends_at <= now


def certificate_of(registration: Registration) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.registration_id == registration.id))


def certificate_state(registration: Registration, now: datetime) -> str:
    """available, not_over, not_checked_in, cancelled or revoked (for the personal page)."""
    if registration.status == Status.cancelled.value:
        return CANCELLED
    if not _is_over(registration.event, now):
        return NOT_OVER
    existing = certificate_of(registration)
    if existing is not None:
        return REVOKED if existing.revoked_at else AVAILABLE
    checked_in = db.session.scalar(select(CheckIn.id).where(CheckIn.registration_id == registration.id))
    return AVAILABLE if checked_in else NOT_CHECKED_IN


def eligible_query(event: Event) -> Select:
    """Registrations of the event that were checked in and not cancelled, by name."""
    return (
        select(Registration)
        .join(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.event_id == event.id, Registration.status != Status.cancelled.value)
        .order_by(Registration.last_name_key, Registration.first_name, Registration.id)
    )


def eligible(event: Event, now: datetime) -> list[Registration]:
    """Who gets a certificate: nobody before the event ends."""
    if not _is_over(event, now):
        return []
    return list(db.session.scalars(eligible_query(event)))


def _insert_missing(registration_ids: list[int], now: datetime) -> None:
    """Create certificates for these registrations unless they have one; safe under races."""
    if not registration_ids:
        return
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    rows = [{"registration_id": rid, "code": new_certificate_code(), "issued_at": now}
            for rid in registration_ids]
    db.session.execute(insert(Certificate).values(rows).on_conflict_do_nothing(
        index_elements=["registration_id"]))


def issue(registration: Registration, now: datetime) -> Certificate:
    """The registration's certificate, created on first request; the same code every time."""
    state = certificate_state(registration, now)
    if state != AVAILABLE:
        raise NoCertificate(state)
    existing = certificate_of(registration)
    if existing is not None:
        return existing
    _insert_missing([registration.id], now)
    issued = certificate_of(registration)
    assert issued is not None
    return issued


def issue_or_existing(registration: Registration, now: datetime) -> Certificate:
    """The certificate, revoked or not, for an organiser acting on it (issued if missing)."""
    existing = certificate_of(registration)
    return existing if existing is not None else issue(registration, now)


def issue_all(event: Event, now: datetime) -> list[Certificate]:
    """Certificates of everyone eligible (issuing the missing ones), revoked ones left out."""
    people = eligible(event, now)
    _insert_missing([r.id for r in people], now)
    by_registration = {c.registration_id: c for c in db.session.scalars(
        select(Certificate).where(Certificate.registration_id.in_([r.id for r in people])))}
    return [by_registration[r.id] for r in people if not by_registration[r.id].revoked_at]


def event_certificates(event: Event) -> list[tuple[Registration, Certificate | None]]:
    """Everyone checked in at the event with their certificate, if issued, for the organiser."""
    rows = db.session.execute(
        eligible_query(event).add_columns(Certificate)
        .outerjoin(Certificate, Certificate.registration_id == Registration.id))
    return [(registration, certificate) for registration, certificate in rows]


def certificate_counts(event: Event) -> tuple[int, int, int]:
    """Checked in (not cancelled), of them getting a certificate, and revoked: counted by the database."""
    checked_in = db.session.scalar(eligible_query(event).with_only_columns(func.count()).order_by(None)) or 0
    revoked = db.session.scalar(
        select(func.count(Certificate.id)).join(Registration, Registration.id == Certificate.registration_id)
        .join(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.event_id == event.id, Registration.status != Status.cancelled.value,
               Certificate.revoked_at.is_not(None))) or 0
    return checked_in, checked_in - revoked, revoked


def certificates_page(event: Event, page: int, per_page: int, q: str | None = None
                      ) -> list[tuple[Registration, Certificate | None]]:
    """One page of `event_certificates`, optionally by last-name prefix."""
    query = eligible_query(event).add_columns(Certificate).outerjoin(
        Certificate, Certificate.registration_id == Registration.id)
    if q and q.strip():
        query = query.where(Registration.last_name_key.like(name_key(q).replace("%", "") + "%"))
    rows = db.session.execute(query.limit(per_page).offset((max(page, 1) - 1) * per_page))
    return [(registration, certificate) for registration, certificate in rows]


def find(code: str) -> Certificate | None:
    """The certificate with this code (as typed or scanned), or None."""
    code = normalise_code(code)
    if not code or len(code) > 32:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def revoke(certificate: Certificate, now: datetime) -> None:
    """The certificate stops being valid; /verify says it was revoked."""
    if certificate.revoked_at is None:
        certificate.revoked_at = now


def restore(certificate: Certificate) -> None:
    """Undo a revocation; the certificate keeps its code."""
    certificate.revoked_at = None


def organiser_line(event: Event) -> str:
    """The "Организаторы: …" sentence of the event description, without the label."""
    for line in re.split(r"[\r\n]+", event.description or ""):
        match = re.match(r"\s*Организатор(?:ы)?\s*[:—–-]\s*(.+)", line)
        if match:
            return match.group(1).strip().rstrip(".")
    return ""


def certificate_data(certificate: Certificate, verify_url: str) -> CertificateData:
    """What the certificate of one registration shows."""
    registration = certificate.registration
    event = registration.event
    return CertificateData(
        code=certificate.code,
        verify_url=verify_url,
        full_name=registration.full_name,
        gender=detect_gender(registration.first_name, registration.middle_name or "", registration.last_name),
        role=registration.role,
        event_title=event.title,
        starts_on=event.local(event.starts_at).date(),
        ends_on=event.local(event.ends_at).date(),
        city=event.city or "",
        organiser=organiser_line(event),
        issued_on=event.local(certificate.issued_at).date(),
    )


def certificates_pdf(certificates: list[Certificate], verify_url: Callable[[str], str]) -> bytes:
    """One PDF, a page per certificate; ``verify_url(code)`` gives the QR's absolute address."""
    return render_certificates([certificate_data(c, verify_url(c.code)) for c in certificates])


def verification(certificate: Certificate | None) -> dict:
    """The public answer about a code: valid or not, whose, for which event, when issued."""
    if certificate is None:
        return {"valid": False, "status": "not_found", "full_name": None, "event": None, "issued_at": None}
    registration = certificate.registration
    return {
        "valid": certificate.revoked_at is None,
        "status": "revoked" if certificate.revoked_at else "valid",
        "full_name": registration.full_name,
        "event": registration.event.title,
        "issued_at": certificate.issued_at.isoformat(),
        "revoked_at": certificate.revoked_at.isoformat() if certificate.revoked_at else None,
    }
