"""Soak test: ``python -m bench.soak [--registrations 10000] [--doors 20] [--seconds 120] [--broadcast 5000]
[--restart-postgres] [--keep]``.

Not part of `make test` or `make bench`: it needs PostgreSQL (127.0.0.1:5432, user postgres, trust)
and Redis (127.0.0.1:6379, database 14, flushed at the start).

Set-up, as a region's server runs it: a fresh PostgreSQL database, migrations, TWO app servers
(gunicorn --workers 2 --threads 8, as seminar/serve.py ships it), each with its own instance
folder and the same database, Redis, secret key and mail server, ONE queue worker
(`flask --app seminar worker`), and a real SMTP server (aiosmtpd, in this process) as the mail
sink. No proxy: the client alternates between the two app ports (request i goes to server i % 2).

1. Registrations: N through the public form from 8 client threads (each GETs the form once for
   its cookie and CSRF token, then POSTs; the figures are the POSTs); every answer must be 302, and
   the database must hold exactly the registrations that were answered 302.
2. Doors: D threads for S seconds POST badge codes to the check-in API; every 10th code is sent
   by two doors at once, and once the codes run out the doors scan codes again. Expected answers:
   201 (first scan) or 200 (already checked in). A scan answered 503 is scanned again 5 s later
   (the app's Retry-After) with the same scan id, as the door's phone does; after S seconds the
   doors only finish those retries (at most 60 s more). Afterwards every scanned code must have
   exactly one 201 answer and exactly one check-in row; no code that was not scanned may be checked
   in; no code may be left with only 503s.
3. Broadcast: one message through the API to (up to) B registrations, chosen with the API's
   municipality filter; wait (at most 5 minutes) until the outbound_mail table shows every
   e-mail sent, then the SMTP sink must have received each recipient's message exactly once;
   every other sent e-mail (the confirmations of phase 1) must have arrived exactly once too.

--restart-postgres (run as root, or as postgres): at S/3 seconds into phase 2 the PostgreSQL
cluster that listens on the soak's port (found with `pg_lsclusters`) is really restarted,
`pg_ctlcluster <version> <cluster> restart`, from its own thread (bench/outage.py); "down" is when
the command starts, "up" when `pg_isready` first answers after it. The same app servers and queue
worker go on, never restarted: the app must reconnect by itself. A 503 (with Retry-After) is
accepted only for a request that overlapped down … up + 5 s; the 503s are counted apart and
printed with the window, and after the window both app servers must answer 2xx again. Without
the option a 503 anywhere fails the run, as any other 5xx. Whatever happens, the soak ends by
checking `pg_isready` and starting the cluster if it is not up.

Throughout, VmRSS of every gunicorn worker and of the queue worker is sampled every 2 s;
"flat" = the end value within +50 MB of the value after phase 1. The exit code is 1 on any
5xx (a 503 only outside the restart window), any connection error, any lost or doubled
registration, check-in or message, or memory that is not flat. The load average is printed after
each phase and with the table (other benchmarks share the machine). Only 127.0.0.1; every
request has a timeout, every phase a deadline.
"""
from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from http.cookies import SimpleCookie
from importlib import resources
from pathlib import Path

from bench import outage
from bench.checkin import SHIPPED, free_port, start_gunicorn

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("SEMINAR_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = "redis://127.0.0.1:6379/14"
SLUG = "soak-forum"
CLIENTS = 8
TIMEOUT = 30.0
PHASE1_DEADLINE = 1800.0
MAIL_DEADLINE = 300.0
FLAT_MB = 50.0
SAMPLE_EVERY = 2.0
#: A door's phone scans a code again this long after a 503 (the app's Retry-After), with the same scan id.
PHONE_RETRY = 5.0
#: After the doors phase, at most this long to finish the scans that are waiting for a retry.
DRAIN = 60.0
#: Longest wait for the PostgreSQL restart thread after the doors phase.
RESTART_JOIN = 150.0
LAST = ["Иванов", "Петрова", "Смирнов", "Кузнецова", "Попов", "Васильева", "Соколов", "Михайлова"]
FIRST = ["Александр", "Мария", "Сергей", "Анна", "Дмитрий", "Елена", "Андрей", "Ольга"]
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


# ---------------------------------------------------------------- HTTP

@dataclass
class Calls:
    """Statuses and latencies of one phase (thread-safe)."""

    statuses: list[int] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    #: (sent, answered, port, Retry-After) of every 503, in time.time() seconds: checked against the outage.
    unavailable: list[tuple[float, float, int, str]] = field(default_factory=list)
    #: (sent, port) of every 2xx/3xx answer: after a PostgreSQL restart both servers must answer again.
    served: list[tuple[float, int]] = field(default_factory=list)
    #: (sent, answered, status) of every request: what was in flight while PostgreSQL was away.
    timeline: list[tuple[float, float, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: float = field(default_factory=time.perf_counter)
    begun: float = field(default_factory=time.time)
    wall: float = 0.0

    def add(self, status: int, ms: float, sent: float = 0.0, port: int = 0, retry_after: str = "") -> None:
        with self.lock:
            self.statuses.append(status)
            self.latencies.append(ms)
            self.timeline.append((sent, time.time(), status))
            if status == 503:
                self.unavailable.append((sent, time.time(), port, retry_after))
            elif 200 <= status < 400:
                self.served.append((sent, port))

    def done(self) -> None:
        self.wall = time.perf_counter() - self.started

    def percentiles(self) -> tuple[float, float, float]:
        if len(self.latencies) < 2:
            return (self.latencies[0],) * 3 if self.latencies else (0.0, 0.0, 0.0)
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return cuts[49], cuts[94], cuts[98]

    @property
    def errors_5xx(self) -> int:
        """5xx answers other than 503 (counted apart: the database away), and no answer (599)."""
        return sum(1 for s in self.statuses if s >= 500 and s != 503)


def call(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
         calls: Calls | None = None) -> tuple[int, bytes, list[str], str]:
    """One request on a new connection: (status, body, Set-Cookie headers, Location). 599 = no answer."""
    sent, started = time.time(), time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    retry_after = ""
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        status, cookies = response.status, response.msg.get_all("Set-Cookie") or []
        location = response.getheader("Location") or ""
        retry_after = response.getheader("Retry-After") or ""
    except OSError:
        status, data, cookies, location = 599, b"", [], ""
    finally:
        conn.close()
    if calls is not None:
        calls.add(status, (time.perf_counter() - started) * 1000, sent, port, retry_after)
    return status, data, cookies, location


class Visitor:
    """A browser-ish client: one cookie jar, the form's CSRF token."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def keep(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value

    def headers(self) -> dict:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}


# ---------------------------------------------------------------- set-up

def create_database() -> tuple[str, str]:
    import psycopg

    name = f"seminar_soak_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return name, f"{base}/{name}"


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sql(url: str, query: str, params: tuple = ()) -> list[tuple]:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=5) as conn:
        return conn.execute(query, params).fetchall()


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).flushdb()


def seed(env: dict, doors: int, capacity: int) -> dict:
    """Migrations, the Amur region's municipalities, an open event, an organiser and door tokens."""
    subprocess.run([sys.executable, "-m", "flask", "--app", "seminar", "db", "upgrade"],
                   env=env, cwd=ROOT, check=True, capture_output=True, timeout=300)
    os.environ.update(env)  # the queue (Redis) and config of this process, as the servers have them
    from sqlalchemy import select

    from seminar import create_app
    from seminar.auth.services import create_or_update_user, create_token
    from seminar.events.importing import import_municipalities
    from seminar.events.models import Event, Municipality, Region
    from seminar.extensions import db

    app = create_app({"INSTANCE_PATH": env["SEMINAR_INSTANCE_PATH"]})
    with app.app_context():
        import_municipalities(resources.files("seminar.data").joinpath("amur_municipalities.csv")
                              .read_text("utf-8"))
        region_id = db.session.scalar(select(Region.id).where(Region.name == "Амурская область"))
        municipalities = list(db.session.scalars(select(Municipality.id).where(
            Municipality.region_id == region_id).order_by(Municipality.id)))
        now = datetime.now(UTC)
        db.session.add(Event(
            slug=SLUG, title="Форум муниципальных образований — долгий тест", city="Белогорск", venue="ДК",
            timezone="Asia/Yakutsk", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=8),
            capacity=capacity, status="published", region_id=region_id))
        db.session.flush()
        organiser = create_or_update_user("org@soak.local", "organiser", "soak-pass-123", SLUG)
        tokens = {"organiser": create_token(organiser)}
        for d in range(doors):
            door = create_or_update_user(f"door{d}@soak.local", "door", "soak-pass-123", SLUG)
            tokens[f"door-{d}"] = create_token(door)
        db.session.commit()
        event_id = db.session.scalar(select(Event.id).where(Event.slug == SLUG))
        db.session.remove()
        db.engine.dispose()
    return {"municipalities": municipalities, "tokens": tokens, "event_id": event_id}


class Sink:
    """The SMTP server's handler: (Message-ID, recipients, subject) of every message received."""

    def __init__(self) -> None:
        self.received: list[tuple[str, tuple[str, ...], str]] = []
        self.parser = BytesHeaderParser(policy=default_policy)

    async def handle_DATA(self, server, session, envelope):
        headers = self.parser.parsebytes(envelope.original_content or envelope.content)
        message_id = str(headers.get("Message-ID", "")).strip().strip("<>")
        self.received.append((message_id, tuple(r.lower() for r in envelope.rcpt_tos),
                              str(headers.get("Subject", ""))))
        return "250 OK"


# ---------------------------------------------------------------- memory

class Memory:
    """VmRSS of the gunicorn workers (children of the masters) and of the queue worker."""

    def __init__(self, masters: dict[str, int], worker_pid: int) -> None:
        self.masters, self.worker_pid = masters, worker_pid
        self.samples: dict[str, list[float]] = {}
        self.marks: dict[str, dict[str, float]] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    @staticmethod
    def rss_mb(pid: int) -> float | None:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def processes(self) -> dict[str, int]:
        found = {"queue worker": self.worker_pid}
        for name, master in self.masters.items():
            try:
                children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
            except OSError:
                continue
            for pid in children:
                found[f"{name} worker {pid}"] = int(pid)
        return found

    def sample(self) -> dict[str, float]:
        now = {}
        for label, pid in self.processes().items():
            rss = self.rss_mb(pid)
            if rss is not None:
                now[label] = rss
                self.samples.setdefault(label, []).append(rss)
        return now

    def mark(self, name: str) -> None:
        self.marks[name] = self.sample()

    def run(self) -> None:
        while not self.stop.wait(SAMPLE_EVERY):
            self.sample()


# ---------------------------------------------------------------- phases

def phase_registrations(ports: list[int], n: int, municipalities: list[int]) -> tuple[Calls, set[str]]:
    calls = Calls()
    position = iter(range(n))
    lock = threading.Lock()
    accepted: set[str] = set()
    deadline = time.monotonic() + PHASE1_DEADLINE

    def client(c: int) -> None:
        visitor = Visitor()
        status, html, cookies, _ = call(ports[c % 2], "GET", f"/events/{SLUG}/register")
        visitor.keep(cookies)
        found = CSRF.search(html.decode("utf-8", "replace"))
        if status != 200 or not found:
            return
        token = found.group(1)
        while time.monotonic() < deadline:
            with lock:
                i = next(position, None)
            if i is None:
                return
            email = f"soak{i}@example.ru"
            form = {"csrf_token": token, "last_name": LAST[i % 8], "first_name": FIRST[i % 8],
                    "middle_name": "Петрович", "email": email, "phone": f"+7 914 {i % 1000:03d}-{i // 1000:02d}-00",
                    "municipality": str(municipalities[i % len(municipalities)]),
                    "organization": "Администрация муниципального образования", "position": "Специалист",
                    "consent": "y"}
            status, _, cookies, location = call(
                ports[i % 2], "POST", f"/events/{SLUG}/register", urllib.parse.urlencode(form).encode(),
                {"Content-Type": "application/x-www-form-urlencoded", **visitor.headers()}, calls)
            visitor.keep(cookies)
            if status == 302 and "/r/" in location:
                with lock:
                    accepted.add(email)

    run_threads(client, CLIENTS, PHASE1_DEADLINE + TIMEOUT + 5)
    calls.done()
    return calls, accepted


def phase_doors(ports: list[int], codes: list[str], tokens: dict[str, str], doors: int, seconds: float,
                restart: Callable[[], None] | None = None) -> tuple[Calls, Counter, Counter, set[str], list[str]]:
    """Doors scan for `seconds`; `restart` (if any) runs in its own thread at a third of them.

    A scan answered 503 is scanned again PHONE_RETRY seconds later with the same scan id, as the
    door's phone does; after `seconds` the doors only finish those (at most DRAIN more seconds).
    Returns the calls, 201s per code, answers per status, codes with a 2xx, codes still unanswered.
    """
    calls = Calls()
    # Every 10th code twice in a row: two doors take it at about the same instant.
    work = [c for i, code in enumerate(codes) for c in ((code, code) if i % 10 == 0 else (code,))]
    position = iter(range(len(work)))
    lock = threading.Lock()
    firsts: Counter = Counter()
    answers: Counter = Counter()
    scanned: set[str] = set()
    again: list[str] = []
    retries: list[tuple[float, str, str]] = []  # (due, code, scan id), oldest first
    deadline = time.monotonic() + seconds
    drain_deadline = deadline + DRAIN

    def next_scan(d: int, k: int) -> tuple[str, str] | None:
        """A retry that is due, else a new code while the phase lasts; None: wait; ("", "") stop."""
        now = time.monotonic()
        with lock:
            if retries and retries[0][0] <= now:
                _, code, scan_id = retries.pop(0)
                return code, scan_id
            if now >= deadline:
                return None if retries and now < drain_deadline else ("", "")
            i = next(position, None)
            if i is not None:
                return work[i], str(uuid.uuid4())
            if again:  # every code scanned once: scan them again (answer: already checked in)
                return again[(d * 7919 + k) % len(again)], str(uuid.uuid4())
            return None if retries else ("", "")

    def door(d: int) -> None:
        headers = {"Authorization": f"Bearer {tokens[f'door-{d}']}", "Content-Type": "application/json"}
        k = 0
        while True:
            scan = next_scan(d, k)
            if scan is None:
                time.sleep(0.2)
                continue
            code, scan_id = scan
            if not code:
                return
            k += 1
            body = json.dumps({"code": code, "device": f"door-{d}", "scan_id": scan_id}).encode()
            status, data, _, _ = call(ports[(d + k) % 2], "POST", f"/api/v1/events/{SLUG}/checkins",
                                      body, headers, calls)
            try:
                outcome = json.loads(data).get("status", "?") if data else "?"
            except ValueError:
                outcome = "not json"
            with lock:
                answers[(status, outcome)] += 1
                if status == 503:
                    retries.append((time.monotonic() + PHONE_RETRY, code, scan_id))
                if status == 201:
                    firsts[code] += 1
                if 200 <= status < 300 and code not in scanned:
                    scanned.add(code)
                    again.append(code)

    restarter = None
    if restart is not None:
        restarter = threading.Timer(seconds / 3, restart)
        restarter.start()
    run_threads(door, doors, seconds + DRAIN + TIMEOUT + 5)
    if restarter is not None:
        restarter.join(RESTART_JOIN)
    calls.done()
    return calls, firsts, answers, scanned, sorted({code for _, code, _ in retries})


def run_threads(target, count: int, timeout: float) -> None:
    """`target(i)` for i in range(count), each in its own thread; wait for all (at most `timeout`)."""
    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)


def choose_municipalities(url: str, event_id: int, limit: int) -> tuple[list[int] | None, int]:
    """Municipalities whose registrations add up to at most `limit` (None: everyone fits)."""
    rows = sql(url, "SELECT municipality_id, count(*) FROM registration WHERE event_id = %s "
                    "AND status <> 'cancelled' GROUP BY municipality_id ORDER BY municipality_id", (event_id,))
    total = sum(count for _, count in rows)
    if total <= limit:
        return None, total
    chosen, count = [], 0
    for mid, n in rows:
        if count + n <= limit:
            chosen.append(mid)
            count += n
    return chosen, count


def phase_broadcast(ports: list[int], url: str, event_id: int, token: str, limit: int,
                    sink: Sink) -> tuple[Calls, dict]:
    calls = Calls()
    chosen, expected = choose_municipalities(url, event_id, limit)
    run = uuid.uuid4().hex[:8]
    body = {"subject": f"Soak {run}: автобусы на форум",
            "body": "{first_name}, добрый день!\n\nАвтобусы отправляются в 7:30. Ваша страница: {personal_url}\n"
                    "\nДо встречи на форуме «{event_title}».",
            "filter": {"municipality": chosen} if chosen is not None else {}}
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    status, data, _, _ = call(ports[0], "POST", f"/api/v1/events/{SLUG}/messages", json.dumps(body).encode(),
                              headers, calls)
    result: dict = {"status": status, "expected": expected, "answer": data[:300].decode("utf-8", "replace")}
    if status != 202:
        calls.done()
        return calls, result
    answer = json.loads(data)
    result["id"], result["recipients"] = answer["id"], answer["recipients"]
    deadline = time.monotonic() + MAIL_DEADLINE
    polls = 0
    delivery: dict = {}
    while time.monotonic() < deadline:
        polls += 1
        status, data, _, _ = call(ports[polls % 2], "GET", f"/api/v1/events/{SLUG}/messages/{answer['id']}",
                                  headers={"Authorization": f"Bearer {token}"}, calls=calls)
        if status == 200:
            delivery = json.loads(data)
            pending = sql(url, "SELECT count(*) FROM outbound_mail WHERE status IN ('pending', 'sending')")[0][0]
            if delivery["pending"] == 0 and delivery["sent"] + delivery["failed"] >= answer["recipients"] \
                    and pending == 0:
                break
        time.sleep(1.0)
    result["delivery"] = delivery
    result["seconds"] = time.perf_counter() - calls.started
    time.sleep(1.0)  # the last SMTP transaction's handler has run
    calls.done()
    return calls, result


# ---------------------------------------------------------------- checks

def check_registrations(url: str, event_id: int, accepted: set[str], wanted: int) -> list[str]:
    rows = sql(url, "SELECT email, status FROM registration WHERE event_id = %s", (event_id,))
    emails = Counter(email for email, _ in rows)
    problems = []
    if len(accepted) != wanted:
        problems.append(f"only {len(accepted)} of {wanted} registrations answered 302")
    if doubled := [e for e, n in emails.items() if n > 1]:
        problems.append(f"{len(doubled)} e-mail addresses registered twice, e.g. {doubled[:3]}")
    if lost := accepted - set(emails):
        problems.append(f"{len(lost)} registrations answered 302 but not in the database, e.g. {sorted(lost)[:3]}")
    if extra := set(emails) - accepted:
        problems.append(f"{len(extra)} registrations in the database without a 302, e.g. {sorted(extra)[:3]}")
    if not_confirmed := Counter(status for _, status in rows if status != "confirmed"):
        problems.append(f"not confirmed: {dict(not_confirmed)}")
    return problems


def check_checkins(url: str, event_id: int, firsts: Counter, answers: Counter, scanned: set[str],
                   unanswered: list[str]) -> list[str]:
    rows = sql(url, "SELECT r.badge_code, count(c.id) FROM registration r LEFT JOIN checkin c "
                    "ON c.registration_id = r.id WHERE r.event_id = %s GROUP BY r.badge_code", (event_id,))
    in_db = {code: n for code, n in rows}
    problems = []
    if doubled_rows := [c for c, n in in_db.items() if n > 1]:
        problems.append(f"{len(doubled_rows)} codes with more than one check-in row")
    if doubled_201 := [c for c, n in firsts.items() if n > 1]:
        problems.append(f"{len(doubled_201)} codes answered 201 more than once, e.g. {doubled_201[:3]}")
    if lost := [c for c in scanned if in_db.get(c, 0) != 1]:
        problems.append(f"{len(lost)} scanned codes not checked in, e.g. {lost[:3]}")
    if no_201 := [c for c in scanned if firsts[c] != 1]:
        problems.append(f"{len(no_201)} scanned codes without exactly one 201")
    if stray := [c for c, n in in_db.items() if n and c not in scanned]:
        problems.append(f"{len(stray)} codes checked in that no door scanned")
    if unanswered:
        problems.append(f"{len(unanswered)} codes answered 503 and never answered on a retry, e.g. {unanswered[:3]}")
    expected = {(201, "checked_in"), (200, "already_checked_in")}  # 503s: judged against the restart
    if unexpected := {k: v for k, v in answers.items() if k not in expected and k[0] != 503}:
        problems.append(f"unexpected answers: {unexpected}")
    return problems


def check_mail(url: str, event_id: int, broadcast: dict, sink: Sink) -> tuple[list[str], dict]:
    problems: list[str] = []
    received = Counter(message_id for message_id, _, _ in sink.received)
    rows = sql(url, "SELECT message_id, kind, status, broadcast_id, registration_id, recipient FROM outbound_mail")
    by_status = Counter((kind, status) for _, kind, status, _, _, _ in rows)
    figures = {"outbound": dict(by_status), "received": len(sink.received)}
    sent_ids = {row[0] for row in rows if row[2] == "sent"}
    if not_sent := {k: v for k, v in by_status.items() if k[1] != "sent"}:
        problems.append(f"outbound_mail not sent: {not_sent}")
    if lost := sent_ids - set(received):
        problems.append(f"{len(lost)} e-mails marked sent that the SMTP server never received")
    if doubled := [m for m, n in received.items() if n > 1]:
        problems.append(f"{len(doubled)} e-mails received more than once, e.g. {doubled[:3]}")
    if stray := set(received) - {row[0] for row in rows}:
        problems.append(f"{len(stray)} e-mails received that are not in outbound_mail")
    confirmations = Counter(row[4] for row in rows if row[1] == "confirmation")
    registrations = {r for (r,) in sql(url, "SELECT id FROM registration WHERE event_id = %s", (event_id,))}
    if set(confirmations) != registrations or any(n != 1 for n in confirmations.values()):
        problems.append(f"confirmations: {len(confirmations)} registrations with one, "
                        f"{sum(1 for n in confirmations.values() if n > 1)} with more, of {len(registrations)}")
    if "id" in broadcast:
        mine = [row for row in rows if row[3] == broadcast["id"]]
        per_registration = Counter(row[4] for row in mine)
        expected = broadcast["recipients"]
        if len(per_registration) != expected or any(n != 1 for n in per_registration.values()):
            problems.append(f"broadcast rows: {len(mine)} for {len(per_registration)} registrations, "
                            f"expected {expected}")
        ids = {row[0] for row in mine}
        got = Counter(rcpt for message_id, rcpts, _ in sink.received if message_id in ids for rcpt in rcpts)
        wanted = Counter(row[5].lower() for row in mine)
        if got != wanted:
            problems.append(f"broadcast at the SMTP server: {sum(got.values())} deliveries to {len(got)} "
                            f"addresses, expected {sum(wanted.values())} to {len(wanted)}")
        figures["broadcast_received"] = sum(got.values())
        if broadcast["recipients"] != broadcast["expected"]:
            problems.append(f"broadcast recipients {broadcast['recipients']}, expected {broadcast['expected']}")
    else:
        problems.append(f"broadcast refused: {broadcast.get('status')} {broadcast.get('answer')}")
    return problems, figures


# ---------------------------------------------------------------- report

def row(phase: str, calls: Calls, exact: str) -> str:
    p50, p95, p99 = calls.percentiles()
    rps = len(calls.statuses) / calls.wall if calls.wall else 0.0
    errors = sum(1 for s in calls.statuses if s == 599)
    return (f"| {phase} | {len(calls.statuses)} | {rps:.0f} | {p50:.0f} / {p95:.0f} / {p99:.0f} | "
            f"{len(calls.unavailable)} | {calls.errors_5xx - errors} | {errors} | {exact} |")


def load() -> str:
    """The load average: other benchmarks share this machine, so every figure comes with it."""
    return "load {:.2f} / {:.2f} / {:.2f}".format(*os.getloadavg())


def unavailable_summary(cluster: outage.Outage, calls: Calls) -> str:
    """When the doors' 503s came, relative to the restart, and when each server answered again."""
    if cluster.down is None or cluster.up is None:
        return f"{len(calls.unavailable)} × 503 at the doors"
    down = cluster.down
    parts = [f"{len(calls.unavailable)} × 503 at the doors"]
    if calls.unavailable:
        answered = [a[1] - down for a in calls.unavailable]
        parts.append(f"answered {min(answered):+.1f} s to {max(answered):+.1f} s after down "
                     f"(up at {cluster.up - down:+.1f} s)")
        parts.append("per app server " + ", ".join(f":{port} {n}" for port, n in
                                                   sorted(Counter(a[2] for a in calls.unavailable).items())))
        parts.append("Retry-After " + ", ".join(f"{v or 'none'}: {n}" for v, n in
                                                Counter(a[3] for a in calls.unavailable).items()))
    during = [(answered - sent, status) for sent, answered, status in calls.timeline
              if sent <= cluster.up and answered >= down]
    if during:
        parts.append(f"{len(during)} door requests overlapped down–up: "
                     + ", ".join(f"{status}: {n}" for status, n in sorted(Counter(s for _, s in during).items()))
                     + f", the longest took {max(t for t, _ in during):.1f} s")
    for port in sorted({port for _, port in calls.served}):
        after = [sent for sent, p in calls.served if p == port and sent >= cluster.up]
        if after:
            parts.append(f":{port} first 2xx sent {min(after) - down:+.1f} s after down")
    return "; ".join(parts)


def memory_table(memory: Memory) -> tuple[list[str], bool]:
    lines = ["| process | start MB | after phase 1 MB | peak MB | end MB | end − after phase 1 |",
             "|---|---|---|---|---|---|"]
    flat = True
    base, end = memory.marks.get("after registrations", {}), memory.marks.get("end", {})
    for label, samples in memory.samples.items():
        start = memory.marks.get("start", {}).get(label, samples[0])
        growth = end[label] - base[label] if label in end and label in base else None
        if growth is not None and growth > FLAT_MB:
            flat = False
        lines.append(f"| {label} | {start:.0f} | {base.get(label, float('nan')):.0f} | {max(samples):.0f} | "
                     f"{end.get(label, samples[-1]):.0f} | "
                     + (f"{growth:+.0f} MB" if growth is not None else "n/a (process not alive at both marks)")
                     + " |")
    return lines, flat


def gunicorn_errors(logs: list[Path]) -> str:
    out = []
    for log in logs:
        text = log.read_text("utf-8", "replace") if log.exists() else ""
        if "Traceback" in text:
            out.append(f"--- {log}\n" + text[text.index("Traceback"):][:6000])
    return "\n".join(out)


# ---------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=10000)
    parser.add_argument("--doors", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--broadcast", type=int, default=5000, help="at most this many recipients")
    parser.add_argument("--keep", action="store_true", help="keep the database, folders and Redis data")
    parser.add_argument("--restart-postgres", action="store_true",
                        help="restart the PostgreSQL server (pg_ctlcluster, as root) at a third of the doors phase")
    args = parser.parse_args(argv)
    pg = urllib.parse.urlsplit(PG_ADMIN_URL)
    pg_host, pg_port = pg.hostname or "127.0.0.1", pg.port or 5432
    cluster = outage.find_cluster(pg_port) if args.restart_postgres else None

    tmp = Path(tempfile.mkdtemp(prefix="soak-"))
    db_name, url = create_database()
    flush_redis()
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: a line per SMTP command
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    common = {**os.environ, "SEMINAR_DATABASE_URL": url, "SEMINAR_REDIS_URL": REDIS_URL,
              "SEMINAR_SECRET_KEY": f"soak-{uuid.uuid4().hex}", "SEMINAR_MAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
              "SEMINAR_PUBLIC_URL": "http://127.0.0.1:8080",
              "SEMINAR_RATELIMIT_REGISTER": "1000000 per minute", "SEMINAR_RATELIMIT_LOGIN": "1000000 per minute"}
    envs = {}
    for name in ("A", "B", "worker"):
        (tmp / name).mkdir()
        envs[name] = {**common, "SEMINAR_INSTANCE_PATH": str(tmp / name)}
    procs: list[subprocess.Popen] = []
    logs = [tmp / "A.log", tmp / "B.log", tmp / "worker.log"]
    memory: Memory | None = None
    exit_code = 1
    try:
        t0 = time.time()
        seeded = seed(envs["A"], args.doors, args.registrations + 100)
        print(f"database {db_name}, seeded in {time.time() - t0:.1f} s; folders in {tmp}", flush=True)
        servers = {}
        for name in ("A", "B"):
            proc, port = start_gunicorn("seminar:create_app()", envs[name], tmp / f"{name}.log", SHIPPED)
            procs.append(proc)
            servers[name] = (proc.pid, port)
        with open(tmp / "worker.log", "w") as log:  # the child keeps its own handle
            worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "seminar", "worker"],
                                      env=envs["worker"], cwd=ROOT, stdout=log, stderr=log)
        procs.append(worker)
        ports = [servers["A"][1], servers["B"][1]]
        print(f"app servers on 127.0.0.1:{ports[0]} and :{ports[1]} (client alternates), "
              f"queue worker pid {worker.pid}, SMTP sink :{smtp.port}", flush=True)
        memory = Memory({name: pid for name, (pid, _) in servers.items()}, worker.pid)
        for port in ports:  # every worker has imported the app
            for _ in range(8):
                call(port, "GET", "/healthz")
        memory.mark("start")
        memory.thread.start()

        calls1, accepted = phase_registrations(ports, args.registrations, seeded["municipalities"])
        problems1 = check_registrations(url, seeded["event_id"], accepted, args.registrations)
        memory.mark("after registrations")
        print(f"phase 1: {len(accepted)} registrations in {calls1.wall:.1f} s ({load()})", flush=True)

        codes = [code for (code,) in sql(url, "SELECT badge_code FROM registration WHERE event_id = %s "
                                              "AND status = 'confirmed' ORDER BY id", (seeded["event_id"],))]
        restart = (lambda: outage.restart(cluster, pg_host, pg_port)) if cluster is not None else None
        calls2, firsts, answers, scanned, unanswered = phase_doors(ports, codes, seeded["tokens"], args.doors,
                                                                   args.seconds, restart)
        problems2 = check_checkins(url, seeded["event_id"], firsts, answers, scanned, unanswered)
        memory.mark("after doors")
        print(f"phase 2: {len(calls2.statuses)} scans, {len(scanned)} codes checked in, "
              f"{len(calls2.unavailable)} × 503 ({load()})", flush=True)
        if cluster is not None:
            print(cluster.describe(calls2.begun), flush=True)

        calls3, broadcast = phase_broadcast(ports, url, seeded["event_id"], seeded["tokens"]["organiser"],
                                            args.broadcast, sink)
        problems3, mail = check_mail(url, seeded["event_id"], broadcast, sink)
        memory.mark("end")
        memory.stop.set()
        print(f"phase 3: broadcast {broadcast.get('recipients')} recipients, {broadcast.get('delivery')} "
              f"in {broadcast.get('seconds', 0):.1f} s ({load()})", flush=True)
        problems503 = outage.judge(cluster, {"registrations": calls1.unavailable, "doors": calls2.unavailable,
                                             "broadcast": calls3.unavailable},
                                   calls2.served + calls3.served, ports)
        dead = [p.pid for p in procs if p.poll() is not None]

        load1, load5, load15 = os.getloadavg()
        print(f"\n## Soak: 2 app servers (gunicorn {' '.join(SHIPPED)}), 1 queue worker, PostgreSQL + Redis, "
              f"127.0.0.1\n\nload average {load1:.2f} / {load5:.2f} / {load15:.2f} (1 / 5 / 15 min) on "
              f"{os.cpu_count()} cores\n")
        print("| phase | requests | req/s | p50 / p95 / p99 ms | 503 | other 5xx | no answer | exactness |")
        print("|---|---|---|---|---|---|---|---|")
        print(row(f"1. registrations (form, {CLIENTS} clients)", calls1,
                  f"{len(accepted)} × 302 = {len(accepted)} rows: "
                  + ("OK" if not problems1 else "; ".join(problems1))))
        print(row(f"2. doors ({args.doors} × {args.seconds:.0f} s)", calls2,
                  f"{len(scanned)} codes, each one 201 and one row; answers "
                  + ", ".join(f"{s} {o}: {n}" for (s, o), n in sorted(answers.items())) + ": "
                  + ("OK" if not problems2 else "; ".join(problems2))))
        print(row("3. broadcast (send + status polls)", calls3,
                  f"{broadcast.get('recipients')} recipients, {mail.get('broadcast_received', 0)} received, "
                  f"all mail {mail['outbound']} / {mail['received']} received, "
                  f"{broadcast.get('seconds', 0):.0f} s: " + ("OK" if not problems3 else "; ".join(problems3))))
        lines, flat = memory_table(memory)
        print(f"\nMemory (VmRSS, sampled every {SAMPLE_EVERY:.0f} s; flat = end within +{FLAT_MB:.0f} MB of "
              f"after phase 1): {'flat' if flat else 'NOT FLAT'}\n")
        print("\n".join(lines))
        if cluster is not None:
            print(f"\n{cluster.describe(calls2.begun)}")
            print(unavailable_summary(cluster, calls2))
        if problems503:
            print("\n503 problems: " + "; ".join(problems503))
        bad = calls1.errors_5xx + calls2.errors_5xx + calls3.errors_5xx
        if dead:
            print(f"\nprocesses that exited during the run: {dead}")
        if errors := gunicorn_errors(logs):
            print("\nTracebacks in the logs:\n" + errors)
        ok = not (bad or problems1 or problems2 or problems3 or problems503 or dead) and flat
        print(f"\nresult: {'PASS' if ok else 'FAIL'} (5xx other than 503, or no answer: {bad}; "
              f"503: {len(calls1.unavailable) + len(calls2.unavailable) + len(calls3.unavailable)})")
        exit_code = 0 if ok else 1
    finally:
        if memory is not None:
            memory.stop.set()
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(2 if proc is procs[-1] and len(procs) == 3 else 15)
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        smtp.stop()
        if cluster is not None:
            print(outage.ensure_running(cluster, pg_host, pg_port), flush=True)
        if args.keep:
            print(f"kept: database {db_name} ({url}), folders {tmp}, Redis {REDIS_URL}")
        else:
            drop_database(db_name)
            flush_redis()
            shutil.rmtree(tmp, ignore_errors=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
