"""JSON API: registrations and stats with bearer tokens, and the OpenAPI document."""
from __future__ import annotations

from conftest import bearer


def test_registrations_need_a_token_and_the_right(client, make_event, make_user):
    event, other = make_event(), make_event()
    url = f"/api/v1/events/{event.slug}/registrations"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    stranger = make_user(email="other@example.ru", event=other)
    assert client.get(url, headers=bearer(stranger)).status_code == 403
    door = make_user(email="door@example.ru", role="door", event=event)
    assert client.get(url, headers=bearer(door)).status_code == 403
    assert client.get("/api/v1/events/nope/registrations", headers=bearer(door)).status_code == 404


def test_registrations_list_has_the_contract_fields_and_filters(client, make_event, make_registration, make_user):
    event = make_event()
    make_registration(event, last_name="Ёлкина", role="speaker")
    make_registration(event, last_name="Петров", status="waitlisted")
    make_registration(event, last_name="Сидоров")
    user = make_user(event=event)
    body = client.get(f"/api/v1/events/{event.slug}/registrations", headers=bearer(user)).get_json()
    assert body["total"] == 3
    item = body["items"][0]
    assert set(item) >= {"id", "last_name", "first_name", "middle_name", "full_name", "email", "phone",
                         "municipality", "organization", "position", "role", "status", "checked_in_at",
                         "badge_code", "personal_url"}
    assert "/r/" in item["personal_url"] and item["personal_url"].startswith("http")
    speakers = client.get(f"/api/v1/events/{event.slug}/registrations?role=speaker", headers=bearer(user)).get_json()
    assert [i["last_name"] for i in speakers["items"]] == ["Ёлкина"]
    waiting = client.get(f"/api/v1/events/{event.slug}/registrations?status=waitlisted",
                         headers=bearer(user)).get_json()
    assert [i["last_name"] for i in waiting["items"]] == ["Петров"]
    found = client.get(f"/api/v1/events/{event.slug}/registrations?q=елк", headers=bearer(user)).get_json()
    assert [i["last_name"] for i in found["items"]] == ["Ёлкина"]


def test_registrations_are_paginated(client, make_event, make_registration, make_user):
    event = make_event()
    for _ in range(5):
        make_registration(event)
    user = make_user(event=event)
    page = client.get(f"/api/v1/events/{event.slug}/registrations?per_page=2&page=3", headers=bearer(user)).get_json()
    assert (page["total"], page["pages"], len(page["items"])) == (5, 3, 1)


def test_stats_count_registered_confirmed_and_by_municipality(client, make_event, make_registration, make_user):
    event = make_event()
    make_registration(event)
    make_registration(event, status="pending")
    make_registration(event, status="cancelled")
    door = make_user(email="door@example.ru", role="door", event=event)
    stats = client.get(f"/api/v1/events/{event.slug}/stats", headers=bearer(door)).get_json()
    assert (stats["registered"], stats["confirmed"], stats["checked_in"]) == (2, 1, 0)
    [row] = stats["by_municipality"]
    assert row["registered"] == 2 and row["checked_in"] == 0 and row["municipality"]


def test_openapi_document_lists_the_contract_paths(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert "/events/{slug}/registrations" in doc["paths"]
    assert "/events/{slug}/stats" in doc["paths"]


def test_search_folds_cyrillic_case_and_yo_in_organisation_and_email(client, make_event, make_user,
                                                                   make_registration):
    event = make_event()
    user = make_user(event=event)
    make_registration(event, last_name="Петров", organization="Администрация города Благовещенска")
    make_registration(event, last_name="Сидоров", organization="Совет депутатов Свободного")
    url = f"/api/v1/events/{event.slug}/registrations"
    for q in ("БЛАГОВЕЩЕНСК", "благовещенск", "АДМИНИСТРАЦИЯ ГОРОДА"):
        found = client.get(url, query_string={"q": q}, headers=bearer(user)).get_json()["items"]
        assert [i["last_name"] for i in found] == ["Петров"], q
