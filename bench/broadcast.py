"""Broadcast benchmark: ``python -m bench.broadcast [--n 5000]``.

A message to N registrations (Cyrillic names) of one event, through the real path: the
organiser's request writes one broadcast row and answers; a separate `flask --app seminar
worker` (SQLite queue in the instance folder, 2 threads) fans it out into N e-mails (text +
HTML, personalised) and sends them. Two runs on fresh SQLite instances: the .eml outbox (sent
from the organiser's page) and a local aiosmtpd server (sent through the JSON API).

Reported: the request's answer time, the time until every e-mail is sent, messages per second,
and the worker's peak memory (VmHWM). Floor, same run: the same N messages built with
email.message and handed over in a bare loop (files / one SMTP connection), no database.
"""
from __future__ import annotations

import argparse
import json
import os
import smtplib
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLUG = "bench-forum"
DEADLINE = 240.0
LAST = ["Иванов", "Петрова", "Смирнов", "Кузнецова", "Попов", "Васильева", "Соколов", "Михайлова"]
FIRST = ["Александр", "Мария", "Сергей", "Анна", "Дмитрий", "Елена", "Андрей", "Ольга"]
BODY = ("{first_name}, добрый день!\n\nАвтобусы из районных центров отправляются в 7:30. "
        "Ваша личная страница: {personal_url}\n\nДо встречи на форуме «{event_title}».")


def seed(instance: Path, n: int):
    """A fresh instance with one event and N confirmed registrations; returns the app and a token."""
    os.environ["SEMINAR_INSTANCE_PATH"] = str(instance)
    from sqlalchemy import insert

    from seminar import create_app
    from seminar.auth.services import create_or_update_user, create_token
    from seminar.events.models import Event, Municipality, Region
    from seminar.extensions import db
    from seminar.registration.models import Registration, name_key

    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'seminar.sqlite3'}"})
    with app.app_context():
        db.create_all()
        region = Region(name="Амурская область")
        town = Municipality(region=region, name="город Белогорск", kind="городской округ")
        start = datetime.now(UTC) + timedelta(days=20)
        event = Event(slug=SLUG, title="Форум муниципальных образований", city="Белогорск", venue="ДК",
                      timezone="Asia/Yakutsk", starts_at=start, ends_at=start + timedelta(hours=8),
                      status="published", region=region)
        db.session.add_all([region, town, event])
        db.session.flush()
        now = datetime.now(UTC)
        db.session.execute(insert(Registration), [{
            "event_id": event.id, "last_name": LAST[i % 8], "first_name": FIRST[i % 8], "middle_name": "Петрович",
            "last_name_key": name_key(LAST[i % 8]), "email": f"p{i}@example.ru", "municipality_id": town.id,
            "status": "confirmed", "consent_version": "bench", "consent_at": now} for i in range(n)])
        user = create_or_update_user("org@example.ru", "organiser", "bench-pass-1", SLUG)
        token = create_token(user)
        db.session.commit()
    return app, token


def start_worker(instance: Path, mail_url: str) -> subprocess.Popen:
    env = {**os.environ, "SEMINAR_INSTANCE_PATH": str(instance), "SEMINAR_SECRET_KEY": "bench",
           "SEMINAR_MAIL_URL": mail_url}
    env.pop("SEMINAR_REDIS_URL", None)
    log = open(instance / "worker.log", "w")  # noqa: SIM115 - the child keeps it
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "seminar", "worker"],
                            env=env, cwd=ROOT, stdout=log, stderr=log)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def sent_count(instance: Path) -> tuple[int, int]:
    with sqlite3.connect(instance / "seminar.sqlite3", timeout=30) as con:
        sent = con.execute("SELECT count(*) FROM outbound_mail WHERE status = 'sent'").fetchone()[0]
        failed = con.execute("SELECT count(*) FROM outbound_mail WHERE status = 'failed'").fetchone()[0]
    return sent, failed


def run_ours(n: int, transport: str, mail_url: str) -> dict:
    instance = Path(tempfile.mkdtemp(prefix="bench-broadcast-"))
    app, token = seed(instance, n)
    worker = start_worker(instance, mail_url)
    time.sleep(3)  # the worker is up and idle
    client = app.test_client()
    t0 = time.perf_counter()
    if transport == "eml":  # the organiser's page
        client.post("/login", data={"email": "org@example.ru", "password": "bench-pass-1"})
        t0 = time.perf_counter()
        response = client.post(f"/manage/events/{SLUG}/messages/new", data={
            "subject": "Автобусы на форум", "body": BODY, "status": "confirmed", "action": "send"})
        ok = response.status_code == 302
    else:  # the JSON API
        response = client.post(f"/api/v1/events/{SLUG}/messages", json={"subject": "Автобусы на форум", "body": BODY},
                               headers={"Authorization": f"Bearer {token}"})
        ok = response.status_code == 202 and response.json["recipients"] == n
    answered = time.perf_counter() - t0
    deadline = time.time() + DEADLINE
    sent = failed = 0
    while time.time() < deadline:
        sent, failed = sent_count(instance)
        if sent + failed >= n:
            break
        time.sleep(0.2)
    done = time.perf_counter() - t0
    memory = peak_rss_mb(worker.pid)
    worker.send_signal(2)
    worker.wait(30)
    return {"answer_ms": answered * 1000, "seconds": done, "sent": sent, "failed": failed, "ok": ok,
            "rate": sent / done if done else 0, "memory_mb": memory}


def run_floor(n: int, transport: str, mail_url: str) -> float:
    """Messages per second of a bare loop: build an e-mail, write it or send it on one connection."""
    folder = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    t0 = time.perf_counter()
    smtp = None
    if transport == "smtp":
        host, port = mail_url.rsplit("/", 1)[1].split(":")
        smtp = smtplib.SMTP(host, int(port), timeout=10)
    for i in range(n):
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "noreply@seminar.local", f"p{i}@example.ru", "Автобусы на форум"
        msg.set_content(BODY.format(first_name=FIRST[i % 8], personal_url=f"http://x/r/{uuid.uuid4().hex}",
                                    event_title="Форум"))
        if smtp is not None:
            smtp.send_message(msg)
        else:
            (folder / f"{i:06d}.eml").write_bytes(bytes(msg))
    if smtp is not None:
        smtp.quit()
    return n / (time.perf_counter() - t0)


def measure(transport: str, n: int) -> dict:
    """One transport in this process (the queue binds to its instance folder on import)."""
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    url = f"smtp://127.0.0.1:{port}" if transport == "smtp" else ""
    try:
        ours = run_ours(n, transport, url)
        ours["floor"] = run_floor(n, transport, url)
    finally:
        controller.stop()
    return ours


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--transport", choices=("eml", "smtp"), help="run one transport, print JSON")
    args = parser.parse_args()
    if args.transport:
        print("RESULT " + json.dumps(measure(args.transport, args.n)), flush=True)
        return 0
    failed = 0
    print(f"broadcast to {args.n} registrations; worker: 2 threads, SQLite queue and database")
    print(f"{'transport':<10} {'answer':>9} {'all sent':>9} {'msg/s':>7} {'floor msg/s':>12} {'ratio':>6} "
          f"{'worker RSS':>11}")
    for transport in ("eml", "smtp"):
        out = subprocess.run([sys.executable, "-m", "bench.broadcast", "--n", str(args.n), "--transport", transport],
                             cwd=ROOT, capture_output=True, text=True, timeout=DEADLINE + 120)
        line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            print(f"{transport:<10} FAILED\n{out.stderr[-2000:]}")
            failed += 1
            continue
        ours = json.loads(line[len("RESULT "):])
        print(f"{transport:<10} {ours['answer_ms']:>7.0f}ms {ours['seconds']:>8.1f}s {ours['rate']:>7.0f} "
              f"{ours['floor']:>12.0f} {ours['rate'] / ours['floor']:>6.2f} {ours['memory_mb']:>8.0f} MB", flush=True)
        if not ours["ok"] or ours["sent"] != args.n:
            print(f"  FAILED: sent {ours['sent']}, failed {ours['failed']} of {args.n}")
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
