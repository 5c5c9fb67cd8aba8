"""Organiser pages: creating and editing events, the registration list."""
from __future__ import annotations

from conftest import sign_in
from sqlalchemy import select

from seminar.events.models import Event
from seminar.extensions import db


def login(client, make_user, event=None, role="organiser"):
    sign_in(client, make_user(event=event, role=role))


def event_form(**overrides):
    data = {"title": "Форум-семинар в Зее", "slug": "zeya-2026", "description": "Описание", "city": "Зея",
            "venue": "ДК", "timezone": "Asia/Yakutsk", "starts_at": "2026-09-10T10:00",
            "ends_at": "2026-09-10T17:00", "capacity": "80", "municipality_quota": "4",
            "region": "", "status": "published"}
    data.update(overrides)
    return data


def test_organiser_creates_an_event_with_times_in_the_venue_zone(client, make_user):
    login(client, make_user)
    response = client.post("/manage/events/new", data=event_form())
    assert response.status_code == 302
    event = db.session.scalar(select(Event).where(Event.slug == "zeya-2026"))
    assert event.starts_at.isoformat() == "2026-09-10T01:00:00+00:00"  # 10:00 Asia/Yakutsk
    assert event.municipality_quota == 4 and event.capacity == 80
    assert client.get("/manage/events/zeya-2026/").status_code == 200  # the creator manages it


def test_event_form_refuses_end_before_start_and_a_taken_slug(client, make_user, make_event):
    make_event(slug="taken")
    login(client, make_user)
    html = client.post("/manage/events/new", data=event_form(slug="taken", ends_at="2026-09-10T09:00")
                       ).get_data(as_text=True)
    assert "Окончание должно быть позже начала." in html
    assert "Такой адрес уже занят другим мероприятием." in html
    assert 'value="Форум-семинар в Зее"' in html


def test_editing_shows_and_keeps_local_times(client, make_user, make_event):
    event = make_event()
    login(client, make_user, event)
    local = event.local(event.starts_at).strftime("%Y-%m-%dT%H:%M")
    html = client.get(f"/manage/events/{event.slug}/edit").get_data(as_text=True)
    assert local in html
    client.post(f"/manage/events/{event.slug}/edit", data=event_form(
        slug=event.slug, starts_at="2026-10-01T09:30", ends_at="2026-10-01T18:00", timezone="Europe/Moscow"))
    db.session.expire_all()
    assert event.starts_at.isoformat() == "2026-10-01T06:30:00+00:00"


def test_door_account_cannot_create_events(client, make_user):
    login(client, make_user, role="door")
    assert client.get("/manage/events/new").status_code == 403


def test_registration_list_exports_to_csv_with_bom_and_to_xlsx(client, make_user, make_event, make_registration):
    import io

    from openpyxl import load_workbook

    event = make_event()
    make_registration(event, last_name="Ёлкина", role="speaker")
    make_registration(event, last_name="=Формула", status="waitlisted")
    login(client, make_user, event)
    csv = client.get(f"/manage/events/{event.slug}/registrations.csv")
    assert csv.data.startswith("\ufeff".encode())
    text = csv.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Фамилия;Имя;Отчество")
    assert "Ёлкина" in text and "'=Формула" in text and "Лист ожидания" in text
    only_speakers = client.get(f"/manage/events/{event.slug}/registrations.xlsx?role=speaker")
    sheet = load_workbook(io.BytesIO(only_speakers.data)).active
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == ["Ёлкина"]
