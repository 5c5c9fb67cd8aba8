"""Mail: kept in the database with the change, sent by the queue over real SMTP or into the outbox."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from seminar.dbtypes import utcnow
from seminar.extensions import db
from seminar.messages import outbox as queue
from seminar.messages.models import OutboundMail
from seminar.registration.models import Registration
from tests.conftest import plain_text
from tests.test_registration import form


def rows():
    db.session.expire_all()
    return list(db.session.scalars(select(OutboundMail).order_by(OutboundMail.id)))


def make_due_now():
    db.session.execute(update(OutboundMail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_confirmation_goes_through_smtp_with_the_personal_link(app, client, make_event, smtp_server):
    inbox, url = smtp_server
    app.config["MAIL_URL"] = url
    event = make_event()
    client.post(f"/events/{event.slug}/register", data=form(event))
    registration = db.session.scalar(select(Registration))
    [message] = inbox.wait_for(1)
    assert inbox.envelopes[0].rcpt_tos == ["anna.petrova@example.ru"]
    assert "Регистрация" in message["Subject"]
    assert f"/r/{registration.access_token}" in plain_text(message)
    assert [r.status for r in rows()] == ["sent"]


def test_the_confirmation_has_text_html_qr_and_a_calendar_file(app, client, make_event, outbox):
    app.config["PUBLIC_URL"] = "https://forum.amurobl.example"
    event = make_event(venue="ДК «Светлый»", city="Белогорск")
    client.post(f"/events/{event.slug}/register", data=form(event))
    [message] = outbox()
    registration = db.session.scalar(select(Registration))
    text = plain_text(message)
    local = event.starts_at.astimezone(event.tz)
    assert f"{local:%H:%M}" in text and "Asia/Yakutsk" in text
    assert "ДК «Светлый», Белогорск" in text
    assert f"https://forum.amurobl.example/r/{registration.access_token}" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert f'href="https://forum.amurobl.example/r/{registration.access_token}"' in html
    [image] = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert f'src="cid:{image["Content-ID"].strip("<>")}"' in html
    assert image.get_content().startswith(b"\x89PNG")
    [ics] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = ics.get_content() if isinstance(ics.get_content(), str) else ics.get_content().decode()
    assert f"DTSTART;TZID=Asia/Yakutsk:{local:%Y%m%dT%H%M%S}" in calendar
    assert message["Date"].endswith("+0000")
    assert re.fullmatch(r"<[^@]+@forum\.amurobl\.example>", message["Message-ID"])


def test_without_a_mail_url_messages_are_eml_files_in_the_outbox(client, make_event, outbox):
    event = make_event()
    client.post(f"/events/{event.slug}/register", data=form(event))
    [message] = outbox()
    assert message["From"] and "Здравствуйте, Анна Сергеевна!" in plain_text(message)


def test_a_mail_server_that_is_down_loses_no_registration_and_no_message(app, client, make_event, dead_smtp_url,
                                                                           smtp_server, caplog):
    app.config["MAIL_URL"] = dead_smtp_url
    event = make_event()
    response = client.post(f"/events/{event.slug}/register", data=form(event))
    assert response.status_code == 302
    registration = db.session.scalar(select(Registration))
    assert registration is not None and registration.status == "confirmed"
    [row] = rows()
    assert row.status == "pending" and row.attempts == 1 and "Connection" in row.last_error
    assert row.next_attempt_at > utcnow()
    assert not any("anna.petrova" in r.getMessage() for r in caplog.records)  # no personal data in logs
    # The server comes back: the next sweep sends the message that waited.
    inbox, url = smtp_server
    app.config["MAIL_URL"] = url
    make_due_now()
    queue.drain()
    [message] = inbox.wait_for(1)
    assert registration.access_token in plain_text(message)
    assert [r.status for r in rows()] == ["sent"]


def test_a_message_that_keeps_failing_is_marked_failed_with_the_reason(app, client, make_event, dead_smtp_url):
    app.config.update(MAIL_URL=dead_smtp_url, MAIL_MAX_ATTEMPTS=3, MAIL_RETRY_SECONDS=30)
    event = make_event()
    client.post(f"/events/{event.slug}/register", data=form(event))
    [row] = rows()
    first_wait = row.next_attempt_at - utcnow()
    make_due_now()
    queue.drain()
    [row] = rows()
    assert row.status == "pending" and row.attempts == 2
    assert row.next_attempt_at - utcnow() > first_wait  # back-off grows
    make_due_now()
    queue.drain()
    [row] = rows()
    assert row.status == "failed" and row.attempts == 3 and row.last_error


def test_a_refused_recipient_fails_at_once_with_the_servers_answer(app, client, make_event):
    from aiosmtpd.controller import Controller

    class Refusing:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            return "550 5.1.1 No such mailbox"

    from tests.conftest import free_port

    controller = Controller(Refusing(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        app.config["MAIL_URL"] = f"smtp://127.0.0.1:{controller.port}"
        event = make_event()
        client.post(f"/events/{event.slug}/register", data=form(event))
    finally:
        controller.stop()
    [row] = rows()
    assert row.status == "failed" and "550" in row.last_error and row.attempts == 1


def test_failed_messages_can_be_sent_again_once_the_server_is_back(app, client, runner, make_event,
                                                                   smtp_server, dead_smtp_url):
    inbox, url = smtp_server
    app.config.update(MAIL_URL=dead_smtp_url, MAIL_MAX_ATTEMPTS=1)
    event = make_event()
    client.post(f"/events/{event.slug}/register", data=form(event))
    assert [r.status for r in rows()] == ["failed"]
    app.config["MAIL_URL"] = url
    result = runner.invoke(args=["mail", "resend"])
    assert "queued 1; sent 1, still failing 0" in result.output
    assert [e.rcpt_tos for e in inbox.envelopes] == [["anna.petrova@example.ru"]]


def test_a_message_claimed_by_another_worker_is_not_sent_twice(app, client, make_event, outbox):
    event = make_event()
    client.post(f"/events/{event.slug}/register", data=form(event))
    assert len(outbox()) == 1
    # Another worker holds a live claim on a second message: this one leaves it alone…
    db.session.execute(update(OutboundMail).values(status="sending", lease_until=utcnow() + timedelta(minutes=1)))
    db.session.commit()
    assert queue.drain().sent == 0
    # …until the claim expires (that worker was killed mid-send): then it is sent, once.
    db.session.execute(update(OutboundMail).values(lease_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert queue.drain().sent == 1
    assert queue.drain().sent == 0
    assert len(outbox()) == 1  # the .eml is named after the row: a second send replaces, never doubles


def test_nothing_is_sent_for_a_change_that_was_rolled_back(app, make_event, make_registration, outbox):
    from seminar.registration import notify

    person = make_registration(make_event())
    notify.send_approved(person)
    db.session.rollback()
    db.session.commit()
    assert outbox() == [] and rows() == []


def test_a_long_cyrillic_subject_keeps_its_spaces_within_75_character_encoded_words(client, make_event, outbox):
    title = "Работа муниципальных образований в социальных сетях: новая реальность"
    event = make_event(title=title)
    client.post(f"/events/{event.slug}/register", data=form(event))
    [message] = outbox()
    assert message["Subject"] == f"Регистрация: {title}"
    raw = next(Path(event_outbox(client)).glob("*.eml")).read_bytes().decode("ascii")
    headers = raw.split("\r\n\r\n", 1)[0]
    subject = re.search(r"^Subject:.*?(?=\r\n\S)", headers, re.S | re.M).group(0)
    assert all(len(line) <= 76 for line in subject.split("\r\n"))
    words = re.findall(r"=\?[^?]+\?[bBqQ]\?[^?]*\?=", subject)
    assert len(words) > 1 and all(len(w) <= 75 for w in words)


def event_outbox(client) -> str:
    return client.application.config["OUTBOX_DIR"]


from pathlib import Path  # noqa: E402


def test_a_message_queued_after_the_last_commit_of_a_request_is_still_kept(app, make_event, make_registration,
                                                                             outbox):
    from seminar.registration import notify

    person = make_registration(make_event())
    with app.test_request_context("/"):
        notify.send_approved(person)  # the older pattern: commit first, then send
    [message] = outbox()
    assert message["To"] == person.email


def test_a_speakers_programme_change_goes_through_real_smtp(app, client, make_event, make_registration, make_user,
                                                             smtp_server):
    from tests.test_programme import add, at

    inbox, url = smtp_server
    app.config["MAIL_URL"] = url
    event = make_event(starts_at=at(10), ends_at=at(17, 30))
    speaker = make_registration(event, email="morozova@example.ru")
    session = add(event, "Госпаблики", at(11), at(11, 40), speakers=[speaker])
    make_user(event=event)
    client.post("/login", data={"email": "org@example.ru", "password": "secret-pass-1"})
    client.post(f"/manage/events/{event.slug}/programme/sessions/{session.id}", data={
        "title": "Госпаблики", "kind": "talk", "day": at(10).date().isoformat(), "starts": "12:00",
        "ends": "12:40", "position": "0"})
    [message] = inbox.wait_for(1)
    assert inbox.envelopes[0].rcpt_tos == ["morozova@example.ru"]
    assert "Госпаблики" in message["Subject"] and "12:00–12:40" in plain_text(message)


# ---------------------------------------------------------------- the confirmation, written by the worker

def test_the_form_answers_before_the_confirmation_is_written_and_the_worker_writes_it(
        app, client, make_event, outbox, monkeypatch):
    """The registration's transaction keeps only a small row (no QR, no .ics, no HTML): the seat
    lock and the answer do not wait for them. The worker writes the letter under its claim, with
    the row's own Message-ID, and sends it."""
    monkeypatch.setattr(queue, "wake", lambda workers=1: None)  # no worker yet
    event = make_event()
    response = client.post(f"/events/{event.slug}/register", data=form(event))
    assert response.status_code == 302
    [row] = rows()
    assert (row.status, row.letter, row.raw, row.kind) == ("pending", "registered", b"", "confirmation")
    assert row.subject == f"Регистрация: {event.title}" and row.recipient == "anna.petrova@example.ru"
    assert outbox() == []
    message_id = row.message_id

    assert queue.drain().sent == 1
    [message] = outbox()
    assert message["Message-ID"] == f"<{message_id}>"
    assert {p.get_content_type() for p in message.iter_attachments()} >= {"image/png", "text/calendar"}
    registration = db.session.scalar(select(Registration))
    assert f"/r/{registration.access_token}" in plain_text(message)
    [row] = rows()
    assert row.status == "sent" and b"badge-qr.png" in row.raw  # the written letter is what was sent


def test_a_letter_that_cannot_be_written_waits_and_is_sent_once_it_can(app, client, make_event, outbox, monkeypatch):
    from seminar.messages import letters

    monkeypatch.setattr(queue, "wake", lambda workers=1: None)
    event = make_event()
    client.post(f"/events/{event.slug}/register", data=form(event))

    def broken(event):
        raise RuntimeError("calendar broke")

    with monkeypatch.context() as patch:
        patch.setattr(letters, "event_ics", broken)
        result = queue.drain()
    assert (result.sent, result.retrying) == (0, 1)
    db.session.expire_all()
    [row] = rows()
    assert row.status == "pending" and row.raw == b"" and "not written: RuntimeError" in row.last_error
    assert outbox() == []
    make_due_now()
    assert queue.drain().sent == 1
    [message] = outbox()
    assert "Регистрация" in message["Subject"]


def test_a_confirmation_for_a_registration_gone_before_it_was_written_is_dropped(
        app, client, make_event, outbox, monkeypatch):
    monkeypatch.setattr(queue, "wake", lambda workers=1: None)
    event = make_event()
    client.post(f"/events/{event.slug}/register", data=form(event))
    db.session.execute(update(OutboundMail).values(registration_id=None))  # as ON DELETE SET NULL leaves it
    db.session.commit()
    assert queue.drain().sent == 0
    assert rows() == [] and outbox() == []


def test_a_burst_queues_one_drain_and_a_stale_note_does_not_hold_mail_back(client, make_event, outbox, request):
    """While a drain is queued and has not started, a registration does not queue another: that drain
    sends its letter too. A note left by a process that died before queuing its drain is not trusted."""
    import time

    from seminar.queue import huey

    event = make_event()
    huey.put(queue.DRAIN_QUEUED, time.time())  # a drain is queued (as if the worker were busy)
    request.addfinalizer(lambda: huey.get(queue.DRAIN_QUEUED))  # no note left for the next test
    assert client.post(f"/events/{event.slug}/register", data=form(event)).status_code == 302
    assert outbox() == []  # not sent by a second drain: the queued one will send it
    assert db.session.scalar(select(OutboundMail.status)) == "pending"

    huey.put(queue.DRAIN_QUEUED, time.time() - queue.NOTE_STALE_SECONDS - 1)  # its process died
    assert client.post(f"/events/{event.slug}/register", data=form(event, email="b@example.ru")).status_code == 302
    assert sorted(m["To"] for m in outbox()) == ["anna.petrova@example.ru", "b@example.ru"]
    assert huey.get(queue.DRAIN_QUEUED, peek=True) is None  # the drain took its note when it began
