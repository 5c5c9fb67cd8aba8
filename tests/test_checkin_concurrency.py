"""Real concurrent scans against gunicorn (2 workers × 8 threads): one check-in row, no 5xx."""
from __future__ import annotations

import http.client
import json
import sqlite3
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

SLUG = "belogorsk-next"
DOORS = 8


def request(server, method: str, path: str, token: str, body: dict | None = None):
    """One request on a new connection; (status, parsed JSON body)."""
    url = urlsplit(server.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        conn.close()


def tokens(server) -> tuple[str, str]:
    door = server.flask("token", "create", "door@belogorsk-forum.ru").strip()
    organiser = server.flask("token", "create", "organiser@belogorsk-forum.ru").strip()
    return door, organiser


def badge_codes(server, organiser: str, *, fresh: bool = True) -> list[str]:
    """Badge codes of confirmed people (by default only those not checked in yet by the demo)."""
    status, body = request(server, "GET", f"/api/v1/events/{SLUG}/registrations?per_page=500", organiser)
    assert status == 200
    return [r["badge_code"] for r in body["items"]
            if r["status"] == "confirmed" and not (fresh and r["checked_in_at"])]


def scan_at_once(server, token: str, code: str) -> list[tuple[int, dict]]:
    """DOORS threads scan the same badge code at the same moment."""
    barrier = threading.Barrier(DOORS)

    def door(n: int):
        barrier.wait(timeout=30)
        return request(server, "POST", f"/api/v1/events/{SLUG}/checkins", token,
                       {"code": code, "device": f"door-{n}"})

    with ThreadPoolExecutor(DOORS) as pool:
        return list(pool.map(door, range(DOORS)))


def assert_one_winner(results: list[tuple[int, dict]]) -> None:
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * (DOORS - 1) + [201], results
    winner = next(body for status, body in results if status == 201)
    for status, body in results:
        if status == 200:
            assert body["status"] == "already_checked_in"
            assert (body["checked_in_at"], body["device"]) == (winner["checked_in_at"], winner["device"])


def stats(server, token: str) -> dict:
    status, body = request(server, "GET", f"/api/v1/events/{SLUG}/stats", token)
    assert status == 200
    return body


def test_eight_doors_scanning_one_badge_at_once_make_exactly_one_check_in(live_server):
    door, organiser = tokens(live_server)
    codes = badge_codes(live_server, organiser)
    before = stats(live_server, door)["checked_in"]
    for code in codes[:5]:  # a few rounds, each a fresh badge
        assert_one_winner(scan_at_once(live_server, door, code))
    with sqlite3.connect(live_server.instance / "seminar.sqlite3") as conn:
        rows = conn.execute("SELECT registration_id, count(*) FROM checkin WHERE event_id = "
                            "(SELECT id FROM event WHERE slug = ?) GROUP BY registration_id", (SLUG,)).fetchall()
    assert all(n == 1 for _, n in rows)
    assert stats(live_server, door)["checked_in"] == len(rows) == before + 5


def test_sixteen_doors_scanning_every_badge_twice_never_fail(live_server):
    door, organiser = tokens(live_server)
    codes = badge_codes(live_server, organiser, fresh=False)
    fresh = set(badge_codes(live_server, organiser))
    work = [code for code in codes for _ in range(2)]

    def scan(code: str):
        return request(live_server, "POST", f"/api/v1/events/{SLUG}/checkins", door, {"code": code})

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(scan, work))
    statuses = [status for status, _ in results]
    assert not [s for s in statuses if s >= 500], "the server failed under load"
    assert statuses.count(201) == len(fresh)
    assert statuses.count(200) == len(work) - len(fresh)
    assert stats(live_server, door)["checked_in"] == len(codes) == 120


@pytest.mark.postgres
def test_eight_doors_at_once_on_postgresql(pg_live_server):
    server = pg_live_server
    door, organiser = tokens(server)
    codes = badge_codes(server, organiser)
    before = stats(server, door)["checked_in"]
    for code in codes[:3]:
        assert_one_winner(scan_at_once(server, door, code))
    assert stats(server, door)["checked_in"] == before + 3


def test_offline_queue_replayed_by_two_phones_at_once_is_one_scan_each(live_server):
    replays = 2
    door, organiser = tokens(live_server)
    codes = badge_codes(live_server, organiser)[:20]
    before = stats(live_server, door)["checked_in"]
    queue = [{"code": code, "device": "phone-1", "scan_id": str(uuid.uuid4())} for code in codes]
    barrier = threading.Barrier(replays)

    def replay(_):
        barrier.wait(timeout=30)
        return [request(live_server, "POST", f"/api/v1/events/{SLUG}/checkins", door, scan)
                for scan in queue]

    with ThreadPoolExecutor(replays) as pool:
        runs = list(pool.map(replay, range(replays)))
    for run in runs:
        assert [status for status, _ in run] == [201] * len(codes)
    assert stats(live_server, door)["checked_in"] == before + len(codes)
