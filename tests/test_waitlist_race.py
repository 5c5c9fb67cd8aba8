"""Capacity raised while 20 people register at once, through gunicorn (2 workers): exactly the
right number seated, on SQLite and on PostgreSQL."""
from __future__ import annotations

import json
import urllib.request

import pytest
import sqlalchemy
from test_concurrency import race_registrations

SLUG = "belogorsk-next"  # the demo forum open for registration


def api_token(server) -> str:
    server.flask("user", "create", "race-admin@example.ru", "--role", "admin", "--password-stdin",
                 input="race-admin-pass\n")
    return server.flask("token", "create", "race-admin@example.ru").strip()


def patch_event(server, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(f"{server.url}/api/v1/events/{SLUG}", method="PATCH",
                                     data=json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.loads(response.read())


def race(server, count: int = 20, extra_seats: int = 10) -> dict:
    token = api_token(server)
    status, event = patch_event(server, token, {"capacity": 1})  # full: nobody unseated
    assert status == 200
    seated = event["seated"]
    assert patch_event(server, token, {"capacity": seated})[1]["over_capacity"] == 0
    raised: dict = {}

    def raise_capacity():
        raised["status"], raised["body"] = patch_event(server, token, {"capacity": seated + extra_seats})

    codes = race_registrations(server.url, SLUG, count, email_prefix="raise", alongside=raise_capacity)
    assert codes == [302] * count
    assert raised["status"] == 200
    return {"seated_before": seated}


def counts(database_url: str) -> tuple[dict, int]:
    engine = sqlalchemy.create_engine(database_url)
    with engine.connect() as conn:
        rows = dict(conn.execute(sqlalchemy.text(
            "SELECT status, count(*) FROM registration WHERE email LIKE 'raise%' GROUP BY status")).all())
        total = conn.execute(sqlalchemy.text(
            "SELECT count(*) FROM registration WHERE status IN ('confirmed', 'pending') AND event_id = "
            "(SELECT id FROM event WHERE slug = :slug)"), {"slug": SLUG}).scalar()
    engine.dispose()
    return rows, total


def test_capacity_raised_during_a_registration_rush_seats_exactly_the_new_seats(live_server):
    before = race(live_server)["seated_before"]
    rows, total = counts(f"sqlite:///{live_server.instance / 'seminar.sqlite3'}")
    assert rows == {"confirmed": 10, "waitlisted": 10}
    assert total == before + 10


@pytest.mark.postgres
def test_capacity_raised_during_a_registration_rush_on_postgresql(pg_live_server):
    before = race(pg_live_server)["seated_before"]
    rows, total = counts(pg_live_server.database_url)
    assert rows == {"confirmed": 10, "waitlisted": 10}
    assert total == before + 10
