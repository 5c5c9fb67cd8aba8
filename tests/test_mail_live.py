"""The queue with real processes: kill -9 of the web server and the worker loses no message and sends
none twice; two workers on one Redis send each message once."""
from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT, start_live_server, start_smtp
from tests.test_concurrency import Browserish, municipality_id


def descendants(pid: int) -> list[int]:
    """The process and all its children (from /proc), to kill -9 a whole gunicorn."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def kill_9(proc: subprocess.Popen) -> None:
    for pid in descendants(proc.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.wait(10)


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    with open(log, "a") as out:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "seminar", "worker"],
                                env=env, cwd=ROOT, stdout=out, stderr=out)


def register(base: str, slug: str, i: int) -> int:
    visitor = Browserish(base)
    html = visitor.get(f"/events/{slug}/register")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    return visitor.post(f"/events/{slug}/register", {
        "csrf_token": token, "last_name": "Убитова", "first_name": "Вера", "email": f"killed{i}@example.ru",
        "municipality": municipality_id(html), "organization": "Администрация", "position": "Специалист",
        "consent": "y"})


OPEN_EVENT = """
from datetime import UTC, datetime, timedelta
from sqlalchemy import select
from seminar.events.models import Event
from seminar.extensions import db
demo = db.session.scalar(select(Event))
start = datetime.now(UTC) + timedelta(days=30)
db.session.add(Event(slug="open-forum", title="Открытый форум", city="Белогорск", timezone="Asia/Yakutsk",
                     starts_at=start, ends_at=start + timedelta(hours=8), status="published", region=demo.region))
db.session.commit()
"""


def test_kill_9_of_web_and_worker_loses_no_confirmation_and_sends_none_twice(tmp_path, silent_smtp):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("MAIL_RETRY_SECONDS = 2\n")
    env = {"SEMINAR_MAIL_URL": silent_smtp, "SEMINAR_MAIL_TIMEOUT": "2"}
    server = start_live_server(instance, env, queue_worker=False)
    server.flask("demo")
    server.flask("shell", input=OPEN_EVENT)
    worker = start_worker(server.env, instance / "worker.log")
    try:
        codes = [register(server.url, "open-forum", i) for i in range(10)]
        assert codes == [302] * 10  # the answers came while the mail server said nothing
        time.sleep(1.5)  # the worker is stuck talking to the silent server
    finally:
        kill_9(server.proc)
        kill_9(worker)
    inbox, controller = start_smtp()
    try:
        env["SEMINAR_MAIL_URL"] = f"smtp://127.0.0.1:{controller.port}"
        server = start_live_server(instance, env, queue_worker=False)
        worker = start_worker(server.env, instance / "worker.log")
        try:
            inbox.wait_for(10, timeout=90)
            time.sleep(3)  # anything sent twice would arrive now
        finally:
            server.proc.terminate()
            worker.send_signal(signal.SIGINT)
            server.proc.wait(10)
            worker.wait(20)
    finally:
        controller.stop()
    recipients = sorted(e.rcpt_tos[0] for e in inbox.envelopes)
    assert recipients == sorted(f"killed{i}@example.ru" for i in range(10))
    assert all(m["Subject"].startswith("Регистрация") for m in inbox.messages)


def test_two_workers_on_one_redis_send_each_message_once(tmp_path, redis_url, smtp_server):
    from seminar import create_app
    from seminar.extensions import db
    from seminar.mail import MailSettings, build_message
    from seminar.messages import outbox
    from seminar.messages.broadcasts import insert_ignoring_duplicates

    inbox, url = smtp_server
    instance = tmp_path / "instance"
    instance.mkdir()
    env = {**os.environ, "SEMINAR_INSTANCE_PATH": str(instance), "SEMINAR_SECRET_KEY": "live-test",
           "SEMINAR_MAIL_URL": url, "SEMINAR_REDIS_URL": redis_url}
    subprocess.run([sys.executable, "-m", "flask", "--app", "seminar", "db", "upgrade"], env=env, cwd=ROOT,
                   check=True, capture_output=True)
    app = create_app({"INSTANCE_PATH": str(instance),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'seminar.sqlite3'}"})
    n = 200
    with app.app_context():
        settings = MailSettings.from_config(app.config)
        insert_ignoring_duplicates([
            outbox.row_values(build_message(settings, f"p{i}@example.ru", f"Письмо {i}", "Текст"), kind="notice")
            for i in range(n)])
        db.session.commit()
        db.engine.dispose()
    workers = [start_worker(env, instance / f"worker{i}.log") for i in range(2)]
    try:
        inbox.wait_for(n, timeout=60)
        time.sleep(2)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGINT)
        for worker in workers:
            worker.wait(20)
    ids = [m["Message-ID"] for m in inbox.messages]
    logs = "".join((instance / f"worker{i}.log").read_text() for i in range(2))
    assert len(ids) == n and len(set(ids)) == n, logs[-4000:]
    assert "RedisStorage" in logs
    both = [(instance / f"worker{i}.log").read_text().count("drain_job") for i in range(2)]
    assert all(both), "each worker took part"
