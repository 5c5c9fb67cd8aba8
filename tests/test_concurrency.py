"""Seat rules under real concurrent requests against gunicorn (2 workers) on a file database."""
from __future__ import annotations

import http.cookiejar
import re
import sqlite3
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest


class Browserish:
    """One visitor: its own cookies and CSRF token, like a separate phone."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, data: dict) -> int:
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def municipality_id(html: str) -> str:
    return re.search(r'<option value="(\d+)"', html).group(1)


def race_registrations(base: str, slug: str, count: int, *, email_prefix: str = "race",
                       last_name: str = "Гонкина", extra: dict | None = None, alongside=None) -> list[int]:
    """`count` visitors (own cookies and CSRF tokens) send the form at the same instant; with
    `alongside`, that callable runs at the same instant too. The HTTP status of each post."""
    visitors = [Browserish(base) for _ in range(count)]
    forms = []
    for i, visitor in enumerate(visitors):
        html = visitor.get(f"/events/{slug}/register")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        forms.append({"csrf_token": token, "last_name": last_name, "first_name": "Мария",
                      "email": f"{email_prefix}{i}@example.ru", "municipality": municipality_id(html),
                      "organization": "Администрация", "position": "Специалист", "consent": "y",
                      **(extra or {})})
    barrier = threading.Barrier(count + (1 if alongside else 0))
    codes = [0] * count

    def go(i):
        barrier.wait()
        codes[i] = visitors[i].post(f"/events/{slug}/register", forms[i])

    def also():
        barrier.wait()
        alongside()

    threads = [threading.Thread(target=go, args=(i,)) for i in range(count)]
    if alongside:
        threads.append(threading.Thread(target=also))
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return codes


def test_last_seat_race_confirms_exactly_capacity(live_server):
    # The demo forum: capacity 150 with 120 confirmed, so 30 seats are left for 60 people.
    codes = race_registrations(live_server.url, "belogorsk-next", 60)
    assert codes == [302] * 60, live_server.errors()
    db = sqlite3.connect(live_server.instance / "seminar.sqlite3")
    rows = dict(db.execute("SELECT status, count(*) FROM registration WHERE email LIKE 'race%' GROUP BY status"))
    assert rows == {"confirmed": 30, "waitlisted": 30}
    total = db.execute("SELECT count(*) FROM registration r JOIN event e ON e.id = r.event_id "
                       "WHERE r.status='confirmed' AND e.slug = 'belogorsk-next'").fetchone()[0]
    assert total == 150


@pytest.mark.postgres
def test_last_seat_race_on_postgresql(pg_live_server):
    import sqlalchemy

    codes = race_registrations(pg_live_server.url, "belogorsk-next", 60)
    assert codes == [302] * 60, pg_live_server.errors()
    engine = sqlalchemy.create_engine(pg_live_server.database_url)
    with engine.connect() as conn:
        rows = dict(conn.execute(sqlalchemy.text(
            "SELECT status, count(*) FROM registration WHERE email LIKE 'race%' GROUP BY status")).all())
    engine.dispose()
    assert rows == {"confirmed": 30, "waitlisted": 30}


def test_double_click_race_creates_one_registration(live_server):
    visitor = Browserish(live_server.url)
    html = visitor.get("/events/belogorsk-next/register")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data = {"csrf_token": token, "last_name": "Дваждова", "first_name": "Ольга", "email": "twice@example.ru",
            "municipality": municipality_id(html), "organization": "Администрация",
            "position": "Специалист", "consent": "y"}
    barrier = threading.Barrier(4)
    codes = []

    def click():
        barrier.wait()
        codes.append(visitor.post("/events/belogorsk-next/register", data))

    threads = [threading.Thread(target=click) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(codes).count(302) >= 1 and all(c in (200, 302) for c in codes)
    db = sqlite3.connect(live_server.instance / "seminar.sqlite3")
    assert db.execute("SELECT count(*) FROM registration WHERE email='twice@example.ru'").fetchone()[0] == 1
