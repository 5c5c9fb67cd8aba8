"""Privacy rules where the database matters, each on SQLite and on PostgreSQL."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from seminar.audit.models import AuditEntry
from seminar.checkin.models import CheckIn
from seminar.checkin.roster import event_stats
from seminar.extensions import db
from seminar.privacy.consent import current_consent
from seminar.registration.models import Registration


@pytest.fixture(params=["sqlite", "postgresql"])
def app_config(request, app_config):
    """The usual test app, on SQLite and then on a fresh PostgreSQL database."""
    if request.param == "postgresql":
        return {**app_config, "SQLALCHEMY_DATABASE_URI": request.getfixturevalue("postgres_url")}
    return app_config


def past_event(make_event, **kw):
    now = datetime.now(UTC)
    return make_event(starts_at=now - timedelta(days=400, hours=8), ends_at=now - timedelta(days=400), **kw)


def test_anonymising_erases_people_and_keeps_counts_check_ins_and_certificates(
        runner, make_event, make_registration, make_check_in, make_municipality):
    from seminar.certificates import services

    event = past_event(make_event)
    other_place = make_municipality(name="Зейский район")
    people = [make_registration(event, role="speaker"), make_registration(event),
              make_registration(event, municipality=other_place, status="cancelled")]
    arrival = make_check_in(people[0]).checked_in_at
    code = services.issue(people[0], datetime.now(UTC)).code
    db.session.commit()
    before = event_stats(event)
    old_tokens = {p.access_token for p in people} | {p.badge_code for p in people}

    result = runner.invoke(args=["privacy", "anonymise", event.slug])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    rows = db.session.scalars(select(Registration).order_by(Registration.id)).all()
    for row in rows:
        assert row.anonymised_at is not None and row.last_name == "Аноним"
        assert (row.first_name, row.middle_name, row.phone, row.organization, row.position) == ("",) * 5
        assert row.email.endswith("@anonymised.invalid")
        assert row.access_token not in old_tokens and row.badge_code not in old_tokens
    assert [(r.role, r.status, r.municipality_id) for r in rows] == [
        (p.role, p.status, p.municipality_id) for p in people]
    assert event_stats(event) == before
    assert db.session.scalar(select(CheckIn.checked_in_at)) == arrival
    assert services.find(code).registration_id == people[0].id
    assert db.session.scalar(select(AuditEntry.action)) == "privacy.anonymise"


def test_the_nightly_job_anonymises_only_events_whose_retention_has_passed(
        make_event, make_registration):
    from seminar.privacy.jobs import anonymise_expired

    now = datetime.now(UTC)
    expired = past_event(make_event)
    kept_longer = past_event(make_event, retain_personal_data_until=now + timedelta(days=30))
    upcoming = make_event()
    people = {e.slug: make_registration(e) for e in (expired, kept_longer, upcoming)}
    anonymise_expired()  # the queue runs it at once in tests
    db.session.expire_all()
    assert db.session.get(Registration, people[expired.slug].id).anonymised_at is not None
    assert db.session.get(Registration, people[kept_longer.slug].id).anonymised_at is None
    assert db.session.get(Registration, people[upcoming.slug].id).anonymised_at is None
    entry = db.session.scalar(select(AuditEntry))
    assert (entry.action, entry.actor, entry.event_id) == ("privacy.anonymise", "system", expired.id)


def test_withdrawing_consent_cancels_seats_the_waitlist_anonymises_and_the_link_then_404s(
        app, client, make_event, make_registration, make_user, outbox):
    from seminar.registration.notify import send_registered

    event = make_event(capacity=1)
    person = make_registration(event, last_name="Скворцова", email="m.skvortsova@example.ru")
    waiting = make_registration(event, status="waitlisted")
    with app.test_request_context():
        send_registered(person)
    token = person.access_token

    response = client.post(f"/r/{token}/forget")
    assert response.status_code == 200 and "Ваши данные удалены" in response.get_data(as_text=True)
    db.session.expire_all()
    person, waiting = db.session.get(Registration, person.id), db.session.get(Registration, waiting.id)
    assert person.status == "cancelled" and person.anonymised_at is not None
    assert person.email != "m.skvortsova@example.ru" and person.last_name == "Аноним"
    assert waiting.status == "confirmed"
    assert [m["To"] for m in outbox()] == [waiting.email]  # the person's mails went with their data
    assert client.get(f"/r/{token}").status_code == 404
    assert client.get(f"/r/{token}/my-data.json").status_code == 404
    assert client.post(f"/r/{token}/forget").status_code == 404  # twice: 404, nothing breaks
    entry = db.session.scalar(select(AuditEntry))
    assert (entry.action, entry.registration_id, entry.detail) == ("privacy.forget", person.id, {})

    make_user(event=event)
    client.post("/login", data={"email": "org@example.ru", "password": "secret-pass-1"})
    listing = client.get(f"/manage/events/{event.slug}/?status=cancelled").get_data(as_text=True)
    assert "Аноним" in listing and "Скворцова" not in listing


def test_the_first_registrations_of_an_event_share_one_stored_version(make_event):
    event = make_event()
    first = current_consent(event)
    again = current_consent(event)
    db.session.commit()
    assert first.id == again.id and first.version == 1 and "152-ФЗ" in first.text


def test_an_anonymised_registration_has_no_personal_page_even_under_its_new_token(
        client, runner, make_event, make_registration):
    event = make_event(starts_at=datetime.now(UTC) - timedelta(days=2), ends_at=datetime.now(UTC) - timedelta(days=1))
    person = make_registration(event)
    runner.invoke(args=["privacy", "anonymise", event.slug])
    db.session.refresh(person)
    assert client.get(f"/r/{person.access_token}").status_code == 404
