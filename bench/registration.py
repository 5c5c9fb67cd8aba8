"""Registration throughput: ``python -m bench.registration [--n 600] [--clients 1,8,32] [--postgres]``.

The public form (one GET for a cookie and its CSRF token, then one POST per person) on a fresh
SQLite instance, or with --postgres on a fresh PostgreSQL database behind two app servers that
take the clients' requests in turn, in two gunicorn set-ups:

- **shipped**: what `make run` / `make serve` start (gthread, 2 workers × 8 threads);
- **tuned**: 4 workers × 4 threads (the same code, more processes).

With --postgres the servers share Redis too (database 12, flushed first), as a region's
installation of several app servers does (deploy/README.md): rate limits and the queue live there.

The form keeps the confirmation unwritten in its transaction; after the runs one queue worker
(`flask --app seminar worker`) writes and sends every confirmation (to .eml files: no mail
server), and the bench prints how long that took, so what the form no longer does is still
counted.

Each run registers N new people for an event whose capacity is 70 % of N, so the seat lock
decides for every one of them: the run checks that exactly that many got a seat, the rest
the waitlist, with no 5xx. The rate limit on the form is raised for the run (it is per address,
and every client here is 127.0.0.1).

Floor, in the same run and with the same clients: a bare Flask + SQLite form that INSERTs one row
(bench/floor_checkin.py, `/register`) under the shipped set-up.
Targets (issue 16): ≥ 300 registrations/s at 8 clients. The load average is printed beside the
figures: numbers taken on a busy machine say so.
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import sys
import tempfile
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.checkin import amur_instance, fmt, load, start_gunicorn
from bench.soak import create_database, drop_database

#: gunicorn arguments: what `make run` / `make serve` start (seminar/serve.py), and more processes.
SETUPS = {"shipped": ("--workers", "2", "--threads", "8"), "tuned": ("--workers", "4", "--threads", "4")}
RUN_DEADLINE = 90.0
REDIS_URL = "redis://127.0.0.1:6379/12"


def seed(instance: Path, env: dict, slugs: list[str], capacity: int) -> str:
    """A fresh instance with one open event per run (capacity = 70 % of the people of a run)."""
    from seminar.events.models import Event
    from seminar.extensions import db

    app, region_id, municipalities = amur_instance(instance, env)
    with app.app_context():
        now = datetime.now(UTC)
        for slug in slugs:
            db.session.add(Event(slug=slug, title="Форум муниципальных образований — нагрузочный тест",
                                 timezone="Asia/Yakutsk", starts_at=now + timedelta(days=30),
                                 ends_at=now + timedelta(days=30, hours=8), capacity=capacity,
                                 status="published", region_id=region_id))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return str(municipalities[0])


def client_session(port: int, path: str) -> tuple[str, str]:
    """One visitor: the session cookie and the CSRF token of the form."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    html = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
    conn.close()
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    return cookie, match.group(1) if match else ""


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def register_all(ports: list[int], path: str, people: list[dict], clients: int):
    """Every person through the form, `clients` at a time. They share one visitor's cookie and CSRF
    token (the form checks the token against the session, which any number of posts may carry).
    A registration ends on the personal page (302); a 200 is the form shown again."""
    cookie, token = client_session(ports[0], path)  # every server knows the session: one secret key
    bodies = [urllib.parse.urlencode({**person, "csrf_token": token}).encode() for person in people]
    return load(ports, path, bodies, {**FORM, "Cookie": cookie}, clients, (302,))


def people_for(run: str, n: int, municipality: str) -> list[dict]:
    return [{"last_name": "Нагрузочная", "first_name": "Мария", "middle_name": "Ивановна",
             "email": f"{run}-{i}@example.ru", "phone": "+7 914 000-00-00", "municipality": municipality,
             "organization": "Администрация", "position": "Специалист", "consent": "y"} for i in range(n)]


def seats(database_url: str, slug: str) -> dict[str, int]:
    import sqlalchemy

    engine = sqlalchemy.create_engine(database_url)
    with engine.connect() as conn:
        counts = dict(conn.execute(sqlalchemy.text(
            "SELECT r.status, count(*) FROM registration r JOIN event e ON e.id = r.event_id "
            "WHERE e.slug = :slug GROUP BY r.status"), {"slug": slug}).all())
    engine.dispose()
    return counts


def drain_letters(env: dict, database_url: str, log: Path, deadline: float = 300.0) -> tuple[int, float]:
    """One queue worker writes and sends every queued confirmation: (letters, seconds)."""
    import subprocess
    import time

    import sqlalchemy

    from bench.checkin import ROOT

    engine = sqlalchemy.create_engine(database_url)

    def waiting() -> tuple[int, int]:
        with engine.connect() as conn:
            total, unsent = conn.execute(sqlalchemy.text(
                "SELECT count(*), count(*) FILTER (WHERE status <> 'sent') FROM outbound_mail")).one()
        return int(total), int(unsent)

    total, _ = waiting()
    started = time.perf_counter()
    with log.open("w") as out:
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "seminar", "worker"],
                                  env=env, cwd=ROOT, stdout=out, stderr=out)
    try:
        while waiting()[1] and time.perf_counter() - started < deadline:
            time.sleep(0.5)
        unsent = waiting()[1]
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(15)
        engine.dispose()
    if unsent:
        raise SystemExit(f"{unsent} of {total} confirmations still unsent after {deadline:.0f} s")
    return total, elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=600, help="people per run")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--postgres", action="store_true",
                        help="a fresh PostgreSQL database and two app servers taking the clients in turn")
    args = parser.parse_args(argv)
    n = min(max(args.n, 20), 5000)
    clients = [int(c) for c in args.clients.split(",")]
    capacity = n * 7 // 10
    ok = True
    rows = []
    database = create_database() if args.postgres else None
    with tempfile.TemporaryDirectory(prefix="bench-registration-") as tmp:
        tmp_path = Path(tmp)
        instances = [tmp_path / name for name in (("app-1", "app-2") if database else ("instance",))]
        for instance in instances:
            instance.mkdir()
        database_url = database[1] if database else f"sqlite:///{instances[0] / 'seminar.sqlite3'}"
        env = {**os.environ, "SEMINAR_INSTANCE_PATH": str(instances[0]), "SEMINAR_SECRET_KEY": "bench",
               "SEMINAR_MAIL_URL": "", "SEMINAR_RATELIMIT_REGISTER": "100000 per minute",
               "FLOOR_DB": str(tmp_path / "floor.sqlite3")}
        env.pop("SEMINAR_REDIS_URL", None)
        if database:
            import redis

            redis.Redis.from_url(REDIS_URL).flushdb()
            env["SEMINAR_DATABASE_URL"] = database_url
            env["SEMINAR_REDIS_URL"] = REDIS_URL
        else:
            env.pop("SEMINAR_DATABASE_URL", None)
        where = f"PostgreSQL, {len(instances)} app servers" if database else "SQLite, one app server"
        try:
            slugs = [f"bench-{setup}-{c}" for setup in SETUPS for c in clients]
            municipality = seed(instances[0], env, slugs, capacity)
            for setup, server_args in SETUPS.items():
                servers = [start_gunicorn("seminar:create_app()", {**env, "SEMINAR_INSTANCE_PATH": str(instance)},
                                          tmp_path / f"{setup}-{instance.name}.log", server_args)
                           for instance in instances]
                ports = [port for _, port in servers]
                try:
                    for c in clients:
                        slug = f"bench-{setup}-{c}"
                        result = register_all(ports, f"/events/{slug}/register", people_for(slug, n, municipality), c)
                        counts = seats(database_url, slug)
                        exact = counts.get("confirmed") == capacity and counts.get("waitlisted") == n - capacity
                        ok &= exact and result.errors_5xx == 0 and result.non_2xx == 0
                        rows.append((f"seminar, {setup} ({server_args[1]}×{server_args[3]})", c, result,
                                     "exact" if exact else f"WRONG {counts}"))
                        print(f"  {setup} c={c:2}: {fmt(result)} CPU {result.cpu_busy:.0f} % "
                              f"non-2xx {result.non_2xx} seats {rows[-1][3]}",
                              flush=True)
                finally:
                    for proc, _ in servers:
                        proc.terminate()
                        proc.wait(15)
            letters, letter_seconds = drain_letters(env, database_url, tmp_path / "worker.log")
        finally:
            if database:
                drop_database(database[0])
        from bench.floor_checkin import seed as seed_floor

        seed_floor(env["FLOOR_DB"], [])
        proc, port = start_gunicorn("bench.floor_checkin:create_app()", env, tmp_path / "floor.log",
                                    SETUPS["shipped"])
        try:
            for c in clients:
                result = load(port, "/register", [urllib.parse.urlencode(p).encode() for p in
                                                  people_for(f"floor-{c}", n, municipality)], FORM, c, (302,))
                rows.append(("floor: Flask + one INSERT into SQLite (2×8)", c, result, ""))
        finally:
            proc.terminate()
            proc.wait(15)
    load1, load5, _ = os.getloadavg()
    print(f"\nRegistration form, {where}, 127.0.0.1, {n} people per run, capacity {capacity}; "
          f"load average {load1:.2f} / {load5:.2f} (1 / 5 min) on {os.cpu_count()} cores.")
    print("registrations/s · p50/p95/p99 ms; CPU busy: the whole machine's, clients and servers\n")
    print("| target | clients | registrations/s · p50/p95/p99 | CPU busy | non-2xx | seats |")
    print("|---|---|---|---|---|---|")
    for name, c, result, note in rows:
        print(f"| {name} | {c} | {fmt(result)} | {result.cpu_busy:.0f} % | {result.non_2xx} | {note} |")
    print(f"\nAfterwards one queue worker wrote and sent the {letters} confirmations (QR, .ics, HTML part; "
          f"to .eml files) in {letter_seconds:.1f} s: {letters / letter_seconds:.0f} letters/s.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
