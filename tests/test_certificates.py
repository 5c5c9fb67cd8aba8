"""Certificates of attendance: who gets one, the PDF, public verification, the organiser's tools."""
from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pdfplumber
import pytest
from conftest import decoded_qrs, pdf_text, sign_in
from conftest import mark_checked_in as check_in
from pypdf import PdfReader
from sqlalchemy import func, select

from seminar.certificates import services
from seminar.certificates.models import Certificate
from seminar.certificates.names import detect_gender
from seminar.certificates.pdf import CertificateData, format_dates, parts, render_certificates
from seminar.extensions import db
from seminar.registration.models import BADGE_ALPHABET

NOW = datetime.now(UTC)


@pytest.fixture
def past_event(make_event):
    return make_event(starts_at=NOW - timedelta(days=3, hours=8), ends_at=NOW - timedelta(days=3))


@pytest.fixture
def attendee(past_event, make_registration):
    registration = make_registration(past_event, last_name="Воробьёва", first_name="Алёна",
                                     middle_name="Фёдоровна")
    check_in(registration)
    return registration


# ---- who gets a certificate ----------------------------------------------------------------

def test_checked_in_person_gets_a_certificate_after_the_event(attendee):
    certificate = services.issue(attendee, NOW)
    assert certificate.registration_id == attendee.id


def test_no_certificate_before_the_event_has_ended(make_event, make_registration):
    event = make_event(starts_at=NOW - timedelta(hours=2), ends_at=NOW + timedelta(hours=1))
    registration = make_registration(event)
    check_in(registration)
    with pytest.raises(services.NoCertificate) as exc:
        services.issue(registration, NOW)
    assert exc.value.reason == services.NOT_OVER
    assert services.eligible(event, NOW) == []


def test_no_certificate_without_a_check_in(past_event, make_registration):
    registration = make_registration(past_event)
    with pytest.raises(services.NoCertificate) as exc:
        services.issue(registration, NOW)
    assert exc.value.reason == services.NOT_CHECKED_IN


def test_cancelled_registration_gets_no_certificate(attendee):
    attendee.status = "cancelled"
    db.session.commit()
    with pytest.raises(services.NoCertificate):
        services.issue(attendee, NOW)


def test_issuing_twice_gives_the_same_code(attendee):
    registration_id = attendee.id
    first = services.issue(attendee, NOW).code
    db.session.commit()
    db.session.expunge_all()
    again = services.issue(db.session.get(type(attendee), registration_id), NOW + timedelta(days=1)).code
    assert first == again
    assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_a_concurrent_insert_for_the_same_registration_is_ignored(attendee):
    services._insert_missing([attendee.id], NOW)
    services._insert_missing([attendee.id], NOW)  # the second writer of a race: no error, no row
    assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_code_is_long_opaque_and_not_the_badge_code(attendee):
    code = services.issue(attendee, NOW).code
    assert 26 <= len(code) <= 32 and set(code) <= set(BADGE_ALPHABET)  # 30**26 > 2**127
    assert code != attendee.badge_code


def test_bulk_issue_covers_everyone_checked_in_and_skips_the_revoked(past_event, make_registration):
    people = [make_registration(past_event) for _ in range(4)]
    for person in people[:3]:
        check_in(person)
    services.revoke(services.issue(people[0], NOW), NOW)
    issued = services.issue_all(past_event, NOW)
    assert sorted(c.registration_id for c in issued) == sorted(p.id for p in people[1:3])


def test_gender_for_the_verb_comes_from_the_patronymic_or_the_first_name():
    assert detect_gender("Евгения", "Петровна", "Кравец") == "female"
    assert detect_gender("Никита", "Ильич", "Белых") == "male"
    assert detect_gender("Иван") == "male"
    assert detect_gender("Саша", "", "Ким") is None


# ---- the PDF -------------------------------------------------------------------------------

DATA = CertificateData(
    code="7KQ2M9XHABCDEFGHJKMNPQRSTVWX", verify_url="http://seminar.test/verify/7KQ2M9XHABCDEFGHJKMNPQRSTVWX",
    full_name="Воробьёва Алёна Фёдоровна", name_line="Воробьёвой Алёне Фёдоровне", kind="participant",
    wording="за участие в мероприятии «Работа муниципальных образований в социальных сетях: новая реальность»",
    event_title="Работа муниципальных образований в социальных сетях: новая реальность",
    starts_on=date(2022, 8, 30), ends_on=date(2022, 8, 30), city="Белогорск",
    organiser="Ассоциация «Совет муниципальных образований Амурской области»", issued_on=date(2022, 8, 31))
LONG = replace(
    DATA, full_name="Константинопольская-Преображенская Александра-Валентина Вольдемаровна " * 3,
    name_line="Константинопольской-Преображенской Александре-Валентине Вольдемаровне " * 3,
    kind="speaker", event_title="Очень длинное название регионального форума-семинара " * 10,
    wording="за выступление с докладом «" + "Очень длинный доклад " * 20 + "»",
    organiser="Ассоциация муниципальных образований и Правительство области " * 8,
    city="Петропавловск-Камчатский")


def test_certificate_states_the_cyrillic_name_event_date_and_place():
    text = pdf_text(render_certificates([DATA]))
    for piece in ("СЕРТИФИКАТ", "Настоящий сертификат выдан", "Воробьёвой Алёне Фёдоровне",
                  "за участие в мероприятии", "новая реальность", "30 августа 2022 г., г. Белогорск",
                  "Ассоциация «Совет муниципальных образований Амурской области»"):
        assert piece in text


def test_speaker_certificate_says_so_under_the_heading():
    text = pdf_text(render_certificates([replace(DATA, kind="speaker")]))
    assert "СПИКЕРА" in text.replace(" ", "")


def test_qr_decodes_to_the_verification_url():
    assert decoded_qrs(render_certificates([DATA, LONG])) == [DATA.verify_url, LONG.verify_url]


def test_long_name_and_title_stay_inside_the_frame():
    content = parts().content
    pdf = render_certificates([LONG])
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        assert page.chars
        for c in page.chars:
            x0, x1, top, bottom = c["x0"], c["x1"], page.height - c["bottom"], page.height - c["top"]
            assert content.x - 0.5 <= x0 and x1 <= content.right + 0.5, c["text"]
            assert content.y - 0.5 <= top and bottom <= content.top + 0.5, c["text"]
    text = pdf_text(pdf)
    assert "Константинопольской" in text and "…" in text


def test_dates_of_several_days_read_naturally():
    assert format_dates(date(2022, 8, 29), date(2022, 8, 30)) == "29–30 августа 2022 г."
    assert format_dates(date(2022, 8, 31), date(2022, 9, 1)) == "31 августа – 1 сентября 2022 г."


# ---- web: personal link, verification, API -------------------------------------------------

def test_personal_page_offers_the_certificate_and_the_pdf_has_the_name(client, attendee):
    page = client.get(f"/r/{attendee.access_token}").get_data(as_text=True)
    assert "Скачать сертификат" in page
    response = client.get(f"/r/{attendee.access_token}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "Воробьёвой Алёне Фёдоровне" in pdf_text(response.data)
    code = db.session.scalar(select(Certificate.code))
    assert decoded_qrs(response.data) == [f"http://seminar.test/verify/{code}"]


def test_certificate_pdf_before_the_end_is_a_404_that_says_why(client, make_event, make_registration):
    event = make_event()
    registration = make_registration(event)
    page = client.get(f"/r/{registration.access_token}").get_data(as_text=True)
    assert "после окончания мероприятия" in page
    response = client.get(f"/r/{registration.access_token}/certificate.pdf")
    assert response.status_code == 404
    assert "Сертификат появится после окончания мероприятия" in response.get_data(as_text=True)


def test_not_checked_in_person_is_told_why_there_is_no_certificate(client, past_event, make_registration):
    registration = make_registration(past_event)
    assert "отметился на входе" in client.get(f"/r/{registration.access_token}").get_data(as_text=True)
    response = client.get(f"/r/{registration.access_token}/certificate.pdf")
    assert response.status_code == 404 and "отметился на входе" in response.get_data(as_text=True)


def test_verify_page_confirms_a_valid_certificate_without_contacts(client, attendee):
    code = services.issue(attendee, NOW).code
    db.session.commit()
    response = client.get(f"/verify/{code}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Сертификат действителен" in html and "Воробьёва Алёна Фёдоровна" in html
    assert attendee.email not in html and attendee.phone not in html


def test_verify_accepts_the_code_as_printed_in_groups(client, attendee):
    code = services.issue(attendee, NOW).code
    db.session.commit()
    spaced = " ".join(code[i:i + 4] for i in range(0, len(code), 4)).lower()
    assert client.get(f"/verify/{spaced}").status_code == 200


def test_verify_unknown_code_is_not_found(client):
    response = client.get("/verify/ABCDEFGHJKMNPQRSTVWXYZ2345678")
    assert response.status_code == 404 and "не найден" in response.get_data(as_text=True)


def test_revoked_certificate_is_reported_as_revoked(client, attendee):
    certificate = services.issue(attendee, NOW)
    services.revoke(certificate, NOW)
    db.session.commit()
    html = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Сертификат отозван" in html and "действителен</h1>" not in html
    assert client.get(f"/r/{attendee.access_token}/certificate.pdf").status_code == 404
    assert client.get(f"/api/v1/certificates/{certificate.code}").get_json()["valid"] is False


def test_api_check_needs_no_token_and_has_the_contract_shape(client, attendee):
    certificate = services.issue(attendee, NOW)
    db.session.commit()
    body = client.get(f"/api/v1/certificates/{certificate.code}").get_json()
    assert body["valid"] is True and body["full_name"] == "Воробьёва Алёна Фёдоровна"
    assert body["event"] == attendee.event.title
    assert datetime.fromisoformat(body["issued_at"]).tzinfo is not None
    missing = client.get("/api/v1/certificates/NOPE")
    assert missing.status_code == 404 and missing.get_json()["valid"] is False
    assert "/certificates/{code}" in client.get("/api/v1/openapi.json").get_json()["paths"]


# ---- organiser: page, bulk PDF, revoke; CLI; demo ------------------------------------------

def login(client, make_user, event):
    sign_in(client, make_user(email="org@example.ru", role="organiser", event=event))


def test_organiser_page_counts_eligible_people_and_downloads_all(client, make_user, past_event,
                                                                 make_registration):
    for i in range(3):
        person = make_registration(past_event)
        if i < 2:
            check_in(person)
    login(client, make_user, past_event)
    assert "Сертификаты" in client.get(f"/manage/events/{past_event.slug}/").get_data(as_text=True)
    html = client.get(f"/manage/events/{past_event.slug}/certificates").get_data(as_text=True)
    assert "<strong>2</strong>" in html and "Скачать все сертификаты" in html
    response = client.post(f"/manage/events/{past_event.slug}/certificates.pdf")
    assert response.status_code == 200 and len(PdfReader(io.BytesIO(response.data)).pages) == 2


def test_organiser_revokes_and_restores_a_certificate(client, make_user, attendee):
    login(client, make_user, attendee.event)
    url = f"/manage/events/{attendee.event.slug}/certificates/{attendee.id}"
    client.post(url + "/revoke")
    code = db.session.scalar(select(Certificate.code))
    assert "отозван" in client.get(f"/verify/{code}").get_data(as_text=True)
    client.post(url + "/restore")
    assert "Сертификат действителен" in client.get(f"/verify/{code}").get_data(as_text=True)


def test_cli_writes_one_page_per_checked_in_person(runner, tmp_path, past_event, make_registration):
    for _ in range(3):
        check_in(make_registration(past_event))
    out = tmp_path / "c.pdf"
    result = runner.invoke(args=["certificates", past_event.slug, "-o", str(out),
                                 "--base-url", "https://forum.example.ru"])
    assert result.exit_code == 0, result.output
    assert len(PdfReader(out).pages) == 3
    assert all(u.startswith("https://forum.example.ru/verify/") for u in decoded_qrs(out.read_bytes()))


def test_demo_forum_of_2022_has_100_people_with_certificates(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert "100 check-ins" in runner.invoke(args=["demo-arrivals"]).output
    from seminar.demo import SLUG
    from seminar.events.models import Event

    event = db.session.scalar(select(Event).where(Event.slug == SLUG))
    eligible = services.eligible(event, NOW)
    assert len(eligible) == 100
    assert any(r.role == "speaker" for r in eligible)
    assert len(services.issue_all(event, NOW)) == 100


def test_verify_page_and_personal_card_in_a_phone_browser(live_server, phone_page, desktop_page, tmp_path):
    import sqlite3

    from conftest import screenshot

    live_server.flask("certificates", "belogorsk-2022", "-o", str(tmp_path / "all.pdf"), "--allow-local",
                      "--base-url", live_server.url)
    with sqlite3.connect(live_server.instance / "seminar.sqlite3") as con:
        code, token = con.execute(
            "SELECT c.code, r.access_token FROM certificate c JOIN registration r ON r.id = c.registration_id "
            "ORDER BY r.role = 'speaker' DESC, r.id LIMIT 1").fetchone()
        absent = con.execute("SELECT access_token FROM registration WHERE id NOT IN "
                             "(SELECT registration_id FROM checkin) AND event_id = "
                             "(SELECT id FROM event WHERE slug = 'belogorsk-2022') LIMIT 1").fetchone()[0]
    phone_page.goto(f"{live_server.url}/verify/{code}")
    assert phone_page.locator("h1").inner_text() == "Сертификат действителен"
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone_page, "certificate-verify-phone")
    phone_page.goto(f"{live_server.url}/verify/NOSUCHCODE")
    assert "не найден" in phone_page.locator("h1").inner_text()
    screenshot(phone_page, "certificate-verify-unknown-phone")
    phone_page.goto(f"{live_server.url}/r/{token}")
    assert phone_page.get_by_text("Скачать сертификат (PDF)").is_visible()
    screenshot(phone_page, "certificate-personal-phone")
    phone_page.goto(f"{live_server.url}/r/{absent}/certificate.pdf")
    assert "отметился на входе" in phone_page.content()
    screenshot(phone_page, "certificate-absent-phone")
    desktop_page.goto(f"{live_server.url}/login")
    desktop_page.fill("[name=email]", "organiser@belogorsk-forum.ru")
    desktop_page.fill("[name=password]", live_server.passwords["organiser@belogorsk-forum.ru"])
    desktop_page.click("button[type=submit]")
    desktop_page.goto(f"{live_server.url}/manage/events/belogorsk-2022/certificates")
    assert "100" in desktop_page.locator(".cert-count").inner_text()
    screenshot(desktop_page, "certificate-manage-desktop")
    desktop_page.goto(f"{live_server.url}/verify/{code}")
    screenshot(desktop_page, "certificate-verify-desktop")
    phone_page.context.add_cookies(desktop_page.context.cookies())  # the organiser, on a phone
    phone_page.goto(f"{live_server.url}/manage/events/belogorsk-2022/certificates")
    wrap = "document.querySelector('.table-wrap')"
    assert phone_page.evaluate(f"{wrap}.scrollWidth <= {wrap}.clientWidth")  # rows are cards: no sideways scroll
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone_page.get_by_role("button", name="Отозвать").first.is_visible()
    screenshot(phone_page, "certificate-manage-phone")


def test_issuing_many_goes_in_chunks_below_the_database_parameter_limits(
        app, past_event, make_registration, monkeypatch):
    """A federal forum: 25,000 attendees once broke PostgreSQL's 65,535 parameters per statement."""
    from seminar.certificates import services as certificate_services

    monkeypatch.setattr(certificate_services, "INSERT_CHUNK", 7)  # the same path, with small chunks
    people = [make_registration(past_event) for _ in range(30)]
    for person in people:
        check_in(person)
    certificates = certificate_services.issue_all(past_event, NOW)
    assert sorted(c.registration_id for c in certificates) == sorted(p.id for p in people)
    assert len({c.code for c in certificates}) == 30


def test_cli_refuses_certificates_whose_qr_points_to_this_machine_unless_allowed(
        app, runner, tmp_path, past_event, make_registration):
    check_in(make_registration(past_event))
    out = tmp_path / "c.pdf"
    for base in (None, "http://localhost:5000", "http://127.0.0.1:8000", "https://[::1]"):
        extra = ["--base-url", base] if base else []
        refused = runner.invoke(args=["certificates", past_event.slug, "-o", str(out), *extra])
        assert refused.exit_code != 0 and "SEMINAR_PUBLIC_URL" in refused.output, base
        assert not out.exists()
    allowed = runner.invoke(args=["certificates", past_event.slug, "-o", str(out), "--allow-local"])
    assert allowed.exit_code == 0, allowed.output
    assert decoded_qrs(out.read_bytes())[0].startswith("http://127.0.0.1:5000/verify/")
    app.config["PUBLIC_URL"] = "https://forum.amurobl.ru"
    public = runner.invoke(args=["certificates", past_event.slug, "-o", str(out)])
    assert public.exit_code == 0, public.output
    assert decoded_qrs(out.read_bytes())[0].startswith("https://forum.amurobl.ru/verify/")
