"""Everything stored about one registration, for the participant's "download my data"."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from ..checkin.models import CheckIn
from ..extensions import db
from ..features import features
from ..links import public_url
from ..registration.models import Registration
from . import outbox
from .consent import consent_of
from .retention import deadline


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def personal_data(registration: Registration, now: datetime) -> dict:
    """The person's registration, consent, check-in, certificate, mails and what features keep."""
    from ..certificates.models import Certificate

    event = registration.event
    consent = consent_of(registration)
    check_in = db.session.scalar(select(CheckIn).where(CheckIn.registration_id == registration.id))
    certificate = db.session.scalar(select(Certificate).where(Certificate.registration_id == registration.id))
    mail_kept = not current_app.config.get("MAIL_URL")
    data = {
        "exported_at": now.isoformat(),
        "event": {"title": event.title, "slug": event.slug, "starts_at": _iso(event.starts_at),
                  "ends_at": _iso(event.ends_at), "city": event.city, "venue": event.venue},
        "registration": {
            "id": registration.id, "last_name": registration.last_name,
            "first_name": registration.first_name, "middle_name": registration.middle_name,
            "email": registration.email, "phone": registration.phone,
            "municipality": registration.municipality.name if registration.municipality else None,
            "organization": registration.organization, "position": registration.position,
            "role": registration.role, "status": registration.status,
            "public_name": registration.public_name, "bio": registration.bio,
            "created_at": _iso(registration.created_at), "updated_at": _iso(registration.updated_at),
            "cancelled_at": _iso(registration.cancelled_at),
            "personal_url": public_url("registration.personal", token=registration.access_token),
            "badge_code": registration.badge_code, "badge_printed_at": _iso(registration.badge_printed_at),
        },
        "consent": {
            "version": consent.version if consent else registration.consent_version,
            "agreed_at": _iso(registration.consent_at),
            "text": consent.text if consent else None,
            "kept_until": _iso(deadline(event)),
        },
        "check_in": {"checked_in_at": _iso(check_in.checked_in_at), "device": check_in.device}
        if check_in else None,
        "certificate": {"code": certificate.code, "issued_at": _iso(certificate.issued_at),
                        "revoked_at": _iso(certificate.revoked_at)} if certificate else None,
        "mails": outbox.messages_to(current_app.config["OUTBOX_DIR"], registration.email)
        if mail_kept else [],
        "mails_note": None if mail_kept else
        "Письма отправлены через почтовый сервер; их копии приложение не хранит.",
    }
    for item in features().personal_data:
        data[item.name] = item.export(registration)
    return data
