"""Fixtures: an app on a fresh SQLite file per test, a client, factories, a live gunicorn server."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from seminar import create_app
from seminar.extensions import db
from seminar.queue import huey

#: Jobs run at once, in the test's own process and app context (a live server runs its own).
huey.immediate = True

ROOT = Path(__file__).resolve().parent.parent
#: Set by .ci/run: a missing browser, PostgreSQL or Redis fails the run instead of skipping.
REQUIRE = os.environ.get("SEMINAR_REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str):
    if REQUIRE:
        pytest.fail(reason + " (SEMINAR_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture
def instance_path(tmp_path):
    path = tmp_path / "instance"
    path.mkdir()
    return path


@pytest.fixture
def app_config(instance_path):
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(instance_path),
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance_path / 'test.sqlite3'}",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_URL": None,
        "OUTBOX_DIR": str(instance_path / "outbox"),
        "SERVER_NAME": "seminar.test",
    }


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def outbox(app):
    """The .eml files written so far, parsed."""
    import email
    from email import policy

    def read():
        folder = Path(app.config["OUTBOX_DIR"])
        files = sorted(folder.glob("*.eml")) if folder.exists() else []
        return [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]

    return read


# ---------------------------------------------------------------- factories

@pytest.fixture
def make_municipality(app):
    from sqlalchemy import select

    from seminar.events.models import Municipality, Region

    def make(name="город Белогорск", region="Амурская область", kind="городской округ"):
        reg = db.session.scalar(select(Region).where(Region.name == region)) or Region(name=region)
        m = Municipality(region=reg, name=name, kind=kind)
        db.session.add(m)
        db.session.commit()
        return m

    return make


@pytest.fixture
def make_event(app, make_municipality):
    from seminar.events.models import Event

    def make(slug=None, **kw):
        now = datetime.now(UTC)
        municipality = kw.pop("municipality", None) or make_municipality(
            name=f"город {uuid.uuid4().hex[:6]}")
        values = dict(
            slug=slug or f"forum-{uuid.uuid4().hex[:6]}",
            title="Форум муниципальных образований",
            description="Описание",
            venue="Дом культуры", city="Белогорск", timezone="Asia/Yakutsk",
            starts_at=now + timedelta(days=10), ends_at=now + timedelta(days=10, hours=8),
            capacity=100, status="published", region=municipality.region,
        )
        values.update(kw)
        event = Event(**values)
        db.session.add(event)
        db.session.commit()
        return event

    return make


@pytest.fixture
def make_registration(app):
    from seminar.registration.models import Registration, name_key

    counter = {"n": 0}

    def make(event, **kw):
        counter["n"] += 1
        n = counter["n"]
        values = dict(
            event=event, last_name=kw.get("last_name", f"Иванов{chr(0x430 + n % 32)}"),
            first_name="Иван", middle_name="Петрович", email=f"person{n}@example.ru",
            phone="+79141234567", organization="Администрация", position="Специалист",
            role="participant", status="confirmed", consent_version="test",
            consent_at=datetime.now(UTC),
        )
        values.update(kw)
        values["last_name_key"] = name_key(values["last_name"])
        if "municipality" not in values:
            from sqlalchemy import select

            from seminar.events.models import Municipality
            values["municipality"] = db.session.scalar(
                select(Municipality).where(Municipality.region_id == event.region_id))
        registration = Registration(**values)
        db.session.add(registration)
        db.session.commit()
        return registration

    return make


@pytest.fixture
def make_user(app):
    from seminar.auth.services import create_or_update_user, create_token

    def make(email="org@example.ru", role="organiser", event=None, password="secret-pass-1"):
        user = create_or_update_user(email, role, password, event.slug if event else None)
        token = create_token(user)
        db.session.commit()
        user.api_token = token
        return user

    return make


# ---------------------------------------------------------------- live server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, url: str, proc: subprocess.Popen, instance: Path, env: dict):
        self.url, self.proc, self.instance, self.env = url, proc, instance, env
        #: e-mail → password of the demo staff accounts, as `flask demo` printed them.
        self.passwords: dict[str, str] = {}

    def load_demo(self) -> None:
        """`flask demo`, keeping the staff passwords it generated for this instance."""
        for line in self.flask("demo").splitlines():
            email, _, password = line.strip().partition("  ")
            if email.endswith("@belogorsk-forum.ru") and password:
                self.passwords[email] = password.strip()

    def flask(self, *args: str, input: str | None = None) -> str:
        """Run a `flask --app seminar` command against the server's database."""
        out = subprocess.run([sys.executable, "-m", "flask", "--app", "seminar", *args],
                             env=self.env, cwd=ROOT, input=input, capture_output=True, text=True,
                             check=True)
        return out.stdout


def start_live_server(instance: Path, extra_env: dict | None = None, workers: int = 2) -> LiveServer:
    port = free_port()
    env = {**os.environ, "SEMINAR_INSTANCE_PATH": str(instance), "SEMINAR_SECRET_KEY": "live-test",
           "SEMINAR_RATELIMIT_REGISTER": "10000 per minute", "SEMINAR_RATELIMIT_LOGIN": "10000 per minute",
           "SEMINAR_MAIL_URL": "", **(extra_env or {})}
    subprocess.run([sys.executable, "-m", "flask", "--app", "seminar", "db", "upgrade"],
                   env=env, cwd=ROOT, check=True, capture_output=True)
    with open(instance / "gunicorn.log", "w") as log:  # the child keeps its own copy of the handle
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", "8",
             "--bind", f"127.0.0.1:{port}", "seminar:create_app()"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("gunicorn did not start: " + (instance / "gunicorn.log").read_text())
    return LiveServer(f"http://127.0.0.1:{port}", proc, instance, env)


@pytest.fixture
def live_server(tmp_path):
    """gunicorn with 2 workers on a fresh SQLite file, demo data loaded."""
    instance = tmp_path / "live-instance"
    instance.mkdir()
    server = start_live_server(instance)
    server.load_demo()
    yield server
    server.proc.terminate()
    server.proc.wait(10)


@pytest.fixture
def pg_live_server(tmp_path, postgres_url):
    """The same server on a fresh PostgreSQL database."""
    instance = tmp_path / "pg-instance"
    instance.mkdir()
    server = start_live_server(instance, {"SEMINAR_DATABASE_URL": postgres_url})
    server.database_url = postgres_url
    server.load_demo()
    yield server
    server.proc.terminate()
    server.proc.wait(10)


# ---------------------------------------------------------------- browser

CHROMIUM = os.environ.get("SEMINAR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        skip_or_fail(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "ru-RU"}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "ru-RU"}


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop_page(browser):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    yield page
    context.close()


ARTIFACTS = ROOT / "tests" / "_artifacts"


def screenshot(page, name: str) -> Path:
    """Keep a screenshot for a person to look at (tests/_artifacts, not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# ---------------------------------------------------------------- services

PG_ADMIN_URL = os.environ.get("SEMINAR_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL database, dropped afterwards."""
    try:
        import psycopg
        conn = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:  # noqa: BLE001
        skip_or_fail(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}")
    name = f"seminar_test_{uuid.uuid4().hex[:10]}"
    conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    yield f"{base}/{name}"
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


REDIS_URL = os.environ.get("SEMINAR_TEST_REDIS", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url():
    try:
        import redis
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
    except Exception as exc:  # noqa: BLE001
        skip_or_fail(f"Redis not reachable at {REDIS_URL}: {exc}")
    client.flushdb()
    yield REDIS_URL
    client.flushdb()


def pytest_sessionstart(session):
    """Compile the translation catalogs, as `make test` does, for runs of pytest alone."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (ROOT / "seminar" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as f:
                catalog = read_po(f)
            with mo.open("wb") as f:
                write_mo(f, catalog, use_fuzzy=True)


# ---------------------------------------------------------------- programs others wrote

JS_DIR = ROOT / "tests" / "js"


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """tests/js/node_modules with the npm packages of tests/js/package.json (ical.js, axe-core,
    html-validate), installed once by npm from its configured registry when missing."""
    if not shutil.which("node") or not shutil.which("npm"):
        skip_or_fail("node and npm are needed to open our output with ical.js, axe-core and html-validate")
    import json

    wanted = json.loads((JS_DIR / "package.json").read_text())["dependencies"]
    folder = JS_DIR / "node_modules"

    def installed(name: str) -> str | None:
        manifest = folder / name / "package.json"
        return json.loads(manifest.read_text())["version"] if manifest.exists() else None

    if any(installed(name) != version for name, version in wanted.items()):
        done = subprocess.run(["npm", "install", "--prefix", str(JS_DIR), "--no-audit", "--no-fund",
                               "--no-package-lock"], capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            skip_or_fail("npm install in tests/js failed: " + done.stderr[-500:])
    return folder


def run_node(node_modules: Path, script: str, *args: str, input: str | None = None) -> str:
    """Run a Node script (CommonJS) that can require the packages of tests/js."""
    done = subprocess.run(["node", "-e", script, *args], cwd=JS_DIR, input=input, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "NODE_PATH": str(node_modules)})
    assert done.returncode == 0, done.stderr
    return done.stdout
