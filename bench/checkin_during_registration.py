"""Door scans during a registration burst: ``python -m bench.checkin_during_registration [--postgres]``.

Issue 16 asks that "check-ins [are] not slowed by a registration burst on PostgreSQL": a region's
installation serves the doors of today's forum while the next forum's registration opens and its
link goes out to every municipality at once.

Set-up, as shipped (gunicorn gthread 2 workers × 8 threads, bench.checkin.SHIPPED): a fresh SQLite
instance and one app server, or with --postgres a fresh PostgreSQL database, Redis (database 12,
flushed first) and two app servers taking the requests in turn. Event 1 is under way, with N
confirmed registrations and a door token; event 2 is the next forum, open for registration.

A. Doors only: D doors POST badge codes to the check-in API for --seconds (bench.checkin.load:
   a new connection per request; each door waits --pause seconds after each answer, like a
   volunteer taking the next badge).
B. The same doors for the same time while C clients register new people for event 2 through the
   public form as fast as they are answered (closed loop, as bench.registration).

The check-ins are forgotten before each phase, so both phases make the same first scans. Prints
each phase's scan latency (p50/p95/p99 and the slowest), the burst's registrations/s, and the
machine's CPU use. Exit code 1 on any 5xx, any unanswered scan or any registration that did not
end on the personal page. Only 127.0.0.1; every request has a timeout, every phase a deadline.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.checkin import SHIPPED, SLUG, Result, fmt, instance_app, load, reset, seed_ours, start_gunicorn
from bench.registration import FORM, REDIS_URL, client_session, people_for
from bench.soak import create_database, drop_database

NEXT = "bench-next-forum"
PAUSE = 0.25
CHECKIN_TABLES = ("checkin_audit", "checkin")


def seed(instance: Path, env: dict, n: int) -> tuple[list[str], str, str]:
    """Event 1 with n confirmed registrations (codes, door token); event 2 open for registration
    (and one of its municipalities' ids)."""
    codes, token = seed_ours(instance, env, n)
    from sqlalchemy import select

    from seminar.events.models import Event, Municipality
    from seminar.extensions import db

    app = instance_app(instance, env)
    with app.app_context():
        today = db.session.scalar(select(Event).where(Event.slug == SLUG))
        assert today is not None
        now = datetime.now(UTC)
        db.session.add(Event(slug=NEXT, title="Форум муниципальных образований — следующий", timezone="Asia/Yakutsk",
                             starts_at=now + timedelta(days=60), ends_at=now + timedelta(days=60, hours=8),
                             capacity=100_000, status="published", region_id=today.region_id))
        municipality = db.session.scalar(select(Municipality.id).where(Municipality.region_id == today.region_id))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return codes, token, str(municipality)


def forget_check_ins(env: dict) -> None:
    url = env.get("SEMINAR_DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=5) as conn:
            for table in CHECKIN_TABLES:
                conn.execute(f"DELETE FROM {table}")
        return
    reset(Path(env["SEMINAR_INSTANCE_PATH"]) / "seminar.sqlite3", CHECKIN_TABLES)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="confirmed registrations of the event under way")
    parser.add_argument("--doors", type=int, default=16, help="doors scanning at once")
    parser.add_argument("--clients", type=int, default=8, help="people registering at once in the burst")
    parser.add_argument("--seconds", type=float, default=15, help="length of each phase")
    parser.add_argument("--pause", type=float, default=PAUSE, help="seconds a door waits after each answer")
    parser.add_argument("--postgres", action="store_true",
                        help="a fresh PostgreSQL database, Redis and two app servers taking requests in turn")
    args = parser.parse_args(argv)
    n, seconds = min(max(args.n, 100), 20_000), min(max(args.seconds, 3.0), 120.0)
    database = create_database() if args.postgres else None
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-regscan-") as tmp_name:
        tmp = Path(tmp_name)
        instances = [tmp / name for name in (("app-1", "app-2") if database else ("instance",))]
        for instance in instances:
            instance.mkdir()
        env = {**os.environ, "SEMINAR_INSTANCE_PATH": str(instances[0]), "SEMINAR_SECRET_KEY": "bench",
               "SEMINAR_MAIL_URL": "", "SEMINAR_RATELIMIT_REGISTER": "100000 per minute"}
        env.pop("SEMINAR_REDIS_URL", None)
        env.pop("SEMINAR_DATABASE_URL", None)
        if database:
            import redis

            redis.Redis.from_url(REDIS_URL).flushdb()
            env.update(SEMINAR_DATABASE_URL=database[1], SEMINAR_REDIS_URL=REDIS_URL)
        servers = []
        try:
            started = time.time()
            codes, token, municipality = seed(instances[0], env, n)
            print(f"seeded {n} registrations in {time.time() - started:.0f} s", flush=True)
            servers = [start_gunicorn("seminar:create_app()", {**env, "SEMINAR_INSTANCE_PATH": str(instance)},
                                      tmp / f"{instance.name}.log", SHIPPED) for instance in instances]
            ports = [port for _, port in servers]
            scan_path = f"/api/v1/events/{SLUG}/checkins"
            scan_headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            scans = [json.dumps({"code": code, "device": f"door-{i % args.doors}", "scan_id": str(uuid.uuid4())})
                     .encode() for i, code in enumerate(codes)]
            form_path = f"/events/{NEXT}/register"
            cookie, csrf = client_session(ports[0], form_path)
            people = [urllib.parse.urlencode({**person, "csrf_token": csrf}).encode()
                      for person in people_for("burst", int(400 * seconds), municipality)]
            # warm-up: every worker has its connections and compiled statements
            load(ports, scan_path, scans[:64], scan_headers, 8)
            load(ports, form_path, [urllib.parse.urlencode({**p, "csrf_token": csrf}).encode()
                                    for p in people_for("warm", 64, municipality)],
                 {**FORM, "Cookie": cookie}, 8, (302,))

            def doors() -> Result:
                stop_at = time.monotonic() + seconds
                return load(ports, scan_path, scans, scan_headers, args.doors, pause=args.pause,
                            until=lambda: time.monotonic() > stop_at, deadline=seconds + 30)

            forget_check_ins(env)
            alone = doors()
            forget_check_ins(env)
            burst: dict[str, Result] = {}
            registering = threading.Thread(target=lambda: burst.setdefault("r", load(
                ports, form_path, people, {**FORM, "Cookie": cookie}, args.clients, (302,), deadline=seconds)))
            registering.start()
            during = doors()
            registering.join(seconds + 60)
            registered = burst["r"]
        finally:
            for proc, _ in servers:
                proc.terminate()
                proc.wait(15)
            if database:
                drop_database(database[0])
    for result in (alone, during, registered):
        ok &= result.errors_5xx == 0 and result.non_2xx == 0
    where = "PostgreSQL + Redis, two app servers" if database else "SQLite, one app server"
    load1, load5, _ = os.getloadavg()
    print(f"\nDoor scans during a registration burst; {where}, gunicorn {' '.join(SHIPPED)} each; {n} people "
          f"at the door, {args.doors} doors pausing {args.pause} s after each answer, {args.clients} clients "
          f"registering; {seconds:.0f} s per phase; load average {load1:.2f} / {load5:.2f} on {os.cpu_count()} cores.")
    print("\n| phase | requests/s · p50/p95/p99 ms | slowest ms | CPU busy | 5xx (non-2xx) |")
    print("|---|---|---|---|---|")
    for name, result in (("A. door scans alone", alone), ("B. door scans during the burst", during),
                         ("B. the burst: registrations through the form", registered)):
        print(f"| {name} | {fmt(result)} | {result.worst:.0f} | {result.cpu_busy:.0f} % | "
              f"{result.errors_5xx} ({result.non_2xx}) |")
    print(f"\nresult: {'OK' if ok else 'FAILED'} (no 5xx, every scan answered, "
          "every registration ended on its personal page)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
