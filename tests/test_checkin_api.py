"""Door check-in API: every answer, rights, idempotent replays, late uploads, undo, search, snapshot, decode."""
from __future__ import annotations

import hashlib
import io
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from conftest import bearer, sqlite_writers_free
from sqlalchemy import func, select

from seminar.checkin.models import CheckIn, CheckInAudit
from seminar.extensions import db


@pytest.fixture
def forum(make_event):
    """An event that is on today (so a scan time from this morning is believable)."""
    now = datetime.now(UTC)
    return make_event(starts_at=now - timedelta(hours=2), ends_at=now + timedelta(hours=6))


@pytest.fixture
def door(make_user, forum):
    return make_user("door@example.ru", role="door", event=forum)


@pytest.fixture
def scan(client, forum, door):
    """POST a scan with the door's token; returns the response."""
    def post(body, slug=None, token=None):
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return client.post(f"/api/v1/events/{slug or forum.slug}/checkins", data=data,
                           headers={"Authorization": f"Bearer {token or door.api_token}",
                                    "Content-Type": "application/json"})
    return post


def checkin_rows(registration=None) -> int:
    query = select(func.count()).select_from(CheckIn)
    if registration is not None:
        query = query.where(CheckIn.registration_id == registration.id)
    return db.session.scalar(query)


def audit_rows(**where) -> list[CheckInAudit]:
    return list(db.session.scalars(select(CheckInAudit).filter_by(**where).order_by(CheckInAudit.id)))


# ------------------------------------------------------------------ answers

def test_first_scan_checks_in_with_name_and_records_device_and_user(scan, forum, door, make_registration):
    person = make_registration(forum, last_name="Соколова", first_name="Анна", middle_name="Юрьевна")
    response = scan({"code": person.badge_code, "device": "door-1"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "checked_in"
    assert body["registration"]["full_name"] == "Соколова Анна Юрьевна"
    assert body["registration"]["municipality"] == person.municipality.name
    assert "email" not in body["registration"] and "badge_code" not in body["registration"]
    row = db.session.scalar(select(CheckIn))
    assert (row.registration_id, row.device, row.user_id) == (person.id, "door-1", door.id)
    assert body["checked_in_at"] == row.checked_in_at.isoformat()


def test_code_is_normalised_before_lookup(scan, forum, make_registration):
    person = make_registration(forum)
    messy = " " + "-".join(person.badge_code[i:i + 4] for i in range(0, 28, 4)).lower() + " \n"
    assert scan({"code": messy}).status_code == 201


def test_repeat_scan_answers_already_with_first_time_and_device(scan, forum, make_registration):
    person = make_registration(forum)
    first = scan({"code": person.badge_code, "device": "door-2"}).get_json()
    response = scan({"code": person.badge_code, "device": "door-1"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "already_checked_in"
    assert body["checked_in_at"] == first["checked_in_at"]
    assert body["device"] == "door-2"
    assert body["registration"]["full_name"] == person.full_name
    assert checkin_rows() == 1


@pytest.mark.parametrize("status, answer", [("cancelled", "cancelled"), ("pending", "not_confirmed"),
                                            ("waitlisted", "not_confirmed")])
def test_unconfirmed_registrations_are_refused_with_their_reason(scan, forum, make_registration,
                                                                 status, answer):
    person = make_registration(forum, status=status)
    response = scan({"code": person.badge_code})
    assert response.status_code == 409
    assert response.get_json() == {"status": answer, "registration": {
        "full_name": person.full_name, "municipality": person.municipality.name}}
    assert checkin_rows() == 0


def test_badge_of_another_event_is_refused(scan, forum, make_event, make_registration):
    other = make_event()
    person = make_registration(other)
    response = scan({"code": person.badge_code})
    assert response.status_code == 409
    assert response.get_json() == {"status": "other_event"}  # nobody of the other event is named
    by_id = scan({"registration_id": person.id})
    assert by_id.status_code == 409 and by_id.get_json() == {"status": "other_event"}
    assert person.last_name not in by_id.get_data(as_text=True)
    assert checkin_rows() == 0


def test_unknown_code_is_404(scan):
    response = scan({"code": "NOSUCHCODE"})
    assert response.status_code == 404
    assert response.get_json() == {"status": "unknown_code"}


def test_check_in_by_registration_id_from_the_name_search(scan, forum, make_registration):
    person = make_registration(forum)
    response = scan({"registration_id": person.id, "device": "door-1"})
    assert response.status_code == 201
    assert response.get_json()["registration"]["id"] == person.id
    assert scan({"registration_id": 999999}).status_code == 404


def test_refused_scans_are_kept_in_the_audit_trail_and_the_check_in_row_records_the_first_scan(
        scan, forum, make_registration, door):
    person = make_registration(forum)
    cancelled = make_registration(forum, status="cancelled")
    scan({"code": person.badge_code, "device": "door-2"})
    scan({"code": person.badge_code, "device": "door-1"})
    scan({"code": cancelled.badge_code})
    scan({"code": "NOSUCHCODE"})
    assert [a.action for a in audit_rows()] == ["cancelled", "unknown_code"]
    [row] = db.session.scalars(select(CheckIn)).all()
    assert (row.registration_id, row.device, row.user_id) == (person.id, "door-2", door.id)


@pytest.mark.parametrize("body, message", [
    ("not json", "JSON object"),
    ("[1, 2]", "JSON object"),
    ({"device": "door-1"}, "code or registration_id"),
    ({"code": 12345}, "code must be a string"),
    ({"code": "A" * 65}, "longer than 64"),
    ({"code": " - "}, "code is empty"),
    ({"registration_id": "12"}, "positive integer"),
    ({"registration_id": True}, "positive integer"),
    ({"code": "ABC", "device": 7}, "device must be a string"),
    ({"code": "ABC", "scan_id": "x" * 65}, "longer than 64"),
    ({"code": "ABC", "scanned_at": "yesterday morning"}, "ISO 8601"),
    ({"code": "ABC", "scanned_at": 1661817600}, "ISO 8601"),
])
def test_malformed_body_is_400_with_a_clear_message(scan, body, message):
    response = scan(body)
    assert response.status_code == 400
    assert response.get_json()["status"] == "bad_request"
    assert message in response.get_json()["message"]
    assert audit_rows() == []


# ------------------------------------------------------------------ rights

def test_no_token_is_401_and_bad_token_is_401(client, forum):
    url = f"/api/v1/events/{forum.slug}/checkins"
    assert client.post(url, json={"code": "X"}).status_code == 401
    assert client.post(url, json={"code": "X"}, headers={"Authorization": "Bearer nope"}).status_code == 401


def test_door_token_works_only_for_its_own_event(scan, make_event, make_registration):
    other = make_event()
    person = make_registration(other)
    response = scan({"code": person.badge_code}, slug=other.slug)
    assert response.status_code == 403
    assert checkin_rows() == 0


def test_organiser_of_another_event_cannot_scan_here(scan, make_user, make_event, forum, make_registration):
    stranger = make_user("other-org@example.ru", role="organiser", event=make_event())
    person = make_registration(forum)
    assert scan({"code": person.badge_code}, token=stranger.api_token).status_code == 403


def test_signed_in_door_page_needs_the_csrf_header_to_scan(app, client, forum, door, make_registration):
    from itsdangerous import URLSafeTimedSerializer

    person = make_registration(forum)
    raw = "raw-csrf-token"
    with client.session_transaction() as session:
        session["_user_id"] = door.get_id()
        session["_fresh"] = True
        session["csrf_token"] = raw
    signed = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token").dumps(raw)
    url = f"/api/v1/events/{forum.slug}/checkins"
    assert client.post(url, json={"code": person.badge_code}).status_code == 403
    assert client.post(url, json={"code": person.badge_code}, headers={"X-CSRFToken": "forged"}).status_code == 403
    assert checkin_rows() == 0
    response = client.post(url, json={"code": person.badge_code}, headers={"X-CSRFToken": signed})
    assert response.status_code == 201
    assert client.get(f"/api/v1/events/{forum.slug}/door/search?q=" + person.last_name[:3]).status_code == 200


# ------------------------------------------------------------------ offline replays and late uploads

def test_same_scan_id_twice_is_one_scan(scan, forum, make_registration):
    person = make_registration(forum)
    body = {"code": person.badge_code, "device": "door-3", "scan_id": str(uuid.uuid4())}
    first = scan(body)
    again = scan(body)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert checkin_rows() == 1
    assert audit_rows() == []


def test_replaying_an_offline_queue_twice_changes_nothing(scan, forum, make_registration):
    people = [make_registration(forum) for _ in range(3)]
    queue = [{"code": p.badge_code, "device": "phone-7", "scan_id": str(uuid.uuid4())} for p in people]
    queue.append({"code": "NOSUCHCODE", "scan_id": str(uuid.uuid4())})
    queue.append({"code": people[0].badge_code, "scan_id": str(uuid.uuid4())})  # scanned twice offline
    answers = [(scan(b).status_code, scan(b).get_json()["status"]) for b in queue]
    assert [a[1] for a in answers] == ["checked_in"] * 3 + ["unknown_code", "already_checked_in"]
    audit_before = len(audit_rows())
    replay = [(scan(b).status_code, scan(b).get_json()["status"]) for b in queue]
    assert replay == answers
    assert checkin_rows() == 3
    assert len(audit_rows()) == audit_before == 1  # the unknown code, once


def test_late_upload_keeps_the_true_scan_time(scan, forum, make_registration):
    person = make_registration(forum)
    scanned = (datetime.now(UTC) - timedelta(minutes=40)).replace(microsecond=0)
    body = scan({"code": person.badge_code, "scan_id": str(uuid.uuid4()),
                 "scanned_at": scanned.isoformat().replace("+00:00", "Z")}).get_json()
    assert datetime.fromisoformat(body["checked_in_at"]) == scanned
    assert db.session.scalar(select(CheckIn.checked_in_at)) == scanned


def test_scan_time_without_offset_is_read_in_the_event_time_zone(scan, forum, make_registration):
    person = make_registration(forum)
    local = datetime.now(forum.tz).replace(microsecond=0, tzinfo=None) - timedelta(minutes=5)
    body = scan({"code": person.badge_code, "scanned_at": local.isoformat()}).get_json()
    assert datetime.fromisoformat(body["checked_in_at"]) == local.replace(tzinfo=forum.tz)


@pytest.mark.parametrize("shift", [timedelta(days=3), -timedelta(days=30)])
def test_unbelievable_scan_time_is_replaced_by_now(scan, forum, make_registration, shift):
    person = make_registration(forum)
    before = datetime.now(UTC)
    body = scan({"code": person.badge_code, "scanned_at": (before + shift).isoformat()}).get_json()
    assert abs(datetime.fromisoformat(body["checked_in_at"]) - before) < timedelta(minutes=1)


# ------------------------------------------------------------------ undo

def test_organiser_undoes_a_check_in_and_the_audit_keeps_it(client, scan, forum, make_user, make_registration):
    organiser = make_user("org@example.ru", role="organiser", event=forum)
    person = make_registration(forum)
    scan({"code": person.badge_code})
    url = f"/api/v1/events/{forum.slug}/checkins/{person.id}"
    response = client.delete(url, headers=bearer(organiser))
    assert response.status_code == 200 and response.get_json() == {"status": "undone"}
    assert checkin_rows() == 0
    assert [a.action for a in audit_rows(registration_id=person.id)] == ["checked_in", "undone"]
    assert client.delete(url, headers=bearer(organiser)).status_code == 404
    assert scan({"code": person.badge_code}).status_code == 201  # the door can check them in again


def test_an_offline_queue_replayed_after_an_undo_does_not_check_the_person_in_again(
        client, scan, forum, make_user, make_registration):
    organiser = make_user("org@example.ru", role="organiser", event=forum)
    person = make_registration(forum)
    queued = {"code": person.badge_code, "device": "phone-2", "scan_id": str(uuid.uuid4())}
    assert scan(queued).status_code == 201
    client.delete(f"/api/v1/events/{forum.slug}/checkins/{person.id}", headers=bearer(organiser))
    assert scan(queued).get_json()["status"] == "checked_in"  # the same scan, answered as before
    assert checkin_rows() == 0


def test_door_account_cannot_undo(client, scan, forum, door, make_registration):
    person = make_registration(forum)
    scan({"code": person.badge_code})
    response = client.delete(f"/api/v1/events/{forum.slug}/checkins/{person.id}", headers=bearer(door))
    assert response.status_code == 403
    assert checkin_rows() == 1


# ------------------------------------------------------------------ search, snapshot, arrivals

def test_name_search_is_case_insensitive_and_treats_yo_as_ye(client, scan, forum, door, make_event,
                                                            make_registration):
    fyodorov = make_registration(forum, last_name="Фёдоров")
    make_registration(forum, last_name="Федорова", status="cancelled")
    make_registration(forum, last_name="Петров")
    make_registration(make_event(), last_name="Федоренко")  # another event
    scan({"code": fyodorov.badge_code})
    for q in ("фед", "ФЁД", "Фёдоров", " федоров"):
        results = client.get(f"/api/v1/events/{forum.slug}/door/search", query_string={"q": q},
                             headers=bearer(door)).get_json()["results"]
        assert [r["full_name"].split()[0] for r in results] == ["Фёдоров", "Федорова"], q
    first = results[0]
    assert first["id"] == fyodorov.id and first["checked_in_at"] is not None
    assert results[1]["status"] == "cancelled" and results[1]["checked_in_at"] is None
    assert set(first) == {"id", "full_name", "municipality", "organization", "role", "status", "checked_in_at"}
    assert client.get(f"/api/v1/events/{forum.slug}/door/search?q=%25",
                      headers=bearer(door)).get_json()["results"] == []


def test_name_search_returns_at_most_20(client, forum, door, make_registration):
    for _ in range(25):
        make_registration(forum, last_name="Смирнов")
    results = client.get(f"/api/v1/events/{forum.slug}/door/search?q=смир", headers=bearer(door))
    assert len(results.get_json()["results"]) == 20


def test_snapshot_holds_code_hashes_but_no_codes_or_contacts(client, scan, forum, door, make_registration):
    people = [make_registration(forum, email=f"p{i}@mail.ru", phone="+79140000000") for i in range(3)]
    make_registration(forum, status="cancelled")
    scan({"code": people[0].badge_code})
    response = client.get(f"/api/v1/events/{forum.slug}/door/snapshot", headers=bearer(door))
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    for person in people:
        assert person.badge_code not in text
        assert person.email not in text
    assert "+7914" not in text
    snap = response.get_json()
    assert (snap["total"], snap["checked_in"], len(snap["entries"])) == (3, 1, 4)
    assert snap["event"] == {"slug": forum.slug, "title": forum.title, "timezone": "Asia/Yakutsk"}
    by_id = {e["id"]: e for e in snap["entries"]}
    # The door page finds a scanned code by hashing it the same way (WebCrypto SHA-256 of salt + code).
    key = hashlib.sha256((snap["salt"] + people[0].badge_code).encode()).hexdigest()[:32]
    assert by_id[people[0].id]["k"] == key
    assert by_id[people[0].id]["checked_in"] is True and by_id[people[1].id]["checked_in"] is False
    assert by_id[people[0].id]["name"] == people[0].short_name
    assert set(by_id[people[0].id]) == {"k", "id", "name", "municipality", "role", "status", "checked_in",
                                        "checked_in_at", "device"}  # when and at which door: no contact
    assert by_id[people[1].id]["checked_in_at"] is None and by_id[people[1].id]["device"] is None


def test_arrivals_counts_check_ins_in_five_minute_buckets(client, scan, forum, door, make_registration):
    base = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=30)
    base -= timedelta(minutes=base.minute % 5)
    for minutes in (0, 1, 12):
        person = make_registration(forum)
        scan({"code": person.badge_code, "scanned_at": (base + timedelta(minutes=minutes)).isoformat()})
    body = client.get(f"/api/v1/events/{forum.slug}/door/arrivals", headers=bearer(door)).get_json()
    assert [(datetime.fromisoformat(b["t"]) - base, b["n"]) for b in body["buckets"]] == [
        (timedelta(0), 2), (timedelta(minutes=5), 0), (timedelta(minutes=10), 1)]
    assert (body["checked_in"], body["registered"]) == (3, 3)
    assert body["by_municipality"][0]["checked_in"] == 3


def test_the_dashboard_poll_is_an_empty_304_until_someone_arrives(client, scan, forum, door, make_registration):
    people = [make_registration(forum) for _ in range(2)]
    scan({"code": people[0].badge_code})
    url = f"/api/v1/events/{forum.slug}/door/arrivals"
    first = client.get(url, headers=bearer(door))
    assert first.status_code == 200 and first.get_json()["checked_in"] == 1
    assert "no-cache" in first.headers["Cache-Control"]  # the browser asks again every time
    again = client.get(url, headers={**bearer(door), "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    scan({"code": people[1].badge_code})
    after = client.get(url, headers={**bearer(door), "If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and after.get_json()["checked_in"] == 2
    assert after.headers["ETag"] != first.headers["ETag"]
    people[1].status = "cancelled"  # an organiser's change shows at the next poll too
    db.session.commit()
    changed = client.get(url, headers={**bearer(door), "If-None-Match": after.headers["ETag"]})
    assert changed.status_code == 200 and changed.get_json()["registered"] == 1


# ------------------------------------------------------------------ camera frames

def qr_jpeg(text: str) -> bytes:
    import qrcode

    image = qrcode.make(text, box_size=6, border=4).get_image().convert("RGB")
    canvas = image.resize((360, 360))
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=80)
    return out.getvalue()


def test_decode_reads_the_badge_code_in_a_camera_frame(client, forum, door, make_registration):
    person = make_registration(forum)
    response = client.post(f"/api/v1/events/{forum.slug}/door/decode", data=qr_jpeg(person.badge_code),
                           headers={**bearer(door), "Content-Type": "image/jpeg"})
    assert response.status_code == 200
    assert response.get_json() == {"codes": [person.badge_code]}


def test_decode_of_a_frame_without_a_code_is_an_empty_list(client, forum, door):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), "white").save(out, format="JPEG")
    response = client.post(f"/api/v1/events/{forum.slug}/door/decode", data=out.getvalue(),
                           headers={**bearer(door), "Content-Type": "image/jpeg"})
    assert response.get_json() == {"codes": []}


def test_decode_refuses_big_frames_and_non_images(client, forum, door):
    url = f"/api/v1/events/{forum.slug}/door/decode"
    headers = {**bearer(door), "Content-Type": "image/jpeg"}
    assert client.post(url, data=b"\xff" * (1024 * 1024 + 1), headers=headers).status_code == 413
    response = client.post(url, data=b"hello", headers=headers)
    assert response.status_code == 400 and "JPEG or PNG" in response.get_json()["message"]


def test_openapi_documents_the_door_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    scan_responses = paths["/events/{slug}/checkins"]["post"]["responses"]
    assert {"200", "201", "400", "401", "403", "404", "409"} <= set(scan_responses)
    for path in ("/events/{slug}/checkins/{registration_id}", "/events/{slug}/door/search",
                 "/events/{slug}/door/snapshot", "/events/{slug}/door/arrivals",
                 "/events/{slug}/door/decode"):
        assert path in paths


def test_snapshot_is_not_sent_again_when_the_list_has_not_changed(client, forum, door, make_registration):
    make_registration(forum)
    url = f"/api/v1/events/{forum.slug}/door/snapshot"
    first = client.get(url, headers=bearer(door))
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get(url, headers={**bearer(door), "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    by_version = client.get(url, query_string={"since": first.get_json()["version"]}, headers=bearer(door))
    assert by_version.status_code == 304


def test_snapshot_delta_sends_only_people_changed_since_and_full_list_after_an_undo(
        client, scan, forum, door, make_registration, make_user):
    people = [make_registration(forum, last_name=f"Человеков{i}") for i in range(5)]
    url = f"/api/v1/events/{forum.slug}/door/snapshot"
    held = client.get(url, headers=bearer(door)).get_json()
    assert len(held["entries"]) == 5 and held["delta"] is False
    scan({"code": people[2].badge_code})
    newcomer = make_registration(forum, last_name="Новиков")
    delta = client.get(url, query_string={"since": held["version"]}, headers=bearer(door)).get_json()
    assert delta["delta"] is True
    assert sorted(e["id"] for e in delta["entries"]) == sorted([people[2].id, newcomer.id])
    assert next(e for e in delta["entries"] if e["id"] == people[2].id)["checked_in"] is True
    assert delta["checked_in"] == 1 and delta["total"] == 6
    organiser = make_user(email="boss@example.ru", event=forum)
    client.delete(f"/api/v1/events/{forum.slug}/checkins/{people[2].id}", headers=bearer(organiser))
    after_undo = client.get(url, query_string={"since": delta["version"]}, headers=bearer(door)).get_json()
    assert after_undo["delta"] is False and len(after_undo["entries"]) == 6
    assert not any(e["checked_in"] for e in after_undo["entries"])


def test_snapshot_sends_cyrillic_as_utf8_not_escapes(client, forum, door, make_registration):
    make_registration(forum, last_name="Щукина")
    body = client.get(f"/api/v1/events/{forum.slug}/door/snapshot", headers=bearer(door)).data
    assert "Щукина".encode() in body and b"\\u" not in body
def test_a_scan_id_reused_for_another_badge_is_refused_and_undo_never_fails(
        both_databases, client, scan, forum, make_user, make_registration):
    """A scan id stands for one badge: reused for another it answers 409 and writes nothing;
    undoing the first check-in (again and again) never answers 500."""
    organiser = make_user("org@example.ru", role="organiser", event=forum)
    first, second = make_registration(forum), make_registration(forum)
    scan_id = str(uuid.uuid4())
    assert scan({"code": first.badge_code, "scan_id": scan_id}).status_code == 201
    reused = scan({"code": second.badge_code, "scan_id": scan_id})
    assert reused.status_code == 409 and reused.get_json()["status"] == "scan_id_reused"
    assert second.last_name not in reused.get_data(as_text=True)
    assert checkin_rows(second) == 0
    for _ in range(2):
        undo = client.delete(f"/api/v1/events/{forum.slug}/checkins/{first.id}", headers=bearer(organiser))
        assert undo.status_code == 200
        again = scan({"code": second.badge_code, "scan_id": scan_id})
        assert again.status_code == 409 and checkin_rows(second) == 0
        assert scan({"code": first.badge_code}).status_code == 201


def test_on_sqlite_a_scan_writes_inside_the_writers_queue_and_lets_it_go(scan, forum, make_registration):
    """A door scan's INSERT waits in the same queue as the seat decisions (not in SQLite's busy
    handler, where a burst of registrations kept scans waiting up to 2 s) and lets it go at once."""
    from sqlalchemy import event

    from seminar import sqlite_writers

    if db.engine.dialect.name != "sqlite":
        pytest.skip("the writers' queue is SQLite's; PostgreSQL writers do not wait on one lock")
    person = make_registration(forum)
    seen = []

    def before_insert(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO checkin "):
            seen.append(sqlite_writers_free())

    event.listen(db.engine, "before_cursor_execute", before_insert)
    try:
        assert scan({"code": person.badge_code, "device": "door-1"}).status_code == 201
    finally:
        event.remove(db.engine, "before_cursor_execute", before_insert)
    assert seen == [False] and sqlite_writers_free() and not sqlite_writers._LOCK.locked()
    assert checkin_rows(person) == 1
