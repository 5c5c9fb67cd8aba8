"""The speaker programme: conflict rules, editor, public pages, JSON, iCalendar, PDF, speakers' schedule."""
from __future__ import annotations

import os
import re
import time as systime
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import sign_in
from icalendar import Calendar

import seminar.models  # noqa: F401  (all models, before create_app)
from seminar.extensions import db
from seminar.programme.models import Room, Session
from seminar.programme.queries import programme_data
from seminar.programme.services import (
    ProgrammeError,
    RoomInUse,
    SessionInput,
    add_speaker,
    create_session,
    delete_room,
    save_room,
    update_session,
)

YAKUTSK = ZoneInfo("Asia/Yakutsk")
DAY = date(2030, 8, 30)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=YAKUTSK)


@pytest.fixture
def event(make_event):
    return make_event(slug="belogorsk", starts_at=at(10), ends_at=at(17, 30))


@pytest.fixture
def ctx(app):
    """Messages are translated, which needs a request."""
    with app.test_request_context():
        yield


@pytest.fixture
def rooms(event, ctx):
    big = save_room(event, None, "Большой зал", 120, 0)
    small = save_room(event, None, "Малый зал", 40, 1)
    db.session.commit()
    return big, small


def add(event, title, start, end, room=None, kind="talk", speakers=()):
    session = create_session(event, SessionInput(title=title, kind=kind, room_id=room.id if room else None,
                                                 starts_at=start, ends_at=end), list(speakers))
    db.session.commit()
    return session


def edit(session, **changes):
    values = dict(title=session.title, kind=session.kind, room_id=session.room_id,
                  starts_at=session.starts_at, ends_at=session.ends_at)
    values.update(changes)
    return update_session(session, SessionInput(**values))


# ---------------------------------------------------------------- conflict rules

def test_session_must_end_after_it_starts(event, rooms):
    with pytest.raises(ProgrammeError, match="Окончание должно быть позже начала"):
        add(event, "Доклад", at(11), at(11), rooms[0])


def test_session_must_lie_inside_the_event(event, rooms):
    with pytest.raises(ProgrammeError, match="во время мероприятия") as err:
        add(event, "Регистрация", at(9), at(10, 30), kind="registration")
    assert "10:00" in err.value.message and "17:30" in err.value.message
    with pytest.raises(ProgrammeError):
        add(event, "Фуршет", at(17), at(18), rooms[0])


def test_speaker_cannot_be_in_two_overlapping_sessions(event, rooms, make_registration):
    speaker = make_registration(event, last_name="Морозова", first_name="Ирина", middle_name="Сергеевна")
    add(event, "Госпаблики", at(11), at(11, 40), rooms[0], speakers=[speaker])
    with pytest.raises(ProgrammeError) as err:
        add(event, "Брендинг территорий", at(11, 30), at(12), rooms[1], speakers=[speaker])
    assert "Морозова И. С." in err.value.message and "«Госпаблики»" in err.value.message
    with pytest.raises(ProgrammeError, match="«Госпаблики»"):
        add_speaker(add(event, "Практикум", at(11, 20), at(12), None), speaker)


def test_room_cannot_hold_two_overlapping_sessions(event, rooms):
    add(event, "Правовое поле", at(11), at(11, 40), rooms[1])
    with pytest.raises(ProgrammeError) as err:
        add(event, "Информационная безопасность", at(11, 30), at(12, 10), rooms[1])
    assert "Малый зал" in err.value.message and "«Правовое поле» (11:00–11:40" in err.value.message
    # the other room at the same time, and the same room right after, are fine
    add(event, "Информационная повестка", at(11), at(11, 40), rooms[0])
    add(event, "Информационная безопасность", at(11, 40), at(12, 20), rooms[1])


def test_break_without_a_room_takes_every_room(event, rooms):
    add(event, "Кофе-брейк", at(12, 20), at(12, 40), kind="break")
    with pytest.raises(ProgrammeError, match="«Кофе-брейк».*все залы"):
        add(event, "Практикум", at(12, 30), at(13), rooms[1], kind="workshop")
    add(event, "Практикум", at(12, 40), at(13), rooms[1], kind="workshop")
    with pytest.raises(ProgrammeError, match="«Практикум»"):
        add(event, "Обед", at(12, 50), at(13, 30), kind="break")


def test_break_given_a_room_only_takes_that_room(event, rooms):
    add(event, "Кофе-брейк в фойе", at(12, 20), at(12, 40), rooms[0], kind="break")
    add(event, "Практикум", at(12, 20), at(12, 40), rooms[1], kind="workshop")


def test_cancelled_registration_cannot_be_a_speaker(event, rooms, make_registration):
    gone = make_registration(event, last_name="Кузнецов", status="cancelled")
    session = add(event, "Доклад", at(11), at(11, 30), rooms[0])
    with pytest.raises(ProgrammeError, match="Кузнецов И. П. отменил"):
        add_speaker(session, gone)
    with pytest.raises(ProgrammeError, match="отменил"):
        add(event, "Другой доклад", at(12), at(12, 30), rooms[0], speakers=[gone])


def test_linking_a_registration_makes_it_a_speaker(event, rooms, make_registration):
    person = make_registration(event)
    add_speaker(add(event, "Доклад", at(11), at(11, 30), rooms[0]), person)
    assert person.role == "speaker"


def test_deleting_a_room_in_use_is_refused_and_lists_its_sessions(event, rooms, client, make_user):
    add(event, "Правовое поле", at(11), at(11, 40), rooms[1])
    add(event, "Практикум", at(14), at(15), rooms[1])
    with pytest.raises(RoomInUse) as err:
        delete_room(rooms[1])
    assert "«Правовое поле»" in err.value.message and "«Практикум»" in err.value.message
    sign_in(client, make_user(event=event))
    page = client.post(f"/manage/events/{event.slug}/programme/rooms/{rooms[1].id}/delete",
                       follow_redirects=True).get_data(as_text=True)
    assert "нельзя удалить" in page and "Правовое поле" in page
    assert db.session.get(Room, rooms[1].id) is not None
    client.post(f"/manage/events/{event.slug}/programme/rooms/{rooms[0].id}/delete")
    assert db.session.get(Room, rooms[0].id) is None


# ---------------------------------------------------------------- organiser editor

def test_editor_needs_an_organiser_of_the_event(event, client, make_user, make_event):
    url = f"/manage/events/{event.slug}/programme"
    assert client.get(url).status_code == 302
    sign_in(client, make_user("door@example.ru", role="door", event=event))
    assert client.get(url).status_code == 403
    client.post("/logout")
    sign_in(client, make_user(event=event))
    assert client.get(url).status_code == 200
    assert f'href="{url}"' in client.get(f"/manage/events/{event.slug}/").get_data(as_text=True)


def test_editor_creates_a_session_in_event_time_and_keeps_input_on_collision(event, rooms, client, make_user):
    sign_in(client, make_user(event=event))
    form = {"title": "Брендинг территорий", "kind": "talk", "room": str(rooms[0].id), "day": "2030-08-30",
            "starts": "10:00", "ends": "10:40", "track": "", "description": "", "position": "0"}
    response = client.post(f"/manage/events/{event.slug}/programme/sessions/new", data=form)
    assert response.status_code == 302
    session = db.session.scalar(db.select(Session))
    assert session.starts_at == datetime(2030, 8, 30, 1, 0, tzinfo=UTC)
    page = client.post(f"/manage/events/{event.slug}/programme/sessions/new",
                       data={**form, "title": "Госпаблики", "starts": "10:20", "ends": "11:00"}).get_data(as_text=True)
    assert "Зал «Большой зал» в это время занят" in page and "Брендинг территорий" in page
    assert 'value="Госпаблики"' in page and 'value="10:20"' in page


def test_times_are_entered_in_the_event_zone_whatever_the_server_zone(event, rooms, client, make_user):
    old = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    systime.tzset()
    try:
        sign_in(client, make_user(event=event))
        client.post(f"/manage/events/{event.slug}/programme/sessions/new", data={
            "title": "Открытие", "kind": "plenary", "room": "", "day": "2030-08-30",
            "starts": "10:00", "ends": "10:30", "position": "0"})
        session = db.session.scalar(db.select(Session))
        assert session.starts_at.astimezone(UTC).hour == 1
        page = client.get(f"/manage/events/{event.slug}/programme/sessions/{session.id}").get_data(as_text=True)
        assert 'value="10:00"' in page
        assert "10:00–10:30" in client.get(f"/events/{event.slug}/programme").get_data(as_text=True)
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        systime.tzset()


def test_speaker_gets_an_email_saying_what_changed(event, rooms, client, make_user, make_registration, outbox):
    speaker = make_registration(event, last_name="Морозова", email="morozova@example.ru")
    other = make_registration(event, last_name="Павлов", email="pavlov@example.ru")
    session = add(event, "Госпаблики", at(11), at(11, 40), rooms[0], speakers=[speaker])
    sign_in(client, make_user(event=event))
    client.post(f"/manage/events/{event.slug}/programme/sessions/{session.id}", data={
        "title": "Госпаблики", "kind": "talk", "room": str(rooms[1].id), "day": "2030-08-30",
        "starts": "12:00", "ends": "12:40", "position": "0"})
    mails = outbox()
    assert [m["To"] for m in mails] == ["morozova@example.ru"]
    body = mails[0].get_body(preferencelist=("plain",)).get_content()
    assert "Госпаблики" in mails[0]["Subject"]
    assert "11:00–11:40" in body and "12:00–12:40" in body
    assert "«Большой зал»" in body and "«Малый зал»" in body
    assert other.email not in str(mails)


# ---------------------------------------------------------------- iCalendar

def _events(ics: bytes) -> dict:
    cal = Calendar.from_ical(ics)
    return {str(e["summary"]): e for e in cal.walk("VEVENT")}


def test_programme_ics_parses_and_10_yakutsk_is_01_utc(event, rooms, client):
    add(event, "Открытие", at(10), at(10, 30), kind="plenary")
    page = client.get(f"/events/{event.slug}/programme").get_data(as_text=True)
    assert "10:00–10:30" in page
    response = client.get(f"/events/{event.slug}/programme.ics")
    assert response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    assert [tz["tzid"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Yakutsk"]
    opening = _events(response.data)["Открытие"]
    start = opening.decoded("dtstart")
    assert start.astimezone(UTC) == datetime(2030, 8, 30, 1, 0, tzinfo=UTC)
    assert opening["dtstart"].params["TZID"] == "Asia/Yakutsk"
    assert "DTSTAMP" in opening
    assert "Дом культуры" in str(opening["location"])


def test_ics_uid_stays_and_sequence_rises_after_an_edit(event, rooms, client):
    session = add(event, "Госпаблики", at(11), at(11, 40), rooms[0])
    before = _events(client.get(f"/events/{event.slug}/programme.ics").data)["Госпаблики"]
    edit(session, starts_at=at(12), ends_at=at(12, 40))
    db.session.commit()
    after = _events(client.get(f"/events/{event.slug}/programme.ics").data)["Госпаблики"]
    assert str(before["uid"]) == str(after["uid"]) == f"session-{session.id}@{event.slug}.seminar"
    assert int(after["sequence"]) > int(before["sequence"])
    assert str(after["location"]).startswith("Большой зал")


# ---------------------------------------------------------------- public pages

def test_programme_json_has_the_documented_shape(event, rooms, client, make_registration):
    speaker = make_registration(event, last_name="Морозова", public_name="Ирина Морозова",
                                position="Руководитель ЦУР")
    add(event, "Регистрация", at(10), at(10, 30), kind="registration")
    add(event, "Госпаблики", at(11), at(11, 40), rooms[0], speakers=[speaker])
    data = client.get(f"/events/{event.slug}/programme.json").get_json()
    assert data["event"]["timezone"] == "Asia/Yakutsk"
    assert [r["name"] for r in data["rooms"]] == ["Большой зал", "Малый зал"]
    first, talk = data["sessions"]
    assert first["all_rooms"] is True and first["room"] is None and first["kind"] == "registration"
    assert talk["starts_at"] == "2030-08-30T11:00:00+09:00"
    assert talk["room"]["name"] == "Большой зал"
    assert talk["speakers"] == [{"id": speaker.id, "name": "Ирина Морозова", "position": "Руководитель ЦУР",
                                 "organization": "Администрация"}]
    assert talk["url"].endswith(f"/events/{event.slug}/programme#session-{talk['id']}")
    assert "email" not in str(data)
    schema = client.get("/api/v1/openapi.json").get_json()
    assert "/events/{slug}/programme.json" in schema["paths"]


def test_html_in_titles_and_descriptions_is_escaped(event, rooms, client, make_registration):
    speaker = make_registration(event, public_name="<b>Спикер</b>")
    session = add(event, "<script>alert(1)</script>", at(11), at(11, 40), rooms[0], speakers=[speaker])
    session.description = '<img src=x onerror="alert(2)">'
    db.session.commit()
    for url in (f"/events/{event.slug}/programme", f"/events/{event.slug}/speakers"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in page and "<b>Спикер" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in client.get(f"/events/{event.slug}/programme").get_data(as_text=True)


def test_speakers_page_lists_speakers_with_their_sessions(event, rooms, client, make_registration):
    speaker = make_registration(event, public_name="Ирина Морозова", bio="Руководит ЦУР.")
    add(event, "Госпаблики", at(11), at(11, 40), rooms[0], speakers=[speaker])
    page = client.get(f"/events/{event.slug}/speakers").get_data(as_text=True)
    assert f'id="speaker-{speaker.id}"' in page and "Ирина Морозова" in page and "Руководит ЦУР." in page
    assert "Госпаблики" in page and "11:00–11:40" in page


def test_current_and_next_sessions_are_marked_in_the_event_time_zone(event, rooms, ctx):
    opening = add(event, "Открытие", at(10), at(10, 30), kind="plenary")
    talk = add(event, "Госпаблики", at(10, 30), at(11, 10), rooms[0])
    law = add(event, "Правовое поле", at(10, 30), at(11, 10), rooms[1])
    data = programme_data(event, now=at(10, 15).astimezone(UTC))
    assert data.current_ids == {opening.id} and data.next_ids == {talk.id, law.id}
    assert programme_data(event, now=at(9)).next_ids == {opening.id}
    after = programme_data(event, now=at(12))
    assert not after.current_ids and not after.next_ids
    # 29.08 20:00 UTC is already 30.08 05:00 at the venue: the day of the programme
    assert programme_data(event, now=datetime(2030, 8, 29, 20, 0, tzinfo=UTC)).next_ids == {opening.id}
    # 29.08 14:00 UTC is 29.08 23:00 at the venue: nothing is marked
    assert programme_data(event, now=datetime(2030, 8, 29, 14, 0, tzinfo=UTC)).next_ids == set()


def test_each_session_has_an_anchor(event, rooms, client):
    session = add(event, "Госпаблики", at(11), at(11, 40), rooms[0])
    page = client.get(f"/events/{event.slug}/programme").get_data(as_text=True)
    assert f'id="session-{session.id}"' in page and f'href="#session-{session.id}"' in page


# ---------------------------------------------------------------- speaker's own schedule

def test_speaker_personal_page_shows_own_sessions_and_not_others(event, rooms, client, make_registration):
    me = make_registration(event, last_name="Морозова", public_name="Ирина Морозова")
    colleague = make_registration(event, last_name="Павлов", public_name="Роман Павлов")
    add(event, "Госпаблики", at(11), at(11, 40), rooms[0], speakers=[me, colleague])
    add(event, "Правовое поле", at(12), at(12, 40), rooms[1], speakers=[colleague])
    page = client.get(f"/r/{me.access_token}").get_data(as_text=True)
    assert "Ваши выступления" in page and "Госпаблики" in page and "Большой зал" in page
    assert "11:00–11:40" in page and "Роман Павлов" in page
    assert "Правовое поле" not in page
    assert f"/r/{me.access_token}/schedule.ics" in page
    mine = _events(client.get(f"/r/{me.access_token}/schedule.ics").data)
    assert list(mine) == ["Госпаблики"]
    assert "Ваши выступления" not in client.get(
        f"/r/{make_registration(event).access_token}").get_data(as_text=True)


# ---------------------------------------------------------------- PDF and demo

def test_programme_pdf_is_a4_with_embedded_cyrillic_fonts(event, rooms, client, make_registration):
    add(event, "Обратная связь с жителями", at(11), at(11, 40), rooms[0],
        speakers=[make_registration(event, public_name="Софья Мороз")])
    response = client.get(f"/events/{event.slug}/programme.pdf")
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    from io import BytesIO

    from pypdf import PdfReader
    reader = PdfReader(BytesIO(response.data))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = reader.pages[0].extract_text()
    assert "Обратная связь с жителями" in text and "Софья Мороз" in text and "11:00–11:40" in text
    assert b"FontFile2" in response.data


def test_demo_has_a_programme_with_speakers_and_parallel_rooms(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["demo"]).exit_code == 0
    from seminar.events.models import Event
    event = db.session.scalar(db.select(Event).where(Event.slug == "belogorsk-2022"))
    sessions = db.session.scalars(db.select(Session).where(Session.event_id == event.id)).all()
    assert len(sessions) >= 6
    assert all(event.starts_at <= s.starts_at < s.ends_at <= event.ends_at for s in sessions)
    speakers = {r.id for s in sessions for r in s.speakers}
    assert len(speakers) >= 3
    assert all(r.role == "speaker" and r.public_name and r.bio for s in sessions for r in s.speakers)
    in_rooms = [s for s in sessions if s.room_id]
    assert any(a.room_id != b.room_id and a.starts_at < b.ends_at and b.starts_at < a.ends_at
               for a in in_rooms for b in in_rooms)
    from seminar.registration.models import Registration
    assert db.session.scalar(db.select(db.func.count()).select_from(Registration)
                             .where(Registration.event_id == event.id)) == 120


@pytest.mark.browser
def test_programme_in_a_browser_at_phone_and_desktop_size(live_server, phone_page, desktop_page):
    from conftest import screenshot

    url = live_server.url + "/events/belogorsk-2022/programme"
    phone_page.goto(url)
    assert phone_page.locator(".grid-head").first.is_hidden()
    first, second = phone_page.locator(".session").nth(1), phone_page.locator(".session").nth(2)
    assert first.bounding_box()["x"] == second.bounding_box()["x"]  # a list, one under another
    assert phone_page.locator(".session-room").first.is_visible()
    screenshot(phone_page, "programme-phone")
    desktop_page.goto(url)
    assert desktop_page.locator(".grid-head", has_text="Малый зал").is_visible()
    big = desktop_page.locator(".session", has_text="Информационная повестка").bounding_box()
    small = desktop_page.locator(".session", has_text="Правовое поле").bounding_box()
    assert abs(big["y"] - small["y"]) < 2 and small["x"] > big["x"] + 200  # side by side
    assert desktop_page.locator("#session-1").is_visible()
    screenshot(desktop_page, "programme-desktop")


def test_programme_page_marks_the_session_running_at_the_venue(event, rooms, client, monkeypatch):
    import seminar.programme.views as views

    talk = add(event, "Госпаблики", at(11), at(11, 40), rooms[0])
    later = add(event, "Правовое поле", at(12), at(12, 40), rooms[1])
    monkeypatch.setattr(views, "utcnow", lambda: at(11, 10).astimezone(UTC))
    page = client.get(f"/events/{event.slug}/programme").get_data(as_text=True)
    assert "Идёт сейчас" in page and "Далее в 12:00" in page
    assert re.search(rf'class="session kind-talk is-current"\s+id="session-{talk.id}"', page)
    assert re.search(rf'class="session kind-talk is-next"\s+id="session-{later.id}"', page)


def test_speaker_sees_own_sessions_on_the_personal_page(client, make_event, make_programme):
    event = make_event()
    sessions = make_programme(event)
    speaker = sessions[1].speakers[0]
    page = client.get(f"/r/{speaker.access_token}").get_data(as_text=True)
    assert "Соцсети муниципалитета" in page
    assert "Госпаблики: практика" not in page  # the other speaker's talk


def test_programme_rule_explains_itself_outside_a_request(app, make_event):
    """The CLI and the queue worker have no request: a broken rule still gets its Russian message."""
    from seminar.programme.services import ProgrammeError, SessionInput, create_session

    event = make_event()
    bad = SessionInput(title="Наоборот", kind="talk", room_id=None,
                       starts_at=event.starts_at + timedelta(hours=2), ends_at=event.starts_at)
    with pytest.raises(ProgrammeError, match="позже"):
        create_session(event, bad)
