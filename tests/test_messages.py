"""Writing to a group of participants, and the scheduled reminder and certificate notice."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from seminar.checkin.models import CheckIn
from seminar.extensions import db
from seminar.messages import schedules
from seminar.messages.models import MessageSchedule, OutboundMail
from tests.conftest import plain_text


def auth(user):
    return {"Authorization": f"Bearer {user.api_token}"}


def check_in(registration):
    db.session.add(CheckIn(event_id=registration.event_id, registration_id=registration.id))
    db.session.commit()


def login(client, make_user, event):
    user = make_user(email="org@example.ru", event=event)
    client.post("/login", data={"email": "org@example.ru", "password": "secret-pass-1"})
    return user


def mails() -> int:
    return db.session.scalar(select(func.count(OutboundMail.id))) or 0


# ---------------------------------------------------------------- API

def test_a_message_to_a_filtered_group_reaches_exactly_that_group_personalised(
        client, make_event, make_registration, make_user, outbox):
    event = make_event()
    came = make_registration(event, first_name="Ольга", last_name="Орлова")
    check_in(came)
    make_registration(event)  # did not come
    make_registration(event, status="cancelled")
    user = make_user(event=event)
    response = client.post(f"/api/v1/events/{event.slug}/messages", headers=auth(user), json={
        "subject": "Слайды для {first_name}", "body": "{full_name}, слайды: {personal_url}\n«{event_title}»",
        "filter": {"checked_in": True}})
    assert response.status_code == 202
    assert response.json["recipients"] == 1
    [message] = outbox()
    assert message["To"] == came.email and message["Subject"] == "Слайды для Ольга"
    text = plain_text(message)
    assert "Орлова Ольга Петрович" in text and f"/r/{came.access_token}" in text
    assert f"«{event.title}»" in text
    status = client.get(f"/api/v1/events/{event.slug}/messages/{response.json['id']}", headers=auth(user)).json
    assert status == {"id": response.json["id"], "recipients": 1, "sent": 1, "failed": 0, "pending": 0}


def test_filters_by_status_role_and_municipality(client, make_event, make_registration, make_user, make_municipality,
                                                 outbox):
    event = make_event()
    svobodny = make_municipality(name="город Свободный")
    speaker = make_registration(event, role="speaker", municipality=svobodny)
    make_registration(event, role="speaker")
    make_registration(event, role="participant", municipality=svobodny)
    make_registration(event, role="speaker", municipality=svobodny, status="waitlisted")
    user = make_user(event=event)
    response = client.post(f"/api/v1/events/{event.slug}/messages", headers=auth(user), json={
        "subject": "Спикерам", "body": "Текст", "filter": {
            "status": ["confirmed"], "role": ["speaker"], "municipality": ["город Свободный"]}})
    assert response.json["recipients"] == 1
    assert [m["To"] for m in outbox()] == [speaker.email]


def test_the_messages_api_needs_an_organiser_token(client, make_event, make_user):
    event, other = make_event(), make_event()
    url = f"/api/v1/events/{event.slug}/messages"
    body = {"subject": "S", "body": "B"}
    assert client.post(url, json=body).status_code == 401
    assert client.post(url, json=body, headers=auth(make_user(email="o2@example.ru", event=other))).status_code == 403
    door = make_user(email="door@example.ru", role="door", event=event)
    assert client.post(url, json=body, headers=auth(door)).status_code == 403
    assert client.get(f"{url}/1", headers=auth(door)).status_code == 403
    assert client.get(f"{url}/999", headers=auth(make_user(event=event))).status_code == 404


def test_bad_messages_are_refused_with_a_reason_and_nothing_is_sent(client, make_event, make_registration,
                                                                    make_user, outbox):
    event = make_event()
    make_registration(event)
    user = make_user(event=event)
    url = f"/api/v1/events/{event.slug}/messages"

    def post(json):
        return client.post(url, json=json, headers=auth(user))

    unknown = post({"subject": "Привет", "body": "Здравствуйте, {name}!"})
    assert unknown.status_code == 400 and "{name}" in unknown.json["message"]
    assert post({"subject": "Привет", "body": "скобка { без пары"}).status_code == 400
    assert post({"subject": "", "body": "текст"}).status_code == 400
    huge = post({"subject": "Привет", "body": "я" * 100_000})
    assert huge.status_code == 400 and "20000" in huge.json["message"]
    assert post({"subject": "Привет", "body": "Б", "filter": {"status": ["lost"]}}).status_code == 400
    assert post({"subject": "Привет", "body": "Б", "filter": {"checked_in": "yes"}}).status_code == 400
    assert post({"subject": "Привет", "body": "Б", "filter": []}).status_code == 400
    assert client.post(url, data="not json", headers=auth(user)).status_code == 400
    nobody = post({"subject": "Привет", "body": "Б", "filter": {"role": ["press"]}})
    assert nobody.status_code == 422 and nobody.json["error"] == "no_recipients"
    assert outbox() == [] and mails() == 0


def test_html_in_the_body_is_text_escaped_in_the_html_part(client, make_event, make_registration, make_user, outbox):
    event = make_event()
    make_registration(event)
    client.post(f"/api/v1/events/{event.slug}/messages", headers=auth(make_user(event=event)), json={
        "subject": "<b>Важно</b>", "body": '<script>alert(1)</script> <a href="http://evil">тут</a>'})
    [message] = outbox()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<a href="http://evil">тут' not in html and "&lt;a href=" in html
    assert "<script>alert(1)</script>" in plain_text(message)


def test_the_openapi_document_describes_the_messages_api(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "post" in paths["/events/{slug}/messages"]
    assert "get" in paths["/events/{slug}/messages/{id}"]


# ---------------------------------------------------------------- organiser page

def test_the_event_card_links_to_messages_and_shows_the_queue(client, make_event, make_user):
    event = make_event()
    login(client, make_user, event)
    card = client.get(f"/manage/events/{event.slug}/").get_data(as_text=True)
    assert f"/manage/events/{event.slug}/messages/" in card
    page = client.get(f"/manage/events/{event.slug}/messages/").get_data(as_text=True)
    assert "Очередь писем" in page and "Напоминание накануне" in page


def test_an_unknown_placeholder_shows_in_the_preview_and_nothing_is_sent(client, make_event, make_registration,
                                                                         make_user, outbox):
    event = make_event()
    make_registration(event)
    login(client, make_user, event)
    for action in ("preview", "test", "send"):
        page = client.post(f"/manage/events/{event.slug}/messages/new", data={
            "subject": "Автобус", "body": "Здравствуйте, {имя}!", "status": "confirmed", "action": action})
        assert "Неизвестная подстановка {имя}" in page.get_data(as_text=True)
    assert outbox() == [] and mails() == 0


def test_preview_shows_the_message_as_the_chosen_person_gets_it_and_a_test_goes_to_me(
        client, make_event, make_registration, make_user, outbox):
    event = make_event()
    make_registration(event, first_name="Пётр")
    chosen = make_registration(event, first_name="Ирина")
    login(client, make_user, event)
    data = {"subject": "Автобус для {first_name}", "body": "{first_name}, автобус в 8:00", "status": "confirmed",
            "preview_as": str(chosen.id)}
    page = client.post(f"/manage/events/{event.slug}/messages/new", data={**data, "action": "preview"})
    text = page.get_data(as_text=True)
    assert "Получателей: 2" in text and "Автобус для Ирина" in text and "Ирина, автобус в 8:00" in text
    assert outbox() == []
    client.post(f"/manage/events/{event.slug}/messages/new", data={**data, "action": "test"})
    [test] = outbox()
    assert test["To"] == "org@example.ru" and test["Subject"] == "Автобус для Ирина"


def test_an_empty_recipient_set_is_said_and_nothing_is_sent(client, make_event, make_registration, make_user, outbox):
    event = make_event()
    make_registration(event)
    login(client, make_user, event)
    page = client.post(f"/manage/events/{event.slug}/messages/new", data={
        "subject": "Тема", "body": "Текст", "role": "press", "action": "send"}).get_data(as_text=True)
    assert "Получателей: 0" in page and "ни один участник" in page
    assert outbox() == [] and mails() == 0


def test_sending_leads_to_the_delivery_log_and_failed_ones_can_be_resent(
        app, client, make_event, make_registration, make_user, smtp_server, dead_smtp_url):
    event = make_event()
    people = [make_registration(event) for _ in range(3)]
    login(client, make_user, event)
    app.config.update(MAIL_URL=dead_smtp_url, MAIL_MAX_ATTEMPTS=1)
    response = client.post(f"/manage/events/{event.slug}/messages/new", data={
        "subject": "Тема", "body": "Текст", "status": "confirmed", "action": "send"})
    assert response.status_code == 302
    log = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Connection" in log and people[0].email in log  # the reason, per person
    inbox, url = smtp_server
    app.config["MAIL_URL"] = url
    client.post(response.headers["Location"] + "/resend")
    assert sorted(e.rcpt_tos[0] for e in inbox.envelopes) == sorted(p.email for p in people)
    assert "Отправить недоставленные" not in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_body_of_100_kb_is_refused_on_the_page_with_a_message(client, make_event, make_registration, make_user):
    event = make_event()
    make_registration(event)
    login(client, make_user, event)
    page = client.post(f"/manage/events/{event.slug}/messages/new", data={
        "subject": "Тема", "body": "я" * 100_000, "status": "confirmed", "action": "send"})
    assert page.status_code == 200 and "Текст длиннее 20000 символов" in page.get_data(as_text=True)
    assert mails() == 0


# ---------------------------------------------------------------- scheduled messages

def starting_in(make_event, hours: float, **kw):
    start = datetime.now(UTC) + timedelta(hours=hours)
    return make_event(starts_at=start, ends_at=start + timedelta(hours=8), **kw)


def test_the_reminder_goes_out_the_day_before_once_per_person(app, make_event, make_registration, outbox):
    event = starting_in(make_event, 20, venue="ДК «Светлый»")
    person = make_registration(event)
    make_registration(event, status="cancelled")
    now = datetime.now(UTC)
    assert schedules.run_due(now) == 1
    assert schedules.run_due(now) == 0  # a second worker, or a restart: nobody gets it twice
    late = make_registration(event)  # registered after the reminder went out: gets it too
    assert schedules.run_due(now) == 1
    messages = outbox()
    assert sorted(m["To"] for m in messages) == sorted([person.email, late.email])
    text = plain_text(messages[0])
    assert "ДК «Светлый»" in text and "/r/" in text and "Что взять с собой" in text
    assert any(p.get_content_type() == "image/png" for p in messages[0].walk())


def test_the_reminder_waits_for_its_time_and_can_be_switched_off_or_moved(app, make_event, make_registration,
                                                                          outbox):
    event = starting_in(make_event, 30)
    make_registration(event)
    now = datetime.now(UTC)
    assert schedules.run_due(now) == 0  # 30 hours before: not yet
    reminder = db.session.scalar(select(MessageSchedule).where(MessageSchedule.event_id == event.id,
                                                               MessageSchedule.kind == "reminder"))
    schedules.update_schedule(reminder, True, 48)  # moved to two days before
    db.session.commit()
    assert schedules.run_due(now) == 1
    other = starting_in(make_event, 10)
    make_registration(other)
    off = schedules.schedules_of(other)[0]  # the defaults, created on first sight
    schedules.update_schedule(off, False, 24)
    db.session.commit()
    assert schedules.run_due(now) == 0 and len(outbox()) == 1


def test_after_the_event_those_checked_in_are_told_their_certificate_is_ready(app, make_event, make_registration,
                                                                               outbox):
    event = starting_in(make_event, -12)  # ended 4 hours ago
    came, missed = make_registration(event), make_registration(event)
    check_in(came)
    assert schedules.run_due(datetime.now(UTC)) == 1
    [message] = outbox()
    assert message["To"] == came.email and missed.email not in str(message)
    assert f"/r/{came.access_token}/certificate.pdf" in plain_text(message)


def test_an_event_long_over_sends_nothing_when_a_worker_first_starts(app, make_event, make_registration, outbox):
    event = starting_in(make_event, -24 * 20)
    check_in(make_registration(event))
    assert schedules.run_due(datetime.now(UTC)) == 0 and outbox() == []


def test_each_kind_of_message_goes_through_real_smtp(app, client, make_event, make_registration, make_user,
                                                     smtp_server):
    inbox, url = smtp_server
    app.config["MAIL_URL"] = url
    soon = starting_in(make_event, 12)
    person = make_registration(soon)
    schedules.run_due(datetime.now(UTC))  # reminder
    ended = starting_in(make_event, -12)
    check_in(make_registration(ended))
    schedules.run_due(datetime.now(UTC))  # certificate notice
    client.post(f"/api/v1/events/{soon.slug}/messages", headers=auth(make_user(event=soon)),
                json={"subject": "Автобусы", "body": "Автобус в 8:00"})  # broadcast
    subjects = [m["Subject"] for m in inbox.wait_for(3)]
    assert any(s.startswith("Напоминание") for s in subjects)
    assert any(s.startswith("Ваш сертификат готов") for s in subjects)
    assert "Автобусы" in subjects
    assert all(m.get_body(preferencelist=("html",)) is not None for m in inbox.messages)
    assert person.email in [e.rcpt_tos[0] for e in inbox.envelopes]


def test_on_postgresql_two_drains_at_once_send_each_message_once(app_config, postgres_url, tmp_path):
    import threading

    from seminar import create_app
    from seminar.mail import MailSettings, build_message
    from seminar.messages import broadcasts, outbox
    from seminar.messages.jobs import own_context

    pg = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": postgres_url})
    with pg.app_context():
        db.create_all()
        settings = MailSettings.from_config(pg.config)
        rows = [outbox.row_values(build_message(settings, f"p{i}@example.ru", "Тема", "Текст"), kind="notice")
                for i in range(120)]
        broadcasts.insert_ignoring_duplicates(rows)
        broadcasts.insert_ignoring_duplicates(rows[:10])  # the same messages again: skipped
        db.session.commit()

        def drain():
            with pg.app_context(), own_context():
                outbox.drain()

        threads = [threading.Thread(target=drain) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert outbox.counts() == {"pending": 0, "sending": 0, "sent": 120, "failed": 0}
        assert db.session.scalar(select(func.max(OutboundMail.attempts))) == 1
        db.session.remove()
        db.engine.dispose()
    assert len(list((tmp_path / "instance" / "outbox").glob("*.eml"))) == 120


def test_a_group_message_whose_fan_out_was_lost_is_resumed_by_the_sweep(app, make_event, make_registration,
                                                                        outbox):
    from seminar.messages import broadcasts, jobs
    from seminar.messages.models import Broadcast

    event = make_event()
    people = [make_registration(event) for _ in range(3)]
    broadcast = broadcasts.create(event, broadcasts.Draft("Тема", "Текст"), None)
    db.session.info.pop("seminar.outbox.after_commit")  # the worker was killed before it took the job
    broadcast.created_at = datetime.now(UTC) - timedelta(minutes=5)
    db.session.commit()
    assert outbox() == []
    jobs.sweep()
    assert sorted(m["To"] for m in outbox()) == sorted(p.email for p in people)
    assert db.session.get(Broadcast, broadcast.id).fanned_out_at is not None


def test_the_text_of_old_sent_mail_is_dropped_but_the_log_stays(app, make_event, make_registration):
    from seminar.messages import outbox
    from seminar.registration import notify

    notify.send_approved(make_registration(make_event()))
    db.session.commit()
    [row] = db.session.scalars(select(OutboundMail)).all()
    assert row.status == "sent" and row.raw
    assert outbox.forget_sent(datetime.now(UTC) - timedelta(days=30)) == 0
    assert outbox.forget_sent(datetime.now(UTC) + timedelta(seconds=1)) == 1
    db.session.commit()
    db.session.refresh(row)
    assert row.raw == b"" and row.status == "sent" and row.recipient


def test_the_organiser_switches_a_scheduled_message_off_and_moves_it(client, make_event, make_user):
    event = make_event()
    login(client, make_user, event)
    client.get(f"/manage/events/{event.slug}/messages/")
    url = f"/manage/events/{event.slug}/messages/schedules/reminder"
    client.post(url, data={"reminder-offset_hours": "48"})  # the box unticked: off
    reminder = db.session.scalar(select(MessageSchedule).where(MessageSchedule.event_id == event.id,
                                                               MessageSchedule.kind == "reminder"))
    db.session.refresh(reminder)
    assert (reminder.enabled, reminder.offset_hours) == (False, 48)
    page = client.post(url, data={"reminder-enabled": "y", "reminder-offset_hours": "0"}, follow_redirects=True)
    assert "От 1 до 720 часов" in page.get_data(as_text=True)
    db.session.refresh(reminder)
    assert (reminder.enabled, reminder.offset_hours) == (False, 48)
    assert client.post(f"/manage/events/{event.slug}/messages/schedules/nonsense").status_code == 404


def test_door_staff_cannot_open_the_messages_pages(client, make_event, make_user):
    event = make_event()
    make_user(email="door@example.ru", role="door", event=event)
    client.post("/login", data={"email": "door@example.ru", "password": "secret-pass-1"})
    assert client.get(f"/manage/events/{event.slug}/messages/").status_code == 403
    assert client.post(f"/manage/events/{event.slug}/messages/new", data={"action": "send"}).status_code == 403
