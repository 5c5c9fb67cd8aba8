"""Personal data from consent to deletion (152-FZ): consent versions, retention, the participant's
rights, private files and masked logs. Rules where the database matters run on SQLite and
PostgreSQL (tests/test_privacy_db.py)."""
from __future__ import annotations

import json
import logging
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from seminar import create_app
from seminar.audit.models import AuditEntry
from seminar.extensions import db
from seminar.privacy.accesslog import MaskingLogger
from seminar.privacy.consent import default_text
from seminar.privacy.logs import MaskingFilter, mask
from seminar.privacy.models import ConsentText
from seminar.privacy.retention import deadline
from seminar.registration.models import Registration


def form(event, **overrides):
    data = {"last_name": "Петрова", "first_name": "Анна", "middle_name": "Сергеевна",
            "email": "anna.petrova@example.ru", "phone": "+79145551234",
            "municipality": str(event.region.municipalities[0].id),
            "organization": "Администрация города Белогорск", "position": "Главный специалист",
            "consent": "y"}
    data.update(overrides)
    return data


def login(client, make_user, role="organiser", event=None):
    make_user(role=role, event=event)
    client.post("/login", data={"email": "org@example.ru", "password": "secret-pass-1"})


def event_form(event, **overrides):
    local = event.local
    data = {"title": event.title, "slug": event.slug, "description": "", "city": event.city,
            "venue": event.venue, "timezone": event.timezone,
            "starts_at": local(event.starts_at).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": local(event.ends_at).strftime("%Y-%m-%dT%H:%M"),
            "capacity": str(event.capacity), "region": str(event.region_id), "status": "published"}
    data.update(overrides)
    return data


# ---------------------------------------------------------------- 1. consent per event

def test_the_form_shows_the_events_text_and_a_registration_keeps_the_version_it_agreed_to(
        client, make_user, make_event):
    event = make_event()
    page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert "до окончания мероприятия и 1 года после него" in page
    client.post(f"/events/{event.slug}/register", data=form(event))
    first = db.session.scalar(select(Registration))

    login(client, make_user, event=event)
    client.post(f"/manage/events/{event.slug}/edit",
                data=event_form(event, consent_text="Новый текст согласия, редакция 2."))
    assert "Новый текст согласия, редакция 2." in client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    client.post(f"/events/{event.slug}/register", data=form(event, email="b@example.ru"))
    second = db.session.scalar(select(Registration).where(Registration.email == "b@example.ru"))

    texts = {c.version: c.text for c in db.session.scalars(select(ConsentText))}
    assert sorted(texts) == [1, 2]  # the old version stays stored
    assert (first.consent_version, second.consent_version) == ("1", "2")
    shown = client.get(f"/manage/events/{event.slug}/registrations/{first.id}/consent").get_data(as_text=True)
    assert "1 года после него" in shown and "редакция 2" not in shown
    shown = client.get(f"/manage/events/{event.slug}/registrations/{second.id}/consent").get_data(as_text=True)
    assert "Новый текст согласия, редакция 2." in shown


def test_saving_the_event_unchanged_makes_no_new_version(client, make_user, make_event, make_registration):
    event = make_event()
    client.post(f"/events/{event.slug}/register", data=form(event))
    login(client, make_user, event=event)
    shown = client.get(f"/manage/events/{event.slug}/edit").get_data(as_text=True)
    assert "1 года после него" in shown  # the current text, to edit
    client.post(f"/manage/events/{event.slug}/edit", data=event_form(event, consent_text=default_text(event)))
    assert len(db.session.scalars(select(ConsentText)).all()) == 1


def test_a_retention_date_sets_the_deadline_and_the_default_text_follows_it(client, make_user, make_event):
    event = make_event()
    client.post(f"/events/{event.slug}/register", data=form(event))
    assert deadline(event) == event.ends_at + timedelta(days=365)
    login(client, make_user, event=event)
    until = (event.local(event.ends_at) + timedelta(days=800)).date()
    untouched = default_text(event)
    client.post(f"/manage/events/{event.slug}/edit",
                data=event_form(event, retain_personal_data_until=until.isoformat(), consent_text=untouched))
    db.session.refresh(event)
    assert event.local(deadline(event)).date() == until
    latest = db.session.scalar(select(ConsentText).order_by(ConsentText.version.desc()))
    assert latest.version == 2 and until.strftime("%d.%m.%Y") in latest.text


def test_a_retention_date_before_the_event_ends_is_refused(client, make_user, make_event):
    event = make_event()
    login(client, make_user, event=event)
    before = (event.local(event.starts_at) - timedelta(days=1)).date().isoformat()
    response = client.post(f"/manage/events/{event.slug}/edit",
                           data=event_form(event, retain_personal_data_until=before))
    assert "Срок хранения не может закончиться раньше мероприятия" in response.get_data(as_text=True)
    db.session.refresh(event)
    assert event.retain_personal_data_until is None


# ---------------------------------------------------------------- 2. retention

def past_event(make_event, **kw):
    now = datetime.now(UTC)
    return make_event(starts_at=now - timedelta(days=400, hours=8), ends_at=now - timedelta(days=400), **kw)


def test_anonymising_a_running_event_is_refused_unless_forced_and_the_refusal_is_logged(
        runner, make_event, make_registration):
    event = make_event()
    person = make_registration(event)
    refused = runner.invoke(args=["privacy", "anonymise", event.slug])
    assert refused.exit_code != 0 and "--force" in refused.output
    db.session.refresh(person)
    assert person.anonymised_at is None
    assert db.session.scalar(select(AuditEntry.action)) == "privacy.anonymise_refused"
    forced = runner.invoke(args=["privacy", "anonymise", event.slug, "--force"])
    assert forced.exit_code == 0, forced.output
    db.session.refresh(person)
    assert person.anonymised_at is not None


def test_the_dry_run_prints_what_would_change_and_changes_nothing(runner, make_event, make_registration,
                                                                  make_check_in):
    event = past_event(make_event)
    people = [make_registration(event) for _ in range(3)]
    make_check_in(people[0])
    result = runner.invoke(args=["privacy", "anonymise", event.slug, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would anonymise 3 registrations (confirmed 3)" in result.output
    assert "kept: 1 check-ins" in result.output
    assert all(db.session.get(Registration, p.id).anonymised_at is None for p in people)


def test_the_admin_anonymises_an_ended_event_with_a_button_an_organiser_cannot(
        client, make_user, make_event, make_registration):
    event = past_event(make_event)
    person = make_registration(event)
    login(client, make_user, event=event)
    page = client.get(f"/manage/events/{event.slug}/privacy").get_data(as_text=True)
    assert "Обезличить сейчас" not in page
    assert client.post(f"/manage/events/{event.slug}/privacy/anonymise").status_code == 403
    client.get("/logout")
    make_user(email="admin@example.ru", role="admin")
    client.post("/login", data={"email": "admin@example.ru", "password": "secret-pass-1"})
    assert "Обезличить сейчас" in client.get(f"/manage/events/{event.slug}/privacy").get_data(as_text=True)
    response = client.post(f"/manage/events/{event.slug}/privacy/anonymise", follow_redirects=True)
    assert "обезличены; регистраций: 1" in response.get_data(as_text=True)
    db.session.refresh(person)
    assert person.anonymised_at is not None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.anonymise"))
    assert entry.actor == "admin@example.ru" and entry.detail["registrations"] == 1


def test_an_anonymised_certificate_still_verifies_without_the_name(client, runner, make_event,
                                                                  make_registration, make_check_in):
    from seminar.certificates import services

    event = past_event(make_event)
    person = make_registration(event, last_name="Скворцова", first_name="Мария")
    make_check_in(person)
    code = services.issue(person, datetime.now(UTC)).code
    db.session.commit()
    runner.invoke(args=["privacy", "anonymise", event.slug])
    page = client.get(f"/verify/{code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Сертификат действителен" in html
    assert "участнику мероприятия" in html and "Скворцова" not in html
    answer = client.get(f"/api/v1/certificates/{code}").get_json()
    assert answer["valid"] is True and answer["full_name"] is None
    assert answer["issued_to"] == "выдан участнику мероприятия"


# ---------------------------------------------------------------- 3. the participant's rights

def test_download_my_data_holds_the_registration_consent_and_the_mails_sent(client, make_event):
    event = make_event()
    client.post(f"/events/{event.slug}/register", data=form(event))
    person = db.session.scalar(select(Registration))
    page = client.get(f"/r/{person.access_token}").get_data(as_text=True)
    assert "Скачать мои данные" in page and "Отозвать согласие и удалить мои данные" in page
    response = client.get(f"/r/{person.access_token}/my-data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["registration"]["email"] == "anna.petrova@example.ru"
    assert data["registration"]["last_name"] == "Петрова"
    assert data["consent"]["version"] == 1 and "152-ФЗ" in data["consent"]["text"]
    assert [m["subject"] for m in data["mails"]] == [f"Регистрация: {event.title}"]
    assert person.access_token in data["mails"][0]["text"]


def test_withdrawing_asks_first_and_a_get_changes_nothing(client, make_event, make_registration):
    event = make_event()
    person = make_registration(event)
    page = client.get(f"/r/{person.access_token}/forget")
    assert page.status_code == 200 and "Да, удалить мои данные" in page.get_data(as_text=True)
    db.session.refresh(person)
    assert person.anonymised_at is None and person.status == "confirmed"


# ---------------------------------------------------------------- 4. files and logs

def test_the_instance_folder_and_its_files_are_private(tmp_path, monkeypatch):
    from seminar import mail, queue
    from seminar.tls import ensure_certificate

    instance = tmp_path / "fresh-instance"
    monkeypatch.delenv("SEMINAR_SECRET_KEY", raising=False)
    app = create_app({"INSTANCE_PATH": str(instance), "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'seminar.sqlite3'}"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    with app.app_context():  # a letter through the queue to the .eml outbox
        mail.send(mail.MailSettings(None, "x@seminar.local", str(instance / "outbox")), "a@example.ru", "S", "B")
        db.session.commit()
    ensure_certificate(str(instance), "127.0.0.1")
    monkeypatch.setenv("SEMINAR_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("SEMINAR_REDIS_URL", raising=False)
    queue._make_huey()

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(instance) == 0o700
    for name in ("seminar.sqlite3", "secret_key", "tls/key.pem", "queue.sqlite3"):
        assert mode(instance / name) == 0o600, name
    [eml] = (instance / "outbox").glob("*.eml")
    assert mode(eml) == 0o600 and mode(instance / "outbox") == 0o700


def test_the_access_log_masks_personal_links_and_tokens_in_query_strings():
    from types import SimpleNamespace

    from gunicorn.config import Config

    logger = MaskingLogger(Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/r/SeCrEt_tok-1/badge.pdf?token=abc&lang=ru",
               "SERVER_PROTOCOL": "HTTP/1.1", "PATH_INFO": "/r/SeCrEt_tok-1/badge.pdf",
               "QUERY_STRING": "token=abc&lang=ru", "HTTP_REFERER": "https://forum.ru/r/SeCrEt_tok-1",
               "REMOTE_ADDR": "10.0.0.5"}
    response = SimpleNamespace(status="200 OK", sent=10, headers=[("Location", "/r/SeCrEt_tok-1?new=1")])
    atoms = logger.atoms(response, [("Referer", "https://forum.ru/r/SeCrEt_tok-1")], environ,
                         timedelta(milliseconds=3))
    line = json.dumps(atoms)
    assert "SeCrEt" not in line and "abc" not in line
    assert atoms["r"] == "GET /r/***/badge.pdf?token=***&lang=ru HTTP/1.1"
    assert mask("GET /verify/ABCD HTTP/1.1") == "GET /verify/ABCD HTTP/1.1"  # public codes stay


def test_the_development_server_log_masks_personal_links():
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - "%s" %s',
                               ("127.0.0.1", "GET /r/SeCrEt_tok-1 HTTP/1.1", 200), None)
    MaskingFilter().filter(record)
    assert "SeCrEt" not in record.getMessage() and "/r/***" in record.getMessage()


def test_the_retention_run_is_scheduled_nightly_in_the_queue(app):
    from seminar.queue import huey

    def due(hour, minute):
        return [task.name for task in huey.read_periodic(datetime(2026, 11, 30, hour, minute))]

    assert "anonymise_expired" in due(3, 17)
    assert "anonymise_expired" not in due(12, 0)
