"""Contacts between participants: a separate revocable consent, the directory, badge scans, the .vcf."""
from __future__ import annotations

import pytest
import vobject
from sqlalchemy import func, select

from seminar.contacts import services
from seminar.contacts.models import ContactConsent, ContactExchange
from seminar.extensions import db

UNAVAILABLE = {"status": "unavailable", "message": "Контакт недоступен"}


def opt_in(client, person, **fields):
    data = {"consent": "y", **{f"show_{k}": "y" for k, v in fields.items() if v}}
    return client.post(f"/r/{person.access_token}/contacts/consent", data=data)


def exchange(client, person, code):
    return client.post(f"/r/{person.access_token}/contacts/scan", json={"code": code})


@pytest.fixture
def forum(make_event, make_registration):
    event = make_event()
    anna = make_registration(event, last_name="Аннина", first_name="Анна", position="Глава", phone="+79140000001")
    boris = make_registration(event, last_name="Борисов", first_name="Борис", organization="Дума")
    return event, anna, boris


def test_consent_is_separate_stored_with_version_and_time_and_revocable(client, forum):
    _, anna, _ = forum
    assert services.consent_of(anna) is None  # registering gave no such consent
    assert opt_in(client, anna, position=True, email=True).status_code == 302
    consent = db.session.get(ContactConsent, anna.id)
    assert consent.consent_version == services.CONSENT_VERSION and consent.consented_at is not None
    assert (consent.show_position, consent.show_organization, consent.show_email, consent.show_phone) == (
        True, False, True, False)
    client.post(f"/r/{anna.access_token}/contacts/consent", data={})
    db.session.refresh(consent)
    assert consent.withdrawn_at is not None and not services.is_open(anna)


def test_directory_shows_only_the_fields_each_person_chose(client, forum, make_registration):
    event, anna, boris = forum
    make_registration(event, last_name="Закрытов")  # never opted in
    opt_in(client, anna, position=True, phone=True)
    opt_in(client, boris, organization=True)
    html = client.get(f"/r/{boris.access_token}/contacts").get_data(as_text=True)
    assert "Аннина Анна" in html and "Глава" in html and "+7 914 000-00-01" in html
    assert anna.email not in html and "Администрация" not in html  # not chosen
    assert "Закрытов" not in html
    html = client.get(f"/r/{anna.access_token}/contacts").get_data(as_text=True)
    assert "Дума" in html and "Специалист" not in html and boris.email not in html


def test_directory_is_only_for_participants_who_opted_in(client, forum):
    _, anna, boris = forum
    opt_in(client, anna, position=True)
    html = client.get(f"/r/{boris.access_token}/contacts").get_data(as_text=True)
    assert "Аннина" not in html and 'id="directory"' not in html
    assert client.get("/r/not-a-token/contacts").status_code == 404
    with pytest.raises(services.NotOptedIn):
        services.directory(boris)


def test_directory_is_searchable_by_name_and_municipality_and_paginated(
        client, forum, make_registration, make_municipality):
    event, anna, _ = forum
    opt_in(client, anna)
    far = make_municipality(name="Тындинский муниципальный округ")
    people = [make_registration(event, last_name=f"Пётров{i:02d}", municipality=far) for i in range(25)]
    for person in people:
        opt_in(client, person)
    first = services.directory(anna)
    assert (first.total, len(first.items), first.pages) == (25, 20, 2)  # not oneself, not Boris
    assert [c.last_name for c in services.directory(anna, q="петров0").items] == [f"Пётров0{i}" for i in range(10)]
    assert services.directory(anna, municipality_id=far.id).total == 25
    page2 = client.get(f"/r/{anna.access_token}/contacts?page=2&municipality={far.id}").get_data(as_text=True)
    assert "Пётров24" in page2 and "Пётров00" not in page2 and "Страница 2 из 2" in page2


def test_badge_scan_exchanges_contacts_when_both_opted_in(client, forum):
    _, anna, boris = forum
    opt_in(client, anna, position=True)
    opt_in(client, boris, organization=True)
    response = exchange(client, anna, boris.badge_code.lower())
    assert response.get_json()["status"] == "added"
    assert [c.last_name for c in services.my_contacts(anna)] == ["Борисов"]
    assert [c.last_name for c in services.my_contacts(boris)] == ["Аннина"]
    exchange(client, boris, anna.badge_code)  # scanning back adds nothing twice
    assert db.session.scalar(select(func.count()).select_from(ContactExchange)) == 2


def test_every_refused_scan_says_the_same_words(client, forum, make_event, make_registration):
    event, anna, boris = forum
    opt_in(client, anna)
    cancelled, waiting = make_registration(event), make_registration(event)
    elsewhere = make_registration(make_event())
    for person in (cancelled, waiting, elsewhere):
        opt_in(client, person)
    cancelled.status, waiting.status = "cancelled", "waitlisted"
    db.session.commit()
    answers = [exchange(client, anna, code) for code in (boris.badge_code, cancelled.badge_code,
               waiting.badge_code, elsewhere.badge_code, "NOSUCHCODE", anna.badge_code)]
    assert {(r.status_code, r.data) for r in answers} == {(404, answers[0].data)}
    assert answers[0].get_json() == UNAVAILABLE
    assert client.post(f"/r/{anna.access_token}/contacts/scan", data="x").get_json() == UNAVAILABLE
    assert services.my_contacts(anna) == []


def test_vcf_holds_the_chosen_fields_and_withdrawal_takes_effect_at_once(client, forum):
    _, anna, boris = forum
    opt_in(client, anna, position=True, phone=True)
    opt_in(client, boris, organization=True, email=True)
    exchange(client, anna, boris.badge_code)
    response = client.get(f"/r/{anna.access_token}/contacts.vcf")
    assert response.mimetype == "text/vcard"
    cards = list(vobject.readComponents(response.get_data(as_text=True)))
    assert [c.fn.value for c in cards] == ["Борисов Борис Петрович"]
    assert cards[0].email.value == boris.email and cards[0].org.value == ["Дума"]
    assert not hasattr(cards[0], "tel") and not hasattr(cards[0], "title")

    client.post(f"/r/{boris.access_token}/contacts/consent", data={})  # Boris withdraws
    assert list(vobject.readComponents(client.get(f"/r/{anna.access_token}/contacts.vcf").get_data(as_text=True))) == []
    assert "Борисов" not in client.get(f"/r/{anna.access_token}/contacts").get_data(as_text=True)
    assert client.get(f"/r/{boris.access_token}/contacts.vcf").status_code == 404


def test_forget_contacts_deletes_consent_and_exchanges_both_ways(client, forum):
    _, anna, boris = forum
    opt_in(client, anna)
    opt_in(client, boris)
    exchange(client, anna, boris.badge_code)
    services.forget_contacts(boris.id)
    db.session.commit()
    assert db.session.get(ContactConsent, boris.id) is None
    assert db.session.scalar(select(func.count()).select_from(ContactExchange)) == 0
    assert services.consent_of(anna) is not None


def test_deleting_a_registration_deletes_its_contacts(client, forum):
    _, anna, boris = forum
    opt_in(client, anna)
    opt_in(client, boris)
    exchange(client, anna, boris.badge_code)
    db.session.delete(boris)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ContactExchange)) == 0
    assert db.session.get(ContactConsent, boris.id) is None


def test_personal_page_links_to_contacts(client, forum):
    _, anna, _ = forum
    html = client.get(f"/r/{anna.access_token}").get_data(as_text=True)
    assert f"/r/{anna.access_token}/contacts" in html


def test_directory_and_scans_are_rate_limited_per_personal_link(app_config, make_event, make_registration):
    from seminar import create_app

    event = make_event()
    anna, boris = make_registration(event), make_registration(event)
    limited = create_app({**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_CONTACTS": "3 per minute"})
    with limited.app_context():
        client = limited.test_client()
        codes = [client.get(f"/r/{anna.access_token}/contacts").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert exchange(client, anna, boris.badge_code).status_code == 429  # scans count too
        assert client.get(f"/r/{boris.access_token}/contacts").status_code == 200
        db.session.remove()


def test_directory_finds_people_by_first_name_too(client, forum):
    _, anna, boris = forum
    opt_in(client, anna)
    opt_in(client, boris)
    assert [c.last_name for c in services.directory(anna, q="борис").items] == ["Борисов"]
    assert [c.last_name for c in services.directory(anna, q="рисов").items] == ["Борисов"]
    assert services.directory(anna, q="100%_").items == []


# ------------------------------------------------------------------ browser: on a phone

def live_people(live_server, n: int) -> list[tuple[int, str, str, str]]:
    """(id, access token, badge code, last name) of confirmed demo participants."""
    import sqlite3

    with sqlite3.connect(live_server.instance / "seminar.sqlite3") as con:
        return con.execute("SELECT id, access_token, badge_code, last_name FROM registration "
                           "WHERE status = 'confirmed' AND role = 'participant' ORDER BY id LIMIT ?", (n,)).fetchall()


def opt_in_on_phone(page, live_server, token: str, *fields: str):
    page.goto(f"{live_server.url}/r/{token}/contacts")
    page.check("#consent")
    for name in fields:
        page.check(f"#show_{name}")
    page.click("#contacts-consent button[type=submit]")
    page.wait_for_selector("#directory")


@pytest.mark.browser
def test_phone_directory_search_and_badge_scan_exchange(live_server, browser, tmp_path):
    import qrcode
    from conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, screenshot
    from test_door_page import write_y4m

    (_, anna, _, _), (_, boris, boris_code, boris_name), (_, _, closed_code, _) = live_people(live_server, 3)
    qrcode.make(boris_code, border=4).save(tmp_path / "badge.png")
    write_y4m(tmp_path / "badge.png", tmp_path / "badge.y4m")
    args = CHROMIUM_ARGS + ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                            f"--use-file-for-fake-video-capture={tmp_path / 'badge.y4m'}"]
    camera_browser = browser.browser_type.launch(executable_path=CHROMIUM, args=args)
    try:
        page = camera_browser.new_context(**PHONE).new_page()
        opt_in_on_phone(page, live_server, boris, "organization", "email")
        opt_in_on_phone(page, live_server, anna, "position", "phone")
        directory = page.locator("#directory-list")
        assert boris_name in directory.inner_text()
        page.fill("#q", boris_name[:4].lower())
        page.click(".contacts-search button")
        page.wait_for_url("**q=*")
        assert [boris_name in t for t in page.locator("#directory-list li").all_inner_texts()] == [True]
        screenshot(page, "contacts-directory-phone")

        page.click("#contacts-camera-toggle")   # the camera sees Boris's badge
        page.wait_for_selector("#contacts-result[data-status=added]", timeout=15000)
        assert boris_name in page.locator("#contacts-result").inner_text()
        page.wait_for_selector(f"#my-contacts li:has-text('{boris_name}')", timeout=10000)
        assert page.locator("#my-contacts a[href$='contacts.vcf']").is_visible()
        screenshot(page, "contacts-exchanged-phone")

        page.evaluate(f"window.contactsPage.onCode({closed_code!r})")  # a badge of someone not opted in
        page.wait_for_selector("#contacts-result[data-status=unavailable]")
        assert page.locator("#contacts-result").inner_text() == "Контакт недоступен"
        screenshot(page, "contacts-unavailable-phone")
    finally:
        camera_browser.close()
    import sqlite3

    with sqlite3.connect(live_server.instance / "seminar.sqlite3") as con:
        assert con.execute("SELECT count(*) FROM contact_exchange").fetchone() == (2,)  # each has the other


def test_contacts_are_in_download_my_data_and_erased_with_the_person(app, make_event, make_registration):
    from datetime import UTC, datetime

    from seminar.contacts import services as contacts
    from seminar.contacts.services import ContactFields
    from seminar.privacy.export import personal_data

    event = make_event()
    person = make_registration(event)
    contacts.opt_in(person, ContactFields(position=True, organization=False, email=True, phone=False),
                    now=datetime.now(UTC))
    db.session.commit()
    exported = personal_data(person, datetime.now(UTC))["contacts"]
    assert exported["consent"]["fields"] == {"position": True, "organization": False, "email": True,
                                             "phone": False}
    assert contacts.erase([person.id]) == 1
    db.session.commit()
    assert contacts.consent_of(person) is None
