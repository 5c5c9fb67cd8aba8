"""Live-server drills: a backup taken while requests run restores into a new instance that works
at the door; a whole registration-to-certificate journey leaves no token in the access log and
no personal data in the app's log."""
from __future__ import annotations

import http.cookiejar
import json
import re
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from seminar.serve import LOG_ARGS
from tests.conftest import ROOT, start_live_server

SLUG = "drill-forum"


class Browser:
    """Just enough of a browser: cookies, form posts with the CSRF token, JSON with a bearer token."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def request(self, method, path, data=None, headers=None, json_body=None):
        body = None
        headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def csrf(self, path):
        status, _headers, html = self.request("GET", path)
        assert status == 200, path
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html.decode()).group(1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def python(server, code: str) -> str:
    """Run Python with the server's app and database (to set up what has no page or command)."""
    script = "from seminar import create_app\nfrom seminar.extensions import db\napp = create_app()\n" \
             "with app.app_context():\n" + "\n".join("    " + line for line in code.strip().splitlines())
    return subprocess.run([sys.executable, "-c", script], env=server.env, cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout


MAKE_FORUM = """
from datetime import UTC, datetime, timedelta
from sqlalchemy import select
from seminar.events.models import Event, Municipality, Region
region = Region(name="Амурская область")
db.session.add(Municipality(name="Тындинский муниципальный округ", region=region))
db.session.flush()
region_id = region.id
now = datetime.now(UTC)
db.session.add(Event(slug="{slug}", title="Форум для учений", city="Белогорск", timezone="Asia/Yakutsk",
                     starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=9), capacity=500,
                     status="published", region_id=region_id))
db.session.commit()
print(db.session.scalar(select(Municipality.id).where(Municipality.region_id == region_id).limit(1)))
"""
END_FORUM = """
from datetime import UTC, datetime, timedelta
from sqlalchemy import update
from seminar.events.models import Event
db.session.execute(update(Event).where(Event.slug == "{slug}").values(
    starts_at=datetime.now(UTC) - timedelta(hours=9), ends_at=datetime.now(UTC) - timedelta(minutes=1)))
db.session.commit()
"""


def api_token(server) -> str:
    server.flask("user", "create", "admin@drill.ru", "--role", "admin", "--password-stdin",
                 input="drill-password-1\n")
    return server.flask("token", "create", "admin@drill.ru").strip()


def register(browser, municipality_id, n, **person):
    data = {"last_name": "Журавлёва", "first_name": "Олеся", "middle_name": "Игоревна",
            "email": f"olesya.{n}@example.ru", "phone": f"+7 914 555-01-{n % 100:02d}",
            "municipality": municipality_id, "organization": "Администрация Тынды",
            "position": "Начальник отдела", "consent": "y", **person}
    data["csrf_token"] = browser.csrf(f"/events/{SLUG}/register")
    status, headers, _body = browser.request("POST", f"/events/{SLUG}/register", data=data)
    assert status == 302, status
    return re.search(r"/r/([^/?]+)", headers["Location"]).group(1)


def scan(browser, token, code):
    status, _h, body = browser.request("POST", f"/api/v1/events/{SLUG}/checkins",
                                       headers={"Authorization": f"Bearer {token}"},
                                       json_body={"code": code, "device": "door-1"})
    return status, json.loads(body)


def rows(server, sql: str) -> list:
    """The rows of a query on the server's database (SQLite or PostgreSQL)."""
    code = ("import json\nfrom sqlalchemy import text\n"
            f"print(json.dumps([list(r) for r in db.session.execute(text({sql!r}))]))")
    return json.loads(python(server, code))


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_restore_drill_a_backup_taken_under_load_restores_into_a_working_instance(request, kind, tmp_path):
    venue = tmp_path / "venue"
    venue.mkdir()
    databases = {}
    if kind == "postgresql":
        databases = {"venue": request.getfixturevalue("postgres_url"),
                     "region": request.getfixturevalue("another_postgres_url")}
    source = start_live_server(venue, {"SEMINAR_DATABASE_URL": databases["venue"]} if databases else None)
    try:
        municipality_id = python(source, MAKE_FORUM.format(slug=SLUG)).strip()
        token = api_token(source)
        browser = Browser(source.url)
        people = [register(browser, municipality_id, n, last_name=f"Участникова{chr(0x430 + n % 32)}")
                  for n in range(30)]
        badges = dict(rows(source, "SELECT access_token, badge_code FROM registration"))
        for person in people[:10]:
            assert scan(browser, token, badges[person])[0] == 201
        python(source, END_FORUM.format(slug=SLUG))
        assert browser.request("GET", f"/r/{people[0]}/certificate.pdf")[0] == 200
        [[certificate]] = rows(source, "SELECT code FROM certificate")

        # Requests keep coming while the backup is taken: scans at the door, personal pages, stats.
        failures, stop = [], threading.Event()

        def door():
            for person in people[10:25]:
                status, _answer = scan(Browser(source.url), token, badges[person])
                if status != 201:
                    failures.append(("scan", status))
                time.sleep(0.3)  # a queue at the door, spread over the backup

        def readers():
            reader = Browser(source.url)
            while not stop.is_set():
                for path in (f"/r/{people[1]}", f"/api/v1/events/{SLUG}/stats"):
                    status = reader.request("GET", path, headers={"Authorization": f"Bearer {token}"})[0]
                    if status != 200:
                        failures.append((path, status))

        threads = [threading.Thread(target=door), threading.Thread(target=readers)]
        for thread in threads:
            thread.start()
        archive = tmp_path / "venue.tar.gz"
        print(source.flask("backup", "-o", str(archive)))
        threads[0].join()
        stop.set()
        threads[1].join()
        assert failures == []
    finally:
        source.stop()

    # A new instance on another machine: migrate, restore, serve.
    target_instance = tmp_path / "region-server"
    target_instance.mkdir()
    region_db = {"SEMINAR_DATABASE_URL": databases["region"]} if databases else {}
    env = {**source.env, "SEMINAR_INSTANCE_PATH": str(target_instance), **region_db}
    flask = [sys.executable, "-m", "flask", "--app", "seminar"]
    subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    restored = subprocess.run([*flask, "restore", str(archive)], env=env, cwd=ROOT, capture_output=True, text=True)
    assert restored.returncode == 0, restored.stderr
    target = start_live_server(target_instance, region_db)
    try:
        with __import__("tarfile").open(archive) as tar:
            manifest = json.load(tar.extractfile("manifest.json"))
        browser = Browser(target.url)
        status, _h, body = browser.request("GET", f"/api/v1/events/{SLUG}/stats",
                                           headers={"Authorization": f"Bearer {token}"})
        stats = json.loads(body)
        assert status == 200 and stats["registered"] == 30
        assert 10 <= stats["checked_in"] <= 25
        if kind == "sqlite":  # the manifest counts the rows of the copy it holds
            assert stats["checked_in"] == manifest["rows"]["checkin"]
        page = browser.request("GET", f"/r/{people[2]}")
        assert page[0] == 200 and "Участникова" in page[2].decode()
        assert scan(browser, token, badges[people[0]]) == (200, scan(browser, token, badges[people[0]])[1])
        assert scan(browser, token, badges[people[0]])[1]["status"] == "already_checked_in"
        assert scan(browser, token, badges[people[29]])[1]["status"] == "checked_in"  # never scanned before
        status, _h, body = browser.request("GET", f"/api/v1/certificates/{certificate}")
        assert status == 200 and json.loads(body)["valid"] is True
        assert browser.request("GET", f"/verify/{certificate}")[0] == 200
    finally:
        target.stop()


def test_a_journey_from_registration_to_certificate_leaves_no_token_or_personal_data_in_the_logs(tmp_path):
    access_log = tmp_path / "access.log"
    instance = tmp_path / "venue"
    instance.mkdir()
    server = start_live_server(instance, gunicorn_args=(*LOG_ARGS, "--access-logfile", str(access_log)))
    try:
        municipality_id = python(server, MAKE_FORUM.format(slug=SLUG)).strip()
        token = api_token(server)
        browser = Browser(server.url)
        personal = register(browser, municipality_id, 7, last_name="Журавлёва")
        home = f"{server.url}/r/{personal}"
        for path in ("", "/badge.pdf", "/schedule.ics", "/my-data.json", "/forget", "?lang=en"):
            status = browser.request("GET", f"/r/{personal}{path}", headers={"Referer": home})[0]
            assert status == 200, path
        db = sqlite3.connect(instance / "seminar.sqlite3")
        badge = db.execute("SELECT badge_code FROM registration").fetchone()[0]
        assert scan(browser, token, badge)[0] == 201
        python(server, END_FORUM.format(slug=SLUG))
        assert browser.request("GET", f"/r/{personal}/certificate.pdf", headers={"Referer": home})[0] == 200
        certificate = db.execute("SELECT code FROM certificate").fetchone()[0]
        db.close()
        assert browser.request("GET", f"/verify/{certificate}")[0] == 200
    finally:
        server.stop()
    lines = access_log.read_text()
    app_log = (instance / "gunicorn.log").read_text()
    assert "/r/***" in lines and "/verify/" in lines  # the journey is in the log, masked
    assert personal not in lines and badge not in lines
    for secret in (personal, badge, "Журавлёва", "olesya.7@example.ru", "79145550107", "Тынды"):
        assert secret not in app_log, secret
