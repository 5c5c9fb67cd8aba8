"""JSON shapes of the API."""
from __future__ import annotations

from datetime import datetime

from ..questions.services import answers_json
from ..registration.models import Registration
from ..registration.notify import personal_url


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def registration_json(registration: Registration, checked_in_at: datetime | None = None,
                      answers: dict[str, object] | None = None) -> dict:
    """The registration object; `answers` (to the organiser's questions) looked up when not given."""
    if answers is None:
        answers = answers_json([registration.id]).get(registration.id, {})
    return {
        "id": registration.id,
        "last_name": registration.last_name,
        "first_name": registration.first_name,
        "middle_name": registration.middle_name,
        "full_name": registration.full_name,
        "email": registration.email,
        "phone": registration.phone,
        "municipality": registration.municipality.name if registration.municipality else None,
        "organization": registration.organization,
        "position": registration.position,
        "role": registration.role,
        "status": registration.status,
        "checked_in_at": iso(checked_in_at),
        "badge_code": registration.badge_code,
        "personal_url": personal_url(registration),
        "answers": answers,
    }
