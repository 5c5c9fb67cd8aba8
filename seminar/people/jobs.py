"""Queue jobs of the organiser's people: personal links after an import or a bulk resend."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..queue import job
from ..registration import notify
from ..registration.models import Registration


@job(retries=2, retry_delay=30)
def send_personal_links(registration_ids: list[int], first_time: bool = True) -> int:
    """E-mail each person their personal link (the registration letter, or the link again)."""
    sent = 0
    for start in range(0, len(registration_ids), 500):
        chunk = registration_ids[start:start + 500]
        for registration in db.session.scalars(select(Registration).where(Registration.id.in_(chunk))):
            if not registration.is_active:
                continue
            (notify.send_registered if first_time else notify.send_link_again)(registration)
            sent += 1
    db.session.commit()  # a job is its own caller: the queued letters are kept with this commit
    return sent
