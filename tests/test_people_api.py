"""The organiser's API: add and edit registrations, change an event's limits (PRODUCT.md)."""
from __future__ import annotations

from sqlalchemy import select

from seminar.audit.models import AuditEntry
from seminar.extensions import db


def person(municipality, **kw):
    body = {"last_name": "Петрова", "first_name": "Анна", "middle_name": "Сергеевна",
            "email": "petrova@example.ru", "phone": "+7 914 555-44-33",
            "municipality": municipality.id, "organization": "Газета «Амурская правда»",
            "position": "Корреспондент", "role": "press"}
    body.update(kw)
    return body


def actions():
    return [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_post_registration_applies_seat_rules_and_returns_the_object(client, make_event, make_user,
                                                                     api_headers, outbox):
    event = make_event(capacity=1)
    m = event.region.municipalities[0]
    user = make_user(event=event)
    url = f"/api/v1/events/{event.slug}/registrations"
    first = client.post(url, json=person(m), headers=api_headers(user))
    assert first.status_code == 201
    body = first.get_json()
    assert body["status"] == "confirmed" and body["role"] == "press"
    assert body["phone"] == "+79145554433" and body["municipality"] == m.name
    assert body["personal_url"].startswith("http")
    second = client.post(url, json=person(m, email="b@example.ru", role="guest"), headers=api_headers(user))
    assert second.status_code == 201 and second.get_json()["status"] == "waitlisted"
    assert len(outbox()) == 2
    assert actions() == ["registration.add", "registration.add"]


def test_post_registration_override_seats_above_capacity_and_is_logged(client, make_event, make_user,
                                                                       api_headers):
    event = make_event(capacity=1)
    m = event.region.municipalities[0]
    user = make_user(event=event)
    url = f"/api/v1/events/{event.slug}/registrations"
    client.post(url, json=person(m), headers=api_headers(user))
    extra = client.post(url, json=person(m, email="vip@example.ru", role="guest", override=True),
                        headers=api_headers(user))
    assert extra.get_json()["status"] == "confirmed"
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.detail["override"] is True and entry.registration_id == extra.get_json()["id"]


def test_post_registration_validates_like_the_form(client, make_event, make_user, api_headers):
    event = make_event()
    m = event.region.municipalities[0]
    user = make_user(event=event)
    url = f"/api/v1/events/{event.slug}/registrations"
    bad = client.post(url, json=person(m, email="not-an-address", last_name="R2D2"), headers=api_headers(user))
    assert bad.status_code == 400
    assert set(bad.get_json()["fields"]) == {"email", "last_name"}
    assert client.post(url, json=person(m, role="king"), headers=api_headers(user)).status_code == 400
    assert client.post(url, data="nope", headers=api_headers(user)).status_code == 400
    client.post(url, json=person(m), headers=api_headers(user))
    duplicate = client.post(url, json=person(m), headers=api_headers(user))
    assert duplicate.status_code == 409


def test_post_registration_needs_an_organiser(client, make_event, make_user, api_headers):
    event = make_event()
    door = make_user(email="door@example.ru", role="door", event=event)
    m = event.region.municipalities[0]
    url = f"/api/v1/events/{event.slug}/registrations"
    assert client.post(url, json=person(m), headers=api_headers(door)).status_code == 403
    assert client.post(url, json=person(m)).status_code == 401


def test_patch_registration_changes_fields_and_keeps_the_seat(client, make_event, make_registration,
                                                              make_user, api_headers):
    event = make_event(capacity=1)
    seated = make_registration(event, badge_printed_at=db.func.now())
    waiting = make_registration(event, status="waitlisted")
    user = make_user(event=event)
    url = f"/api/v1/events/{event.slug}/registrations/{seated.id}"
    answer = client.patch(url, json={"last_name": "Смирнова", "role": "speaker"}, headers=api_headers(user))
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["last_name"] == "Смирнова" and body["role"] == "speaker" and body["status"] == "confirmed"
    db.session.refresh(seated)
    db.session.refresh(waiting)
    assert seated.badge_printed_at is None  # the badge must be printed again
    assert waiting.status == "waitlisted"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "registration.edit")).one()
    assert entry.detail == {"fields": ["last_name", "role"]}


def test_patch_registration_refuses_a_duplicate_email(client, make_event, make_registration, make_user,
                                                     api_headers):
    event = make_event()
    one, two = make_registration(event), make_registration(event)
    user = make_user(event=event)
    answer = client.patch(f"/api/v1/events/{event.slug}/registrations/{two.id}",
                          json={"email": one.email.upper()}, headers=api_headers(user))
    assert answer.status_code == 409 and "e-mail" in answer.get_json()["message"]


def test_patch_status_cancels_and_seats_the_next_one(client, make_event, make_registration, make_user,
                                                     api_headers, outbox):
    event = make_event(capacity=1)
    seated = make_registration(event)
    waiting = make_registration(event, status="waitlisted")
    user = make_user(event=event)
    answer = client.patch(f"/api/v1/events/{event.slug}/registrations/{seated.id}",
                          json={"status": "cancelled"}, headers=api_headers(user))
    assert answer.get_json()["status"] == "cancelled"
    db.session.refresh(waiting)
    assert waiting.status == "confirmed"
    assert {m["To"] for m in outbox()} == {seated.email, waiting.email}


def test_patch_status_confirmed_of_a_cancelled_registration_is_refused(client, make_event, make_registration,
                                                                       make_user, api_headers):
    event = make_event()
    gone = make_registration(event, status="cancelled")
    user = make_user(event=event)
    answer = client.patch(f"/api/v1/events/{event.slug}/registrations/{gone.id}",
                          json={"status": "confirmed"}, headers=api_headers(user))
    assert answer.status_code == 409
    db.session.refresh(gone)
    assert gone.status == "cancelled"


def test_patch_status_confirmed_without_a_seat_needs_override(client, make_event, make_registration,
                                                             make_user, api_headers):
    event = make_event(capacity=1)
    make_registration(event)
    waiting = make_registration(event, status="waitlisted")
    user = make_user(event=event)
    url = f"/api/v1/events/{event.slug}/registrations/{waiting.id}"
    assert client.patch(url, json={"status": "confirmed"}, headers=api_headers(user)).status_code == 409
    forced = client.patch(url, json={"status": "confirmed", "override": True}, headers=api_headers(user))
    assert forced.status_code == 200 and forced.get_json()["status"] == "confirmed"


def test_patch_event_raising_capacity_seats_the_waitlist_in_order_skipping_full_municipalities(
        client, make_event, make_registration, make_municipality, make_user, api_headers, outbox):
    event = make_event(capacity=2, municipality_quota=1)
    a = event.region.municipalities[0]
    b = make_municipality(name="Зейский район")
    make_registration(event, municipality=a)
    make_registration(event, municipality=b)
    first = make_registration(event, municipality=a, status="waitlisted")
    second = make_registration(event, municipality=b, status="waitlisted")
    user = make_user(event=event)
    answer = client.patch(f"/api/v1/events/{event.slug}", json={"capacity": 10}, headers=api_headers(user))
    assert answer.status_code == 200 and answer.get_json()["capacity"] == 10
    assert answer.get_json()["promoted"] == []  # both municipalities are at their quota
    answer = client.patch(f"/api/v1/events/{event.slug}", json={"municipality_quota": 2},
                          headers=api_headers(user))
    assert answer.get_json()["promoted"] == [first.id, second.id]
    assert {m["To"] for m in outbox()} == {first.email, second.email}


def test_patch_event_lowering_capacity_unseats_nobody(client, make_event, make_registration, make_user,
                                                     api_headers):
    event = make_event(capacity=5)
    people = [make_registration(event) for _ in range(3)]
    user = make_user(event=event)
    body = client.patch(f"/api/v1/events/{event.slug}", json={"capacity": 1}, headers=api_headers(user)).get_json()
    assert body["capacity"] == 1 and body["over_capacity"] == 2
    for registration in people:
        db.session.refresh(registration)
        assert registration.status == "confirmed"


def test_patch_event_validates(client, make_event, make_user, api_headers):
    event = make_event()
    user = make_user(event=event)
    url = f"/api/v1/events/{event.slug}"
    assert client.patch(url, json={"capacity": -1}, headers=api_headers(user)).status_code == 400
    assert client.patch(url, json={"capacity": "many"}, headers=api_headers(user)).status_code == 400
    assert client.patch(url, json={"registration_opens": "tomorrow"}, headers=api_headers(user)).status_code == 400
    answer = client.patch(url, json={"registration_opens": "2030-01-02T09:00:00",
                                     "registration_closes": "2030-01-01T09:00:00"}, headers=api_headers(user))
    assert answer.status_code == 400
    ok = client.patch(url, json={"registration_closes": "2030-01-01T18:00:00", "capacity": None},
                      headers=api_headers(user))
    assert ok.status_code == 200
    assert ok.get_json()["registration_closes"] == "2030-01-01T09:00:00+00:00"  # 18:00 in Asia/Yakutsk
    assert ok.get_json()["capacity"] is None


def test_openapi_lists_the_organiser_endpoints(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "post" in doc["paths"]["/events/{slug}/registrations"]
    assert "get" in doc["paths"]["/events/{slug}/registrations"]
    assert "patch" in doc["paths"]["/events/{slug}/registrations/{id}"]
    assert "patch" in doc["paths"]["/events/{slug}"]


def test_post_registration_with_moderation_is_pending(client, make_event, make_user, api_headers):
    event = make_event(moderation=True)
    user = make_user(event=event)
    answer = client.post(f"/api/v1/events/{event.slug}/registrations",
                         json=person(event.region.municipalities[0]), headers=api_headers(user))
    assert answer.status_code == 201 and answer.get_json()["status"] == "pending"


def test_patch_registration_takes_a_municipality_by_name(client, make_event, make_registration,
                                                         make_municipality, make_user, api_headers):
    event = make_event()
    registration = make_registration(event)
    zeya = make_municipality(name="Зейский муниципальный округ")
    user = make_user(event=event)
    url = f"/api/v1/events/{event.slug}/registrations/{registration.id}"
    answer = client.patch(url, json={"municipality": "Зейский муниципальный округ"}, headers=api_headers(user))
    assert answer.status_code == 200 and answer.get_json()["municipality"] == zeya.name
    unknown = client.patch(url, json={"municipality": "Атлантида"}, headers=api_headers(user))
    assert unknown.status_code == 400 and "municipality" in unknown.get_json()["fields"]
