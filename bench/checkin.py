"""Check-in API benchmark: ``python -m bench.checkin [--repeat 3] [--n 1000]``.

Ours: seminar under gunicorn (--worker-class sync --workers 2) on a fresh SQLite
instance with N confirmed registrations (Cyrillic names).  Floor: a bare Flask +
SQLite endpoint (bench/floor_checkin.py) under the same gunicorn settings, in the
same run, with the same client: C threads (1, 4, 16) each take the next badge
code from a shared list and POST one JSON request on a NEW connection
(http.client).  "first" = N first-time check-ins, "dup" = the same codes again.
Only 127.0.0.1; every request has a timeout, every run a deadline.
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLUG = "bench-forum"
CONCURRENCY = (1, 4, 16)
RUN_DEADLINE = 120.0  # seconds for one run of N requests
#: docs/performance.md (pretix 2026.8.0, 2 sync workers): (req/s, p50, p95, p99) per concurrency.
PRETIX = {
    ("SQLite", "first"): {1: (33, 29, 34, 42), 4: (63, 61, 78, 88), 16: (67, 235, 269, 348)},
    ("SQLite", "dup"): {1: (35, 27, 32, 38), 4: (59, 65, 84, 91), 16: (59, 265, 351, 392)},
    ("PostgreSQL", "first"): {1: (36, 27, 34, 41), 4: (63, 61, 74, 93), 16: (65, 239, 276, 479)},
}
#: The floor as measured beside pretix in docs/performance.md, for the pretix-to-floor ratio.
ANCHOR_FLOOR = {"first": {1: 676, 4: 732, 16: 682}, "dup": {1: 1581, 4: 2232, 16: 2234}}


@dataclass
class Result:
    rps: float
    p50: float
    p95: float
    p99: float
    non_2xx: int
    errors_5xx: int
    worst: float = 0.0  #: the slowest answer, ms
    count: int = 0  #: requests made
    cpu_busy: float = 0.0  #: the machine's CPU time in use during the run, % of all cores (Linux)


def cpu_times() -> tuple[int, int]:
    """(all, idle) CPU ticks of the machine so far, from /proc/stat; (0, 0) where there is none."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(v) for v in stat.readline().split()[1:9]]
    except OSError:
        return 0, 0
    return sum(ticks), ticks[3] + ticks[4]


def busy_since(before: tuple[int, int]) -> float:
    total, idle = (now - then for now, then in zip(cpu_times(), before, strict=True))
    return 100.0 * (total - idle) / total if total else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: This benchmark's gunicorn set-up (the one docs/performance.md compares with pretix's).
SYNC_2 = ("--worker-class", "sync", "--workers", "2")
#: What `make run` / `make serve` ship (seminar/serve.py): gthread, 2 workers × 8 threads.
SHIPPED = ("--workers", "2", "--threads", "8")
#: --setup: the gunicorn arguments and the door counts of each.
SETUPS = {"sync": (SYNC_2, CONCURRENCY), "shipped": (SHIPPED, (16, 64))}


def start_gunicorn(target: str, env: dict, log: Path,
                   server_args: tuple[str, ...] = SYNC_2) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *server_args, "--bind", f"127.0.0.1:{port}", target],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"gunicorn did not start: {log.read_text()}")


def instance_app(instance: Path, env: dict):
    """The app of an instance, on env's SEMINAR_DATABASE_URL, else SQLite in it."""
    from seminar import create_app

    return create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": env["SEMINAR_SECRET_KEY"],
                       "SQLALCHEMY_DATABASE_URI": env.get("SEMINAR_DATABASE_URL")
                       or f"sqlite:///{instance / 'seminar.sqlite3'}"})


def amur_instance(instance: Path, env: dict):
    """A fresh instance (on env's SEMINAR_DATABASE_URL, else SQLite in it): migrations, the Amur
    region's municipalities. The app, the region, and
    the municipalities' ids (use inside `with app.app_context()`)."""
    subprocess.run([sys.executable, "-m", "flask", "--app", "seminar", "db", "upgrade"],
                   env=env, cwd=ROOT, check=True, capture_output=True, timeout=120)
    from sqlalchemy import select

    from seminar.events.importing import import_municipalities
    from seminar.events.models import Municipality, Region
    from seminar.extensions import db

    app = instance_app(instance, env)
    with app.app_context():
        import_municipalities(resources.files("seminar.data").joinpath("amur_municipalities.csv")
                              .read_text("utf-8"))
        region_id = db.session.scalar(select(Region.id).where(Region.name == "Амурская область"))
        municipalities = db.session.scalars(select(Municipality.id).where(
            Municipality.region_id == region_id)).all()
        db.session.commit()
    return app, region_id, list(municipalities)


def seed_ours(instance: Path, env: dict, n: int) -> tuple[list[str], str]:
    """A fresh instance: migrations, an event with n confirmed registrations, a door token."""
    from sqlalchemy import select

    from seminar.auth.services import create_or_update_user, create_token
    from seminar.demo import generated_people
    from seminar.events.models import Event
    from seminar.extensions import db
    from seminar.registration.services import Applicant, register

    app, region_id, municipalities = amur_instance(instance, env)
    with app.app_context():
        now = datetime.now(UTC)
        event = Event(slug=SLUG, title="Форум муниципальных образований — нагрузочный тест",
                      timezone="Asia/Yakutsk", starts_at=now - timedelta(hours=1),
                      ends_at=now + timedelta(hours=8), capacity=n + 100, status="published",
                      region_id=region_id)
        db.session.add(event)
        db.session.commit()
        for i, person in enumerate(generated_people(n, seed=1000)):
            register(event, Applicant(
                last_name=person["last_name"], first_name=person["first_name"],
                middle_name=person["middle_name"], email=person["email"], phone=person["phone"],
                municipality_id=municipalities[i % len(municipalities)],
                organization="Администрация муниципального образования", position=person["position"],
            ), now=now, consent_version="bench")
        db.session.commit()
        door = create_or_update_user("door@bench.local", "door", "door-pass-123", SLUG)
        token = create_token(door)
        db.session.commit()
        from seminar.registration.models import Registration
        codes = db.session.scalars(select(Registration.badge_code).where(
            Registration.event_id == event.id, Registration.status == "confirmed")).all()
        db.session.remove()
        db.engine.dispose()
    assert len(codes) == n, f"expected {n} confirmed registrations, got {len(codes)}"
    return list(codes), token


def load(port: int | list[int], path: str, bodies: list[bytes], headers: dict, concurrency: int,
         expected: range | tuple[int, ...] = range(200, 300), *, until: Callable[[], bool] | None = None,
         deadline: float = RUN_DEADLINE, pause: float = 0.0) -> Result:
    """Closed loop: each thread takes the next body and POSTs it on a new connection (to the
    servers of `port` in turn, when it is a list). `non_2xx` counts the answers outside `expected`.
    With `until`, the bodies are taken over and over until it returns true; the run never lasts
    more than `deadline` seconds. `pause`: each thread waits this long after each answer."""
    ports = port if isinstance(port, list) else [port]
    lock = threading.Lock()
    position = itertools.count() if until else iter(range(len(bodies)))
    latencies: list[float] = []
    statuses: list[int] = []
    stop_at = time.monotonic() + deadline

    def worker():
        while time.monotonic() < stop_at and not (until and until()):
            with lock:
                i = next(position, None)
            if i is None:
                return
            started = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", ports[i % len(ports)], timeout=30)
            try:
                conn.request("POST", path, body=bodies[i % len(bodies)], headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except OSError:
                status = 599
            finally:
                conn.close()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed * 1000)
                statuses.append(status)
            if pause:
                time.sleep(pause)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    cpu_before = cpu_times()
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(deadline + 35)
    wall = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Result(len(latencies) / wall, cuts[49], cuts[94], cuts[98],
                  sum(1 for s in statuses if s not in expected), sum(1 for s in statuses if s >= 500),
                  max(latencies), len(latencies), busy_since(cpu_before))


def reset(db_path: Path, tables: tuple[str, ...]) -> None:
    """Forget the check-ins so the next "first" run checks everyone in again."""
    with sqlite3.connect(db_path, timeout=30) as conn:
        for table in tables:
            conn.execute(f"DELETE FROM {table}")


def median_result(results: list[Result]) -> Result:
    def med(attr):
        return statistics.median(getattr(r, attr) for r in results)
    return Result(med("rps"), med("p50"), med("p95"), med("p99"),
                  sum(r.non_2xx for r in results), sum(r.errors_5xx for r in results), med("worst"),
                  sum(r.count for r in results), med("cpu_busy"))


def fmt(r: Result) -> str:
    return f"{r.rps:6.0f} · {r.p50:.1f}/{r.p95:.1f}/{r.p99:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="registrations (distinct codes)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per cell; medians are shown")
    parser.add_argument("--setup", choices=SETUPS, default="sync",
                        help="sync: 2 sync workers, as pretix was measured; shipped: what make run serves")
    args = parser.parse_args(argv)
    n = min(max(args.n, 10), 5000)

    with tempfile.TemporaryDirectory(prefix="bench-checkin-") as tmp:
        tmp = Path(tmp)
        instance = tmp / "instance"
        instance.mkdir()
        env = {**os.environ, "SEMINAR_INSTANCE_PATH": str(instance), "SEMINAR_SECRET_KEY": "bench",
               "SEMINAR_MAIL_URL": "", "FLOOR_DB": str(tmp / "floor.sqlite3")}
        env.pop("SEMINAR_DATABASE_URL", None)
        t0 = time.time()
        codes, token = seed_ours(instance, env, n)
        from bench.floor_checkin import seed
        seed(env["FLOOR_DB"], [(code, f"Участник {i}") for i, code in enumerate(codes)])
        print(f"seeded {n} registrations in {time.time() - t0:.1f} s", flush=True)

        server_args, concurrency = SETUPS[args.setup]
        ours_proc, ours_port = start_gunicorn("seminar:create_app()", env, tmp / "ours.log", server_args)
        floor_proc, floor_port = start_gunicorn("bench.floor_checkin:create_app()", env, tmp / "floor.log",
                                                server_args)
        targets = {
            "ours": dict(port=ours_port, path=f"/api/v1/events/{SLUG}/checkins",
                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                         db=instance / "seminar.sqlite3", tables=("checkin_audit", "checkin"),
                         body=lambda code: {"code": code, "device": "door-1", "scan_id": str(uuid.uuid4())}),
            "floor": dict(port=floor_port, path="/checkin", headers={"Content-Type": "application/json"},
                          db=Path(env["FLOOR_DB"]), tables=("checkin",), body=lambda code: {"code": code}),
        }
        cells: dict[tuple[str, str, int], list[Result]] = {}
        try:
            for t in targets.values():  # warm both workers of each server
                load(t["port"], t["path"], [json.dumps(t["body"]("WARMUP")).encode()] * 40, t["headers"], 4)
                reset(t["db"], t["tables"])
            for rep in range(args.repeat):
                for c in concurrency:
                    for name, t in targets.items():
                        for run in ("first", "dup"):
                            bodies = [json.dumps(t["body"](code)).encode() for code in codes]
                            result = load(t["port"], t["path"], bodies, t["headers"], c)
                            cells.setdefault((name, run, c), []).append(result)
                            proc = ours_proc if name == "ours" else floor_proc
                            if proc.poll() is not None:
                                log = (tmp / f"{name}.log").read_text()[-3000:]
                                raise SystemExit(f"{name}: gunicorn exited ({proc.returncode}):\n{log}")
                            print(f"  rep {rep + 1} {name:5} {run:5} c={c:2}: {fmt(result)} "
                                  f"non-2xx {result.non_2xx}", flush=True)
                        reset(t["db"], t["tables"])
        finally:
            for proc in (ours_proc, floor_proc):
                proc.terminate()
                proc.wait(10)
        report(cells, " ".join(server_args), concurrency)
        ok = all(cells[("ours", run, c)][i].errors_5xx == 0 for run in ("first", "dup")
                 for c in concurrency for i in range(args.repeat))
    return 0 if ok else 1


def report(cells: dict, server: str, concurrency: tuple[int, ...]) -> None:
    med = {key: median_result(results) for key, results in cells.items()}
    load1, load5, _ = os.getloadavg()
    print(f"\nCheck-in API, gunicorn {server}, SQLite, 127.0.0.1, new connection per request; "
          f"load average {load1:.2f} / {load5:.2f} (1 / 5 min) on {os.cpu_count()} cores.\n"
          "req/s · p50/p95/p99 ms (medians of runs); ratio = ours / floor req/s in this run; "
          "pretix ratio = pretix / floor in docs/performance.md\n")
    print("| target | run | " + " | ".join(f"conc {c}" for c in concurrency) + " | non-2xx |")
    print("|---|---|" + "---|" * len(concurrency) + "---|")
    for name in ("ours", "floor"):
        for run in ("first", "dup"):
            row = [fmt(med[(name, run, c)]) for c in concurrency]
            bad = sum(med[(name, run, c)].non_2xx for c in concurrency)
            print(f"| {name} | {run} | " + " | ".join(row) + f" | {bad} |")
    for run in ("first", "dup"):
        ratios = [med[("ours", run, c)].rps / med[("floor", run, c)].rps for c in concurrency]
        print(f"| ratio ours/floor | {run} | " + " | ".join(f"{r:.2f}" for r in ratios) + " | |")
    if concurrency == CONCURRENCY:  # pretix was measured with 2 sync workers at these counts
        for (db_name, run), figures in PRETIX.items():
            row = [f"{figures[c][0]} · {figures[c][1]}/{figures[c][2]}/{figures[c][3]}" for c in concurrency]
            note = " SQLite first: 175 × 500 |" if (db_name, run) == ("SQLite", "first") else " |"
            print(f"| pretix {db_name} (docs/performance.md) | {run} | " + " | ".join(row) + " |" + note)
        for run in ("first", "dup"):
            ratios = [PRETIX[("SQLite", run)][c][0] / ANCHOR_FLOOR[run][c] for c in concurrency]
            print(f"| ratio pretix SQLite/floor | {run} | " + " | ".join(f"{r:.2f}" for r in ratios) + " | |")
    first16 = med[("ours", "first", 16)]
    ratio16 = first16.rps / med[("floor", "first", 16)].rps
    print(f"\nTarget at conc 16 (first): ≥ 0.66 × floor → {ratio16:.2f}; p99 ≤ 50 ms → {first16.p99:.1f} ms; "
          f"5xx → {sum(r.errors_5xx for k, rs in cells.items() if k[0] == 'ours' for r in rs)}")


if __name__ == "__main__":
    sys.exit(main())
