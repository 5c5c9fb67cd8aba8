"""Who came to which session: the room's door API, seats, the organiser's pages, certificate hours."""
from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import sign_in

from seminar.attendance import services
from seminar.extensions import db


def auth(user):
    return {"Authorization": f"Bearer {user.api_token}"}


def scan(client, user, event, session, code, **extra):
    return client.post(f"/api/v1/events/{event.slug}/sessions/{session.id}/attendance",
                       headers=auth(user), json={"code": code, **extra})


@pytest.fixture
def door(make_event, make_user, make_session):
    event = make_event()
    user = make_user("door@example.ru", role="door", event=event)
    session = make_session(event, "Практикум", room="Малый зал", room_capacity=40, capacity=2)
    return event, user, session


def test_a_repeat_scan_in_the_same_session_is_one_attendance(client, door, make_registration):
    event, user, session = door
    person = make_registration(event)
    first = scan(client, user, event, session, person.badge_code)
    assert first.status_code == 201 and first.get_json()["status"] == "attended"
    again = scan(client, user, event, session, person.badge_code.lower())
    assert again.status_code == 200 and again.get_json()["status"] == "already_attended"
    assert again.get_json()["attended_at"] == first.get_json()["attended_at"]
    assert services.attended_count(session.id) == 1


def test_a_full_session_says_no_seats_and_records_nobody_more(client, door, make_registration):
    event, user, session = door
    people = [make_registration(event) for _ in range(3)]
    assert [scan(client, user, event, session, p.badge_code).status_code for p in people] == [201, 201, 409]
    refused = scan(client, user, event, session, people[2].badge_code).get_json()
    assert (refused["status"], refused["attended"], refused["capacity"]) == ("full", 2, 2)
    assert scan(client, user, event, session, people[0].badge_code).status_code == 200  # already in: still fine
    assert services.attended_count(session.id) == 2


def test_without_its_own_seats_a_session_has_its_rooms(make_event, make_session):
    event = make_event()
    assert services.session_capacity(make_session(event, room="Зал", room_capacity=40)) == 40
    assert services.session_capacity(make_session(event, room="Зал 2", room_capacity=40, capacity=5)) == 5
    assert services.session_capacity(make_session(event)) is None


def test_the_same_offline_scan_sent_twice_is_one_attendance_with_the_same_answer(client, door, make_registration):
    event, user, session = door
    person = make_registration(event)
    body = {"scan_id": "5b8f7c1e-0000-4000-8000-000000000001",
            "scanned_at": (event.starts_at + timedelta(minutes=5)).isoformat()}
    first = scan(client, user, event, session, person.badge_code, **body)
    assert first.status_code == 201
    replay = scan(client, user, event, session, person.badge_code, **body)
    assert replay.status_code == 201 and replay.get_json()["status"] == "attended"  # as the main door does
    assert services.attended_count(session.id) == 1
    assert replay.get_json()["attended_at"] == first.get_json()["attended_at"]


@pytest.mark.parametrize("status,answer", [("cancelled", "cancelled"), ("waitlisted", "not_confirmed")])
def test_refused_badges_are_not_recorded(client, door, make_registration, status, answer):
    event, user, session = door
    person = make_registration(event, status=status)
    response = scan(client, user, event, session, person.badge_code)
    assert response.status_code == 409 and response.get_json()["status"] == answer
    assert "email" not in response.get_json()["registration"]
    assert services.attended_count(session.id) == 0


def test_other_event_unknown_code_bad_body_and_rights(client, door, make_event, make_registration, make_user):
    event, user, session = door
    stranger = make_registration(make_event())
    assert scan(client, user, event, session, stranger.badge_code).get_json()["status"] == "other_event"
    assert scan(client, user, event, session, "NOSUCHCODE").status_code == 404
    url = f"/api/v1/events/{event.slug}/sessions/{session.id}/attendance"
    assert client.post(url, headers=auth(user), data="not json").status_code == 400
    assert client.post(url, headers=auth(user), json={"code": 5}).status_code == 400
    assert client.post(url, json={"code": "X"}).status_code == 401
    other_door = make_user("door2@example.ru", role="door", event=make_event())
    assert client.post(url, headers=auth(other_door), json={"code": "X"}).status_code == 403
    assert client.post(f"/api/v1/events/{event.slug}/sessions/999999/attendance", headers=auth(user),
                       json={"code": "X"}).status_code == 404


def test_session_counts_feed_the_door_counter(client, door, make_registration):
    event, user, session = door
    scan(client, user, event, session, make_registration(event).badge_code)
    counts = client.get(f"/api/v1/events/{event.slug}/sessions/{session.id}/attendance", headers=auth(user)).get_json()
    assert (counts["attended"], counts["capacity"], counts["checked_in"], counts["confirmed"]) == (1, 2, 1, 2)
    snapshot = client.get(f"/api/v1/events/{event.slug}/sessions/{session.id}/door/snapshot",
                          headers=auth(user)).get_json()
    assert snapshot["capacity"] == 2 and sum(e["checked_in"] for e in snapshot["entries"]) == 1


def test_room_door_page_is_the_scanner_with_the_session_chosen(client, door):
    event, user, session = door
    sign_in(client, user)
    html = client.get(f"/manage/events/{event.slug}/checkin/sessions").get_data(as_text=True)
    assert f"/manage/events/{event.slug}/checkin/sessions/{session.id}" in html
    page = client.get(f"/manage/events/{event.slug}/checkin/sessions/{session.id}").get_data(as_text=True)
    assert 'id="door-code"' in page and f'data-scan-path="/sessions/{session.id}/attendance"' in page
    assert "Практикум · Малый зал · мест: 2" in page
    assert '"full": "Мест нет"' in page  # the door's words, as JSON


def test_organiser_sees_attendance_on_the_programme_editor_and_sets_session_seats(
        client, door, make_registration, make_user):
    event, user, session = door
    scan(client, user, event, session, make_registration(event).badge_code)
    organiser = make_user("org@example.ru", event=event)
    sign_in(client, organiser)
    editor = client.get(f"/manage/events/{event.slug}/programme").get_data(as_text=True)
    assert f'/manage/events/{event.slug}/attendance/{session.id}">1</a>' in editor
    response = client.post(f"/manage/events/{event.slug}/attendance/{session.id}", data={"capacity": "30"})
    assert response.status_code == 302
    db.session.refresh(session)
    assert session.capacity == 30
    bad = client.post(f"/manage/events/{event.slug}/attendance/{session.id}", data={"capacity": "-3"})
    assert bad.status_code == 200 and "Число от 1 до 100000." in bad.get_data(as_text=True)


def test_certificate_lists_sessions_and_hours_only_when_the_organiser_turns_it_on(
        client, make_event, make_registration, make_session, make_user):
    event = make_event()
    person = make_registration(event)
    first = make_session(event, "Открытие")
    second = make_session(event, "Практикум", offset=timedelta(hours=2))
    make_session(event, "Не был", offset=timedelta(hours=4))
    for s in (second, first):
        services.record_attendance(event, s, registration_id=person.id, now=event.starts_at)
    assert [s.title for s in services.sessions_attended(person)] == ["Открытие", "Практикум"]
    assert services.certificate_sessions(person) is None
    organiser = make_user("org@example.ru", event=event)
    sign_in(client, organiser)
    client.post(f"/manage/events/{event.slug}/attendance",
                data={"sessions_on_certificate": "y", "academic_hour_minutes": "45"})
    listed = services.certificate_sessions(person)
    assert listed is not None and [s.title for s in listed.sessions] == ["Открытие", "Практикум"]
    assert listed.academic_hours == 2.5  # 120 minutes / 45, rounded down to a half hour
    # The person's certificate (once the event has ended) names both sessions and counts the hours.
    from conftest import pdf_text

    from seminar.checkin.models import CheckIn
    from seminar.extensions import db

    event.starts_at, event.ends_at = event.starts_at - timedelta(days=30), event.ends_at - timedelta(days=30)
    db.session.add(CheckIn(event_id=event.id, registration_id=person.id, checked_in_at=event.starts_at))
    db.session.commit()
    text = " ".join(pdf_text(client.get(f"/r/{person.access_token}/certificate.pdf").data).split())
    assert "«Открытие», «Практикум»" in text and "2,5 академического часа" in text
    assert "Не был" not in text


# ------------------------------------------------------------------ browser: a room's door

DEMO = "belogorsk-next"  # the demo forum still to come (2022 has ended)


def live_sql(live_server, sql: str, *args):
    import sqlite3

    with sqlite3.connect(live_server.instance / "seminar.sqlite3") as con:
        return con.execute(sql, args).fetchall()


def session_door(page, live_server, title: str, capacity: int) -> int:
    (session_id,), = live_sql(live_server, "SELECT s.id FROM programme_session s JOIN event e ON e.id = s.event_id "
                                           "WHERE s.title = ? AND e.slug = ?", title, DEMO)
    live_sql(live_server, "UPDATE programme_session SET capacity = ? WHERE id = ?", capacity, session_id)
    path = f"/manage/events/{DEMO}/checkin/sessions/{session_id}"
    page.goto(f"{live_server.url}/login?next={path}")
    page.fill("#email", "door@belogorsk-forum.ru")
    page.fill("#password", live_server.passwords["door@belogorsk-forum.ru"])
    page.click("button[type=submit]")
    page.wait_for_url(f"**{path}")
    return session_id


def badges(live_server, n: int) -> list[tuple[int, str, str]]:
    return live_sql(live_server, "SELECT r.id, r.badge_code, r.last_name FROM registration r JOIN event e "
                                 "ON e.id = r.event_id WHERE r.status = 'confirmed' AND e.slug = ? "
                                 "ORDER BY r.id LIMIT ?", DEMO, n)


def attended(live_server, session_id: int) -> list[int]:
    return [r for r, in live_sql(live_server, "SELECT registration_id FROM session_attendance WHERE session_id = ?",
                                 session_id)]


def type_code(page, code: str):
    page.keyboard.type(code)
    page.keyboard.press("Enter")


@pytest.mark.browser
def test_room_door_records_the_session_once_and_says_no_seats_when_full(live_server, phone_page):
    from conftest import screenshot

    page = phone_page
    session_id = session_door(page, live_server, "Практикум: ответы на комментарии жителей", 2)
    assert "мест: 2" in page.locator("#door-session").inner_text()
    (a, code_a, name_a), (b, code_b, _), (_, code_c, name_c) = badges(live_server, 3)
    type_code(page, code_a)
    page.wait_for_selector("#door-card[data-status=checked_in]")
    assert name_a in page.locator("#door-card").inner_text()
    screenshot(page, "session-door-green-phone")
    type_code(page, code_a)
    page.wait_for_selector("#door-card[data-status=already_checked_in]")
    type_code(page, code_b)
    page.wait_for_selector("#door-card[data-status=checked_in]")
    type_code(page, code_c)
    page.wait_for_selector("#door-card[data-status=full]")
    assert "Мест нет" in page.locator("#door-card").inner_text() and name_c in page.locator("#door-card").inner_text()
    screenshot(page, "session-door-full-phone")
    assert sorted(attended(live_server, session_id)) == sorted([a, b])
    assert page.locator("#door-checked").inner_text() == "2"
    assert live_sql(live_server, "SELECT count(*) FROM checkin c JOIN event e ON e.id = c.event_id "
                                 "WHERE e.slug = ?", DEMO) == [(0,)]  # the main door is another list


@pytest.mark.browser
def test_room_door_offline_queues_scans_and_the_server_keeps_the_seats(live_server, browser):
    from conftest import PHONE, screenshot

    context = browser.new_context(**PHONE)
    page = context.new_page()
    session_id = session_door(page, live_server, "Информационная безопасность аккаунтов органов власти", 1)
    page.wait_for_selector("#door-note-snapshot")   # the offline list is on the device
    (a, code_a, name_a), (b, code_b, _) = badges(live_server, 2)
    context.set_offline(True)
    type_code(page, code_a)
    page.wait_for_selector("#door-queue:has-text('ждут отправки: 1')")
    assert page.locator("#door-card").get_attribute("data-status") == "checked_in"
    type_code(page, code_a)
    page.wait_for_selector("#door-card[data-status=already_checked_in]")
    type_code(page, code_b)
    page.wait_for_selector("#door-card[data-status=full]")   # the one seat is taken on this device
    screenshot(page, "session-door-offline-phone")
    assert attended(live_server, session_id) == []
    context.set_offline(False)
    page.wait_for_selector("#door-queue", state="hidden", timeout=20000)
    assert attended(live_server, session_id) == [a]
    context.close()


def race_for_seats(server, session_id: int, codes: list[str]) -> list[int]:
    """Scan every badge at once from its own thread, through gunicorn's two workers."""
    import json
    import threading
    import urllib.error
    import urllib.request

    token = server.flask("token", "create", "door@belogorsk-forum.ru").strip().split()[-1]
    barrier, statuses = threading.Barrier(len(codes)), [0] * len(codes)

    def go(i):
        request = urllib.request.Request(
            f"{server.url}/api/v1/events/{DEMO}/sessions/{session_id}/attendance",
            data=json.dumps({"code": codes[i]}).encode(), method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                statuses[i] = response.status
        except urllib.error.HTTPError as exc:
            statuses[i] = exc.code

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(codes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


@pytest.mark.parametrize("server_fixture", ["live_server", "pg_live_server"])
def test_doors_racing_for_the_last_seats_seat_exactly_the_capacity(request, server_fixture):
    server = request.getfixturevalue(server_fixture)
    if server_fixture == "live_server":
        session_id, = live_sql(server, "SELECT s.id FROM programme_session s JOIN event e ON e.id = s.event_id "
                                       "WHERE s.title LIKE 'Практикум%' AND e.slug = ?", DEMO)[0]
        live_sql(server, "UPDATE programme_session SET capacity = 3 WHERE id = ?", session_id)
        codes = [c for _, c, _ in badges(server, 10)]
    else:
        import psycopg

        with psycopg.connect(server.database_url.replace("postgresql+psycopg", "postgresql")) as con:
            session_id, = con.execute(
                "SELECT s.id FROM programme_session s JOIN event e ON e.id = s.event_id "
                "WHERE s.title LIKE 'Практикум%%' AND e.slug = %s", (DEMO,)).fetchone()
            con.execute("UPDATE programme_session SET capacity = 3 WHERE id = %s", (session_id,))
            codes = [c for c, in con.execute(
                "SELECT r.badge_code FROM registration r JOIN event e ON e.id = r.event_id "
                "WHERE r.status = 'confirmed' AND e.slug = %s ORDER BY r.id LIMIT 10", (DEMO,))]
    statuses = race_for_seats(server, session_id, codes)
    assert sorted(statuses) == [201] * 3 + [409] * 7
