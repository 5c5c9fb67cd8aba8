"""Registration rules: validation, consent, duplicates, window, capacity, quota, moderation, waitlist."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import sqlite_writers_free
from sqlalchemy import func, select

from seminar.extensions import db
from seminar.registration.models import Registration


def form(event, **overrides):
    municipality_id = event.region.municipalities[0].id
    data = {
        "last_name": "Петрова", "first_name": "Анна", "middle_name": "Сергеевна",
        "email": "Anna.Petrova@Example.ru", "phone": "8 (914) 555-12-34",
        "municipality": str(municipality_id), "organization": "Администрация города Белогорск",
        "position": "Главный специалист", "consent": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def count(event) -> int:
    return db.session.scalar(select(func.count(Registration.id)).where(Registration.event_id == event.id))


def test_valid_registration_redirects_to_personal_page_and_mails_the_link(client, make_event, outbox):
    event = make_event()
    response = client.post(f"/events/{event.slug}/register", data=form(event))
    assert response.status_code == 302
    registration = db.session.scalar(select(Registration))
    assert f"/r/{registration.access_token}" in response.headers["Location"]
    assert registration.status == "confirmed"
    assert registration.email == "anna.petrova@example.ru"
    assert registration.phone == "+79145551234"
    [message] = outbox()
    assert message["To"] == "anna.petrova@example.ru"
    assert f"/r/{registration.access_token}" in message.get_body().get_content()
    page = client.get(f"/r/{registration.access_token}")
    assert "Петрова Анна Сергеевна" in page.get_data(as_text=True)


def test_required_fields_get_russian_messages_and_keep_what_was_typed(client, make_event):
    event = make_event()
    response = client.post(f"/events/{event.slug}/register",
                           data=form(event, first_name="", organization="", email="не-почта"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Заполните это поле." in html
    assert "Проверьте адрес, например ivanov@example.ru." in html
    assert 'value="Петрова"' in html and 'value="Главный специалист"' in html
    assert count(event) == 0


def test_names_accept_cyrillic_latin_hyphen_apostrophe_and_reject_digits(client, make_event):
    event = make_event()
    ok = client.post(f"/events/{event.slug}/register",
                     data=form(event, last_name="Салтыкова-Щедрина", first_name="D'Arcy", middle_name=""))
    assert ok.status_code == 302
    bad = client.post(f"/events/{event.slug}/register",
                      data=form(event, email="x@example.ru", last_name="Иванов1"))
    assert "Только буквы, пробел, дефис и апостроф." in bad.get_data(as_text=True)


def test_oversized_fields_are_refused_with_a_message(client, make_event):
    event = make_event()
    response = client.post(f"/events/{event.slug}/register",
                           data=form(event, last_name="Я" * 101, position="Д" * 301))
    html = response.get_data(as_text=True)
    assert "Не длиннее 100 символов." in html and "Не длиннее 300 символов." in html
    assert count(event) == 0


def test_phone_is_normalised_to_plus_seven_and_nonsense_is_refused(client, make_event):
    event = make_event()
    bad = client.post(f"/events/{event.slug}/register", data=form(event, phone="12345"))
    assert "Проверьте номер, например +7 914 123-45-67." in bad.get_data(as_text=True)
    client.post(f"/events/{event.slug}/register", data=form(event, phone="+7 914 000-11-22"))
    assert db.session.scalar(select(Registration.phone)) == "+79140001122"


def test_consent_is_mandatory_and_its_version_and_time_are_recorded(client, make_event, app):
    event = make_event()
    refused = client.post(f"/events/{event.slug}/register", data=form(event, consent=None))
    assert "Без согласия на обработку персональных данных" in refused.get_data(as_text=True)
    assert count(event) == 0
    before = datetime.now(UTC)
    client.post(f"/events/{event.slug}/register", data=form(event))
    registration = db.session.scalar(select(Registration))
    assert registration.consent_version == "1"  # the event's first consent text (seminar.privacy)
    assert registration.consent_text_id is not None
    assert registration.consent_at >= before - timedelta(seconds=1)


def test_second_registration_with_same_email_creates_no_duplicate_and_resends_link(client, make_event, outbox):
    event = make_event()
    client.post(f"/events/{event.slug}/register", data=form(event))
    again = client.post(f"/events/{event.slug}/register",
                        data=form(event, email="ANNA.PETROVA@example.ru", first_name="Аня"))
    html = again.get_data(as_text=True)
    assert again.status_code == 200
    assert "Вы уже зарегистрированы" in html
    assert count(event) == 1
    registration = db.session.scalar(select(Registration))
    assert registration.access_token not in html  # the link goes only to the mailbox
    messages = outbox()
    assert len(messages) == 2
    assert f"/r/{registration.access_token}" in messages[1].get_body().get_content()


def test_municipality_of_another_region_or_unknown_id_is_refused(client, make_event, make_municipality):
    event = make_event()
    other = make_municipality(name="город Хабаровск", region="Хабаровский край")
    for value in (str(other.id), "999999", "abc"):
        response = client.post(f"/events/{event.slug}/register", data=form(event, municipality=value))
        assert "Выберите муниципальное образование из списка." in response.get_data(as_text=True)
    assert count(event) == 0


def test_registration_window_is_enforced(client, make_event):
    now = datetime.now(UTC)
    not_yet = make_event(registration_opens=now + timedelta(days=1))
    closed = make_event(registration_closes=now - timedelta(minutes=1))
    r1 = client.post(f"/events/{not_yet.slug}/register", data=form(not_yet))
    assert r1.status_code == 403 and "Регистрация ещё не открыта." in r1.get_data(as_text=True)
    r2 = client.post(f"/events/{closed.slug}/register", data=form(closed))
    assert r2.status_code == 403 and "Регистрация закрыта." in r2.get_data(as_text=True)
    assert count(not_yet) == 0 and count(closed) == 0


def test_draft_event_is_hidden_and_refuses_registrations(client, make_event):
    draft = make_event(status="draft")
    assert client.get(f"/events/{draft.slug}/").status_code == 404
    assert client.post(f"/events/{draft.slug}/register", data=form(draft)).status_code == 404
    assert count(draft) == 0


def test_archived_event_refuses_registrations(client, make_event):
    archived = make_event(status="archived")
    response = client.post(f"/events/{archived.slug}/register", data=form(archived))
    assert response.status_code == 403
    assert count(archived) == 0


def test_unknown_slug_and_tampered_token_give_russian_404(client, make_event, make_registration):
    event = make_event()
    registration = make_registration(event)
    missing = client.get("/events/no-such-forum/")
    assert missing.status_code == 404 and "Страница не найдена" in missing.get_data(as_text=True)
    token = registration.access_token
    other_last = "y" if token[-1] == "x" else "x"  # always a different token
    tampered = client.get(f"/r/{token[:-1]}{other_last}")
    assert tampered.status_code == 404
    assert registration.last_name not in tampered.get_data(as_text=True)


def test_html_in_fields_is_escaped_on_every_page(client, make_event, make_user, app):
    event = make_event()
    client.post(f"/events/{event.slug}/register",
                data=form(event, organization="<script>alert(1)</script>", position="<b>шеф</b>"))
    registration = db.session.scalar(select(Registration))
    personal = client.get(f"/r/{registration.access_token}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in personal
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in personal
    make_user(event=event)
    client.post("/login", data={"email": "org@example.ru", "password": "secret-pass-1"})
    listing = client.get(f"/manage/events/{event.slug}/").get_data(as_text=True)
    assert "<b>шеф</b>" not in listing and "&lt;b&gt;шеф&lt;/b&gt;" in listing


def test_capacity_full_puts_newcomers_on_the_waitlist(client, make_event, make_registration):
    event = make_event(capacity=2)
    make_registration(event)
    make_registration(event)
    client.post(f"/events/{event.slug}/register", data=form(event))
    newcomer = db.session.scalar(select(Registration).where(Registration.email == "anna.petrova@example.ru"))
    assert newcomer.status == "waitlisted"


def test_municipality_quota_waitlists_the_fifth_from_one_municipality(client, make_event):
    event = make_event(municipality_quota=4, capacity=100)
    for i in range(5):
        client.post(f"/events/{event.slug}/register", data=form(event, email=f"p{i}@example.ru"))
    statuses = db.session.scalars(select(Registration.status).order_by(Registration.id)).all()
    assert statuses == ["confirmed"] * 4 + ["waitlisted"]


def test_moderation_keeps_registrations_pending_until_an_organiser_approves(
        client, make_event, make_user, outbox):
    event = make_event(moderation=True)
    client.post(f"/events/{event.slug}/register", data=form(event))
    registration = db.session.scalar(select(Registration))
    assert registration.status == "pending"
    make_user(event=event)
    client.post("/login", data={"email": "org@example.ru", "password": "secret-pass-1"})
    client.post(f"/manage/events/{event.slug}/registrations/{registration.id}/approve")
    db.session.refresh(registration)
    assert registration.status == "confirmed"
    assert "подтверждена" in outbox()[-1].get_body().get_content()


def test_cancellation_promotes_the_first_waitlisted_person_and_mails_them(client, make_event, outbox):
    event = make_event(capacity=1)
    client.post(f"/events/{event.slug}/register", data=form(event, email="first@example.ru"))
    client.post(f"/events/{event.slug}/register", data=form(event, email="second@example.ru"))
    client.post(f"/events/{event.slug}/register", data=form(event, email="third@example.ru"))
    first, second, third = db.session.scalars(select(Registration).order_by(Registration.id)).all()
    assert (first.status, second.status, third.status) == ("confirmed", "waitlisted", "waitlisted")
    response = client.post(f"/r/{first.access_token}/cancel")
    assert response.status_code == 302
    db.session.expire_all()
    assert (first.status, second.status, third.status) == ("cancelled", "confirmed", "waitlisted")
    promoted_mail = [m for m in outbox() if m["To"] == "second@example.ru"][-1]
    assert "освободилось место" in promoted_mail["Subject"].lower()
    assert f"/r/{second.access_token}" in promoted_mail.get_body().get_content()


def test_promotion_skips_a_waitlisted_person_whose_municipality_is_full(
        client, make_event, make_municipality):
    event = make_event(capacity=2, municipality_quota=1)
    other = make_municipality(name="город Зея")
    home = event.region.municipalities[0]
    client.post(f"/events/{event.slug}/register", data=form(event, email="a@example.ru", municipality=str(home.id)))
    client.post(f"/events/{event.slug}/register", data=form(event, email="b@example.ru", municipality=str(other.id)))
    client.post(f"/events/{event.slug}/register", data=form(event, email="c@example.ru", municipality=str(other.id)))
    client.post(f"/events/{event.slug}/register", data=form(event, email="d@example.ru", municipality=str(home.id)))
    a, b, c, d = db.session.scalars(select(Registration).order_by(Registration.id)).all()
    assert [r.status for r in (a, b, c, d)] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    client.post(f"/r/{a.access_token}/cancel")
    db.session.expire_all()
    # c came first but Зея already has its one seat; d (Белогорск) takes the free seat.
    assert (c.status, d.status) == ("waitlisted", "confirmed")


def test_a_cancelled_person_can_register_again(client, make_event):
    event = make_event()
    client.post(f"/events/{event.slug}/register", data=form(event))
    registration = db.session.scalar(select(Registration))
    client.post(f"/r/{registration.access_token}/cancel")
    response = client.post(f"/events/{event.slug}/register", data=form(event))
    assert response.status_code == 302
    db.session.expire_all()
    assert registration.status == "confirmed" and count(event) == 1


def test_double_submit_creates_one_registration(client, make_event):
    event = make_event()
    first = client.post(f"/events/{event.slug}/register", data=form(event))
    second = client.post(f"/events/{event.slug}/register", data=form(event))
    assert first.status_code == 302 and second.status_code == 200
    assert count(event) == 1


def test_badge_code_is_opaque_long_and_free_of_look_alikes(make_event, make_registration):
    from seminar.registration.models import BADGE_ALPHABET

    event = make_event()
    codes = {make_registration(event).badge_code for _ in range(20)}
    assert len(codes) == 20
    for code in codes:
        assert len(code) <= 32 and set(code) <= set(BADGE_ALPHABET)
        assert not set(code) & set("01OILU")
    import math
    assert len(next(iter(codes))) * math.log2(len(BADGE_ALPHABET)) >= 128


def test_event_page_shows_times_in_the_venue_time_zone(client, make_event):
    event = make_event(starts_at=datetime(2030, 8, 30, 1, 0, tzinfo=UTC),
                       ends_at=datetime(2030, 8, 30, 8, 30, tzinfo=UTC))
    html = client.get(f"/events/{event.slug}/").get_data(as_text=True)
    assert "30 августа 2030" in html and "10:00–17:30" in html and "Asia/Yakutsk" in html


def test_english_switch_translates_the_page(client, make_event):
    event = make_event()
    html = client.get(f"/events/{event.slug}/register?lang=en").get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Last name" in html


def test_every_way_a_registration_ends_lets_the_next_writer_of_the_process_in(
        app, client, make_event, make_question, monkeypatch):
    """On SQLite the threads of a process queue for the seat lock on a Python lock (no busy-handler
    sleeps); whatever ends the transaction — a seat, a refusal, a repeat, an error — lets it go."""
    from seminar import sqlite_writers
    from seminar.registration import services

    held = sqlite_writers._LOCK.locked
    event = make_event()
    section = make_question(event, "choice", "Секция", choices=("Практикум", "Лекция"), limits={"Практикум": 1})
    assert client.post(f"/events/{event.slug}/register", data=form(event, **{f"q_{section.id}": "Практикум"})
                       ).status_code == 302 and not held()
    refused = client.post(f"/events/{event.slug}/register",
                          data=form(event, email="b@example.ru", **{f"q_{section.id}": "Практикум"}))
    assert "Мест на «Практикум» больше нет" in refused.get_data(as_text=True) and not held()
    again = client.post(f"/events/{event.slug}/register", data=form(event, **{f"q_{section.id}": "Лекция"}))
    assert "уже" in again.get_data(as_text=True) and not held()

    def broken(event, municipality_id):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(services, "has_seat", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    failed = client.post(f"/events/{event.slug}/register", data=form(event, email="c@example.ru"))
    assert failed.status_code == 500 and not held()
    monkeypatch.undo()
    assert client.post(f"/events/{event.slug}/register", data=form(event, email="d@example.ru")).status_code == 302
    assert not held() and count(event) == 2


def test_on_sqlite_the_seat_lock_is_one_for_the_machine_and_is_let_go_before_the_mail_wake_up(
        app, client, make_event, monkeypatch):
    """Every gunicorn worker of the machine queues on one file lock beside the database (no busy-handler
    sleeps between processes). It is taken with the seat lock and let go at the commit, before the
    after-commit work (the mail queue's wake-up) runs."""
    from seminar import sqlite_writers
    from seminar.messages import outbox
    from seminar.registration import services

    if db.engine.dialect.name != "sqlite":
        pytest.skip("the file lock is SQLite's; PostgreSQL queues on the event row")
    event = make_event()
    # The first registration writes the event's consent text (version 1) before the seat lock.
    assert client.post(f"/events/{event.slug}/register", data=form(event, email="first@example.ru")
                       ).status_code == 302
    seen = {}
    real_has_seat, real_wake = services.has_seat, outbox.wake

    def has_seat(event, municipality_id):
        seen["during the decision"] = sqlite_writers_free()
        return real_has_seat(event, municipality_id)

    def wake(workers=1):
        seen["at the wake-up"] = sqlite_writers_free()
        return real_wake(workers)

    monkeypatch.setattr(services, "has_seat", has_seat)
    monkeypatch.setattr(outbox, "wake", wake)
    assert client.post(f"/events/{event.slug}/register", data=form(event)).status_code == 302
    assert seen == {"during the decision": False, "at the wake-up": True}
    assert sqlite_writers_free() and not sqlite_writers._LOCK.locked() and count(event) == 2
