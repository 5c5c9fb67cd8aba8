"""E-mails to speakers when their session is removed."""
from __future__ import annotations

from datetime import timedelta

from seminar.extensions import db
from seminar.programme.services import SessionInput, create_session


def test_removed_session_is_announced_to_active_speakers_only(app, client, make_event, make_registration,
                                                             organiser, outbox):
    event = make_event()
    active = make_registration(event, role="speaker", email="active@example.ru")
    gone = make_registration(event, role="speaker", email="gone@example.ru")
    with app.test_request_context():
        session = create_session(event, SessionInput(
            title="Госпаблики", kind="talk", room_id=None, starts_at=event.starts_at + timedelta(hours=1),
            ends_at=event.starts_at + timedelta(hours=2)), [active, gone])
    gone.status = "cancelled"
    db.session.commit()
    organiser(event)
    client.post(f"/manage/events/{event.slug}/programme/sessions/{session.id}/delete")
    assert [m["To"] for m in outbox()] == ["active@example.ru"]
