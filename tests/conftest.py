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


#: Which database the `app` fixture runs on: "sqlite" (default) or "postgresql" (.ci/run runs the
#: suite once with each; `SEMINAR_TEST_DB=postgresql make test` does it by hand).
TEST_DB = os.environ.get("SEMINAR_TEST_DB", "sqlite")


@pytest.fixture(scope="session")
def postgres_database():
    """One PostgreSQL database with the schema for the whole run; emptied after each test."""
    if TEST_DB != "postgresql":
        yield None
        return
    import psycopg

    try:
        conn = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:  # noqa: BLE001
        pytest.exit(f"SEMINAR_TEST_DB=postgresql but PostgreSQL is not reachable: {exc}", returncode=3)
    name = f"seminar_suite_{uuid.uuid4().hex[:10]}"
    conn.execute(f'CREATE DATABASE "{name}"')
    url = pg_url(name)
    schema_app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url,
                             "INSTANCE_PATH": str(ROOT / "instance")})
    with schema_app.app_context():
        db.create_all()
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        db.engine.dispose()
    yield url, tables
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def pg_url(name: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}"


@pytest.fixture
def database_uri(instance_path, postgres_database):
    """An empty database for one test: a SQLite file, or the run's PostgreSQL database."""
    if postgres_database is None:
        yield f"sqlite:///{instance_path / 'test.sqlite3'}"
        return
    import psycopg

    url, tables = postgres_database
    yield url
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture
def app_config(instance_path, database_uri):
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(instance_path),
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_uri,
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


#: The password every test staff account gets from `make_user`.
STAFF_PASSWORD = "secret-pass-1"


@pytest.fixture
def make_user(app):
    from seminar.auth.services import create_or_update_user, create_token

    def make(email="org@example.ru", role="organiser", event=None, password=STAFF_PASSWORD,
             may_create_events=True):
        # Test organisers may create and publish events unless a test says otherwise (an admin's grant).
        user = create_or_update_user(email, role, password, event.slug if event else None)
        user.may_create_events = may_create_events and role == "organiser"
        token = create_token(user)
        db.session.commit()
        user.api_token = token
        return user

    return make


def mark_checked_in(registration, at=None, device="door-1"):
    """Check a registration in at the door (at the event's start unless `at` is given)."""
    from seminar.checkin.models import CheckIn

    row = CheckIn(event_id=registration.event_id, registration_id=registration.id,
                  checked_in_at=at or registration.event.starts_at, device=device)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def make_check_in(app):
    """The `mark_checked_in` factory, for tests that take their factories as fixtures."""
    return mark_checked_in


@pytest.fixture
def make_programme(app, make_registration):
    """Two rooms and three sessions (a plenary, two talks with speakers) on the event's first day."""
    from seminar.programme.services import SessionInput, create_session, save_room

    def make(event, speakers=None):
        start = event.starts_at
        big, small = save_room(event, None, "Большой зал", 120), save_room(event, None, "Малый зал", 40)
        speakers = speakers or [make_registration(event, role="speaker") for _ in range(2)]

        def add(title, hours, room, kind="talk", people=()):
            data = SessionInput(title=title, kind=kind, starts_at=start + timedelta(hours=hours),
                                ends_at=start + timedelta(hours=hours, minutes=45), room_id=room.id if room else None)
            return create_session(event, data, list(people))

        sessions = [add("Открытие форума", 0, None, kind="plenary"),
                    add("Соцсети муниципалитета", 1, big, people=speakers[:1]),
                    add("Госпаблики: практика", 1, small, people=speakers[1:2])]
        db.session.commit()
        return sessions

    return make


def sign_in(client, user, password=STAFF_PASSWORD):
    """Sign a staff account in on the test client."""
    return client.post("/login", data={"email": user.email, "password": password})


def bearer(user):
    """The Authorization header of a `make_user` account's API token."""
    return {"Authorization": f"Bearer {user.api_token}"}


def sqlite_writers_free() -> bool:
    """Whether another process could take the SQLite writers' machine-wide lock now (a second
    open file of the lock file behaves as another process would)."""
    import fcntl

    from seminar import sqlite_writers
    from seminar.extensions import db

    fd = os.open(sqlite_writers.lock_path(db.engine.url.database), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def pdf_text(data: bytes) -> str:
    """All the text of a PDF, page after page."""
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def decoded_qrs(data: bytes, dpi: int = 150) -> list[str]:
    """Every QR code in a PDF, decoded by zxing-cpp from pages rendered at `dpi`."""
    import pypdfium2
    import zxingcpp

    doc = pypdfium2.PdfDocument(data)
    try:
        return [r.text for page in doc for r in zxingcpp.read_barcodes(page.render(scale=dpi / 72).to_pil())]
    finally:
        doc.close()


# ---------------------------------------------------------------- live server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, url: str, proc: subprocess.Popen, instance: Path, env: dict):
        self.url, self.proc, self.instance, self.env = url, proc, instance, env
        #: The queue worker beside gunicorn, as `make run` starts it (sends the e-mail).
        self.worker: subprocess.Popen | None = None
        #: e-mail → password of the demo staff accounts, as `flask demo` printed them.
        self.passwords: dict[str, str] = {}

    def stop(self) -> None:
        """Stop gunicorn and the queue worker."""
        for proc in (self.proc, self.worker):
            if proc is not None and proc.poll() is None:
                proc.terminate()
        for proc in (self.proc, self.worker):
            if proc is not None:
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()

    def errors(self) -> str:
        """What the app logged as errors (tracebacks included), for an assertion's message."""
        log = (self.instance / "gunicorn.log").read_text(errors="replace")
        start = min((i for i in (log.find("Traceback"), log.find("ERROR")) if i >= 0), default=len(log))
        return log[start:][-6000:]

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


def start_live_server(instance: Path, extra_env: dict | None = None, workers: int = 2,
                      gunicorn_args: tuple[str, ...] = (), queue_worker: bool = True) -> LiveServer:
    port = free_port()
    env = {**os.environ, "SEMINAR_INSTANCE_PATH": str(instance), "SEMINAR_SECRET_KEY": "live-test",
           "SEMINAR_RATELIMIT_REGISTER": "10000 per minute", "SEMINAR_RATELIMIT_LOGIN": "10000 per minute",
           "SEMINAR_MAIL_URL": "", **(extra_env or {})}
    subprocess.run([sys.executable, "-m", "flask", "--app", "seminar", "db", "upgrade"],
                   env=env, cwd=ROOT, check=True, capture_output=True)
    with open(instance / "gunicorn.log", "w") as log:  # the child keeps its own copy of the handle
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", "8",
             "--bind", f"127.0.0.1:{port}", *gunicorn_args, "seminar:create_app()"],
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
    server = LiveServer(f"http://127.0.0.1:{port}", proc, instance, env)
    if queue_worker:
        with open(instance / "worker.log", "a") as log:
            server.worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "seminar", "worker"],
                                             env=env, cwd=ROOT, stdout=log, stderr=log)
    return server


@pytest.fixture
def live_server(tmp_path):
    """gunicorn with 2 workers on a fresh SQLite file, demo data loaded."""
    instance = tmp_path / "live-instance"
    instance.mkdir()
    server = start_live_server(instance)
    server.load_demo()
    yield server
    server.stop()


@pytest.fixture
def pg_live_server(tmp_path, postgres_url):
    """The same server on a fresh PostgreSQL database."""
    instance = tmp_path / "pg-instance"
    instance.mkdir()
    server = start_live_server(instance, {"SEMINAR_DATABASE_URL": postgres_url})
    server.database_url = postgres_url
    server.load_demo()
    yield server
    server.stop()


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
    yield pg_url(name)
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


# ---------------------------------------------------------------- programme sessions, attendees

@pytest.fixture
def make_session(app):
    """A programme session of the event, `minutes` long from the event's start plus `offset`."""
    from seminar.programme.models import Room, Session

    def make(event, title="Секция", *, speakers=(), kind="talk", offset=timedelta(0), room=None,
             room_capacity=None, capacity=None, minutes=60):
        room_row = Room(event=event, name=room, capacity=room_capacity) if room else None
        session = Session(event=event, title=title, kind=kind, room=room_row, capacity=capacity,
                          starts_at=event.starts_at + offset,
                          ends_at=event.starts_at + offset + timedelta(minutes=minutes))
        session.speakers = list(speakers)
        db.session.add(session)
        db.session.commit()
        return session

    return make


@pytest.fixture
def make_talk(make_session):
    """A 30-minute talk of `event` with these registrations as its speakers."""

    def make(event, title, speakers=(), minutes_after_start=0, kind="talk"):
        return make_session(event, title, speakers=speakers, kind=kind,
                            offset=timedelta(minutes=minutes_after_start), minutes=30)

    return make


@pytest.fixture
def make_attendee(make_registration):
    """A registration of `event` checked in at the door (so it earns a certificate once it ends)."""

    def make(event, **kw):
        registration = make_registration(event, **kw)
        mark_checked_in(registration)
        return registration

    return make


@pytest.fixture
def check_in(app):
    """`mark_checked_in`, for tests that take it as a fixture."""
    return mark_checked_in


# ---------------------------------------------------------------- questions

@pytest.fixture
def make_question(app):
    """An organiser's question: make_question(event, "choice", "Секция", choices=[...], limits={...})."""
    from seminar.questions.services import QuestionFields, create_question

    def make(event, type="text", label="Вопрос", kind="registration", **kw):
        question = create_question(event, QuestionFields(kind=kind, type=type, label=label, **kw))
        db.session.commit()
        return question

    return make


# ---------------------------------------------------------------- both databases

@pytest.fixture(params=["sqlite", "postgresql"])
def both_databases(request, app_config):
    """Runs the test on SQLite and on PostgreSQL: name it before `app` (or `client`) in the arguments."""
    if request.param == "postgresql":
        app_config["SQLALCHEMY_DATABASE_URI"] = request.getfixturevalue("postgres_url")
    return request.param


@pytest.fixture
def another_postgres_url(postgres_url):
    """A second fresh PostgreSQL database (e.g. to restore a backup into), dropped afterwards."""
    import psycopg

    name = f"seminar_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------- organiser helpers

@pytest.fixture
def organiser(client, make_user):
    """Sign an organiser of `event` in on the test client; returns the user (with .api_token)."""

    def sign_in_organiser(event, email="org@example.ru", role="organiser"):
        user = make_user(email=email, role=role, event=event)
        sign_in(client, user)
        return user

    return sign_in_organiser


@pytest.fixture
def api_headers():
    """`bearer`, for tests that take it as a fixture."""
    return bearer


# ---------------------------------------------------------------- mail

class SmtpInbox:
    """What a real SMTP server (aiosmtpd) received: envelopes, and the messages parsed."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"

    @property
    def messages(self):
        import email
        from email import policy

        return [email.message_from_bytes(e.content, policy=policy.default) for e in list(self.envelopes)]

    def wait_for(self, n: int, timeout: float = 10) -> list:
        deadline = time.time() + timeout
        while len(self.envelopes) < n and time.time() < deadline:
            time.sleep(0.05)
        return self.messages


def start_smtp(port: int | None = None):
    from aiosmtpd.controller import Controller

    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    return inbox, controller


@pytest.fixture
def smtp_server():
    """A local SMTP server: (inbox, "smtp://127.0.0.1:<port>")."""
    inbox, controller = start_smtp()
    yield inbox, f"smtp://127.0.0.1:{controller.port}"
    controller.stop()


@pytest.fixture
def silent_smtp():
    """An address that accepts connections and never says a word (a hanging mail server)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    yield f"smtp://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


@pytest.fixture
def dead_smtp_url():
    """An address where nothing listens."""
    return f"smtp://127.0.0.1:{free_port()}"


def plain_text(message) -> str:
    """The plain-text part of a parsed e-mail."""
    return message.get_body(preferencelist=("plain",)).get_content()
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
