"""/r/<token>/edit: the participant fixes their own details without losing the seat."""
from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from conftest import plain_text
from pypdf import PdfReader
from sqlalchemy import select

from seminar.audit.models import AuditEntry
from seminar.badges.services import badges_to_print
from seminar.certificates.models import Certificate
from seminar.checkin.models import CheckIn
from seminar.extensions import db


def form_of(registration, **kw):
    data = {"last_name": registration.last_name, "first_name": registration.first_name,
            "middle_name": registration.middle_name, "email": registration.email,
            "phone": registration.phone, "municipality": str(registration.municipality_id),
            "organization": registration.organization, "position": registration.position}
    data.update(kw)
    return data


def test_fixing_a_typo_keeps_the_seat_and_marks_the_badge_for_reprint(client, make_event, make_registration):
    event = make_event(capacity=1)
    registration = make_registration(event, last_name="Иваонв", badge_printed_at=datetime.now(UTC))
    waiting = make_registration(event, status="waitlisted")
    page = client.get(f"/r/{registration.access_token}/edit")
    assert page.status_code == 200 and 'name="consent"' not in page.text
    answer = client.post(f"/r/{registration.access_token}/edit", data=form_of(registration, last_name="Иванов"))
    assert answer.status_code == 302
    db.session.refresh(registration)
    db.session.refresh(waiting)
    assert registration.last_name == "Иванов" and registration.status == "confirmed"
    assert waiting.status == "waitlisted"
    assert registration in badges_to_print(event, not_printed=True)
    entry = db.session.scalars(select(AuditEntry)).one()
    assert entry.actor == "participant" and entry.detail == {"fields": ["last_name"]}


def test_the_edit_page_validates_like_the_form(client, make_event, make_registration):
    registration = make_registration(make_event())
    answer = client.post(f"/r/{registration.access_token}/edit",
                         data=form_of(registration, first_name="", phone="12", email="nope"))
    assert answer.status_code == 200
    assert "Заполните это поле." in answer.text and "Проверьте номер" in answer.text
    assert "Проверьте адрес" in answer.text
    db.session.refresh(registration)
    assert registration.first_name == "Иван"


def test_a_new_email_counts_only_after_its_link_is_opened(client, make_event, make_registration, outbox):
    registration = make_registration(make_event())
    old = registration.email
    client.post(f"/r/{registration.access_token}/edit", data=form_of(registration, email="New@Example.ru"))
    db.session.refresh(registration)
    assert registration.email == old
    [letter] = outbox()
    assert letter["To"] == "new@example.ru"
    link = re.search(r"http\S+/email/\S+", plain_text(letter)).group(0)
    path = link.split("seminar.test", 1)[1]
    assert client.get(path).status_code == 302
    db.session.refresh(registration)
    assert registration.email == "new@example.ru"
    client.get(path)  # a second click changes nothing and fails gracefully
    assert registration.email == "new@example.ru"


def test_an_email_taken_in_the_event_is_refused(client, make_event, make_registration):
    event = make_event()
    one, two = make_registration(event), make_registration(event)
    answer = client.post(f"/r/{two.access_token}/edit", data=form_of(two, email=one.email))
    assert answer.status_code == 200 and "уже зарегистрирован" in answer.text


def test_a_forged_email_link_is_refused(client, make_event, make_registration):
    registration = make_registration(make_event())
    answer = client.get(f"/r/{registration.access_token}/email/forged.token", follow_redirects=True)
    assert "Ссылка устарела" in answer.text
    db.session.refresh(registration)
    assert registration.email.startswith("person")


def test_a_cancelled_registration_cannot_be_edited(client, make_event, make_registration):
    registration = make_registration(make_event(), status="cancelled")
    answer = client.post(f"/r/{registration.access_token}/edit", data=form_of(registration, last_name="Новый"))
    assert answer.status_code == 302
    db.session.refresh(registration)
    assert registration.last_name != "Новый"


def test_an_issued_certificate_shows_the_new_name_and_keeps_its_code(client, make_event, make_registration):
    now = datetime.now(UTC)
    event = make_event(starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=2) + timedelta(hours=8))
    registration = make_registration(event, last_name="Смирнва")
    db.session.add(CheckIn(event_id=event.id, registration_id=registration.id, checked_in_at=event.starts_at,
                           device="door-1"))
    db.session.commit()
    before = client.get(f"/r/{registration.access_token}/certificate.pdf")
    assert before.status_code == 200
    code = db.session.scalar(select(Certificate.code))
    client.post(f"/r/{registration.access_token}/edit", data=form_of(registration, last_name="Смирнова"))
    after = client.get(f"/r/{registration.access_token}/certificate.pdf")
    text_before = PdfReader(io.BytesIO(before.data)).pages[0].extract_text()
    text_after = PdfReader(io.BytesIO(after.data)).pages[0].extract_text()
    # The name is printed in the dative ("Смирнве"/"Смирнове"): compare the stems.
    assert "Смирнв" in text_before and "Смирнов" in text_after and "Смирнв" not in text_after
    assert db.session.scalars(select(Certificate.code)).all() == [code]


def test_the_edit_page_carries_the_organisers_questions_and_keeps_a_limited_seat(
        client, make_event, make_registration, make_question):
    from seminar.questions.services import answers_of

    event = make_event()
    practicum = make_question(event, "choice", "Практикум", choices=["да", "нет"], limits={"да": 1})
    transfer = make_question(event, "yesno", "Нужен трансфер?")
    person = make_registration(event)
    other = make_registration(event)
    page = client.get(f"/r/{person.access_token}/edit").get_data(as_text=True)
    assert f'name="q_{practicum.id}"' in page and f'name="q_{transfer.id}"' in page
    # The one seat of the practicum: taken by the first, kept when they fix a typo, refused to the other.
    saved = client.post(f"/r/{person.access_token}/edit",
                        data=form_of(person, **{f"q_{practicum.id}": "да", f"q_{transfer.id}": "yes"}))
    assert saved.status_code == 302
    assert answers_of(person)[practicum.id] == ["да"] and answers_of(person)[transfer.id] == ["yes"]
    again = client.post(f"/r/{person.access_token}/edit",
                        data=form_of(person, last_name="Исправленный", **{f"q_{practicum.id}": "да"}))
    assert again.status_code == 302 and answers_of(person)[practicum.id] == ["да"]
    refused = client.post(f"/r/{other.access_token}/edit", data=form_of(other, **{f"q_{practicum.id}": "да"}))
    assert refused.status_code == 200 and "Мест на" in refused.get_data(as_text=True)
    assert practicum.id not in answers_of(other)
