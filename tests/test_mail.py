"""Mail through a real SMTP server, the outbox fallback, and a server that is down."""
from __future__ import annotations

import socket
import time

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from seminar.extensions import db
from seminar.registration.models import Registration
from tests.test_registration import form


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, f"smtp://127.0.0.1:{port}"
    controller.stop()


def test_confirmation_goes_through_smtp_with_the_personal_link(app, client, make_event, smtp_server):
    inbox, url = smtp_server
    app.config["MAIL_URL"] = url
    event = make_event()
    client.post(f"/events/{event.slug}/register", data=form(event))
    registration = db.session.scalar(select(Registration))
    deadline = time.time() + 5
    while not inbox.messages and time.time() < deadline:
        time.sleep(0.05)
    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["anna.petrova@example.ru"]
    import email
    from email import policy

    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert "Регистрация" in message["Subject"]
    assert f"/r/{registration.access_token}" in message.get_body().get_content()


def test_a_mail_server_that_is_down_loses_no_registration(app, client, make_event, caplog):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]  # nothing listens here once the socket closes
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{dead_port}"
    event = make_event()
    response = client.post(f"/events/{event.slug}/register", data=form(event))
    assert response.status_code == 302
    registration = db.session.scalar(select(Registration))
    assert registration is not None and registration.status == "confirmed"
    from pathlib import Path

    failed = Path(app.config["OUTBOX_DIR"]) / "failed"
    deadline = time.time() + 10
    while not list(failed.glob("*.eml")) and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.1)
    assert any(" failed (" in r.getMessage() for r in caplog.records)
    assert not any("anna.petrova" in r.getMessage() for r in caplog.records)  # no address in the log
    import email
    from email import policy

    kept = list((Path(app.config["OUTBOX_DIR"]) / "failed").glob("*.eml"))
    assert len(kept) == 1
    message = email.message_from_bytes(kept[0].read_bytes(), policy=policy.default)
    assert registration.access_token in message.get_body().get_content()


def test_without_a_mail_url_messages_are_eml_files_in_the_outbox(client, make_event, outbox):
    event = make_event()
    client.post(f"/events/{event.slug}/register", data=form(event))
    [message] = outbox()
    assert message["From"] and "Здравствуйте, Анна Сергеевна!" in message.get_body().get_content()


def test_a_hanging_mail_server_does_not_hold_up_the_registration(app, client, make_event):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections, never says a word
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{silent.getsockname()[1]}"
    app.config["MAIL_TIMEOUT"] = 3
    event = make_event()
    try:
        response = client.post(f"/events/{event.slug}/register", data=form(event))
        # The answer came while the mail server had still not greeted anyone.
        assert response.status_code == 302
        assert db.session.scalar(select(Registration)).status == "confirmed"
    finally:
        silent.close()


def test_failed_messages_can_be_sent_again_once_the_server_is_back(app, client, runner, make_event,
                                                                   smtp_server):
    inbox, url = smtp_server
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    app.config.update(MAIL_URL=f"smtp://127.0.0.1:{dead}", MAIL_BACKGROUND=False)
    event = make_event()
    client.post(f"/events/{event.slug}/register", data=form(event))
    app.config["MAIL_URL"] = url
    result = runner.invoke(args=["mail", "resend"])
    assert "sent 1, still failing 0" in result.output
    assert [e.rcpt_tos for e in inbox.messages] == [["anna.petrova@example.ru"]]


def test_a_long_cyrillic_subject_keeps_its_spaces(client, make_event, outbox):
    event = make_event(title="Работа муниципальных образований в социальных сетях: новая реальность")
    client.post(f"/events/{event.slug}/register", data=form(event))
    [message] = outbox()
    assert message["Subject"] == "Регистрация: Работа муниципальных образований в социальных сетях: новая реальность"
