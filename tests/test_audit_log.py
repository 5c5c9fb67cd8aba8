"""The audit log page: organisers see their event's entries, admins see everything."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from seminar.audit.models import AuditEntry
from seminar.checkin.models import CheckIn
from seminar.extensions import db


def test_organiser_sees_the_events_log_with_who_and_what(client, make_event, make_registration, organiser):
    event, other = make_event(), make_event()
    registration = make_registration(event, last_name="Журналова")
    make_registration(other)
    organiser(event)
    client.post(f"/manage/events/{event.slug}/registrations/{registration.id}/cancel")
    client.get(f"/manage/events/{event.slug}/registrations.xlsx")
    page = client.get(f"/manage/events/{event.slug}/log")
    assert page.status_code == 200
    assert "отменил(а) регистрацию" in page.text and "выгрузил(а) XLSX" in page.text
    assert "org@example.ru" in page.text and "Журналова" in page.text
    assert f"/manage/events/{event.slug}/log" in client.get(f"/manage/events/{event.slug}/").text
    assert client.get(f"/manage/events/{other.slug}/log").status_code == 403
    assert client.get("/manage/log").status_code == 403


def test_admin_sees_every_event(client, make_event, make_registration, organiser):
    event, other = make_event(), make_event()
    for e in (event, other):
        db.session.add(AuditEntry(actor="cli", action="registration.import", event_id=e.id, detail={"rows": 3}))
    db.session.commit()
    organiser(None, email="admin@example.ru", role="admin")
    page = client.get("/manage/log")
    assert page.status_code == 200
    assert event.slug in page.text and other.slug in page.text


def test_export_and_approve_and_undo_are_recorded_without_personal_values(client, make_event, make_registration,
                                                                        make_user, organiser, api_headers):
    event = make_event(moderation=True)
    pending = make_registration(event, status="pending", email="secret@example.ru")
    came = make_registration(event)
    db.session.add(CheckIn(event_id=event.id, registration_id=came.id, device="door-1"))
    db.session.commit()
    user = organiser(event)
    client.post(f"/manage/events/{event.slug}/registrations/{pending.id}/approve")
    client.get(f"/manage/events/{event.slug}/registrations.csv?q=secret")
    client.delete(f"/api/v1/events/{event.slug}/checkins/{came.id}", headers=api_headers(user))
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["registration.approve", "export.csv", "checkin.undo"]
    assert all(e.user_id == user.id and e.ip for e in entries)
    assert entries[1].detail == {"filters": {}, "search": True}  # not the search text itself


def test_certificate_revocation_is_recorded(client, make_event, make_registration, organiser):
    now = datetime.now(UTC)
    event = make_event(starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=2, hours=-8))
    registration = make_registration(event)
    db.session.add(CheckIn(event_id=event.id, registration_id=registration.id, device="door-1"))
    db.session.commit()
    organiser(event)
    client.post(f"/manage/events/{event.slug}/certificates/{registration.id}/revoke")
    assert db.session.scalar(select(AuditEntry.action)) == "certificate.revoke"


def test_reading_the_list_through_the_api_is_recorded(client, make_event, make_registration, make_user,
                                                      api_headers):
    event = make_event()
    make_registration(event)
    user = make_user(event=event)
    client.get(f"/api/v1/events/{event.slug}/registrations?q=ив", headers=api_headers(user))
    entry = db.session.scalars(select(AuditEntry)).one()
    assert entry.action == "export.api" and entry.detail == {"page": 1, "rows": 1, "search": True}
