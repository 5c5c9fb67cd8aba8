"""Door scans while a big badge PDF builds: ``python -m bench.checkin_during_badges [--n 20000] [--doors 16]``.

Issue 16 measured, before bulk sheets moved to the queue: "While one 20,000-badge PDF was
building, door scans on the same server went from p99 12 ms to 63 ms. The worker then kept
1.2 GB and never gave it back." This shows what the doors see now.

Set-up: a fresh SQLite instance with N confirmed registrations (Cyrillic names), a door token
and an organiser; the app as `make run` ships it (gunicorn gthread 2 workers × 8 threads,
bench.checkin.SHIPPED) and ONE queue worker (`python -m flask --app seminar worker`) with the
same environment, so both use the queue file in the instance folder. Each repeat starts the
servers afresh (so every peak is that repeat's own) and forgets the check-ins before each phase.

A. Baseline: D doors POST badge codes to the check-in API for --seconds with nothing else
   running (bench.checkin.load: a new connection per request; each door waits --pause seconds
   after each answer, like a volunteer taking the next badge; --pause 0 is a closed loop that
   measures what the two cores can answer rather than what a door waits).
B. The organiser logs in through the login form and asks the badges page for every badge,
   4 per A4 (layout "a6", sorted by name); while the worker builds the PDF the same doors scan
   the same way, until the page (polled every second) offers the download. Then the PDF is
   downloaded: it must have ceil(N / 4) pages, and the QR codes of its first and last page must
   decode to the event's badge codes.

RSS: VmRSS and VmHWM (the peak) of each gunicorn worker (children of the master) and of the queue
worker at the end of each phase, after the worker has been idle IDLE seconds, and after the
download. Exit code 1 on any 5xx or unanswered scan, a failed build or a wrong PDF.
Only 127.0.0.1; every request has a timeout, every phase a deadline. Not part of `make bench`:
seeding N = 20,000 registrations through the registration service takes minutes by itself.
"""
from __future__ import annotations

import argparse
import io
import json
import math
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path

from bench.checkin import ROOT, SHIPPED, SLUG, Result, load, reset, seed_ours, start_gunicorn
from bench.soak import CSRF, Memory, Visitor, call, gunicorn_errors

ORGANISER = ("org@bench.local", "organiser-pass-123")
LAYOUT, PER_PAGE = "a6", 4
BUILD_DEADLINE = 900.0  # seconds for one PDF, scans included
POLL_EVERY = 1.0
IDLE = 5.0  # seconds the worker rests before its "after" RSS is read
CHECKIN_TABLES = ("checkin_audit", "checkin")
READY = re.compile(r"/badges/prepared/(\d+)\.pdf")
FAILED = "PDF собрать не удалось"
#: A door's pause after each answer: 16 doors then send at most 64 scans/s, about ten times what
#: volunteers manage (a badge every 2–3 s each), and well under what the server can answer.
PAUSE = 0.25


@dataclass
class Phase:
    name: str
    seconds: float
    scans: Result | None
    web: list[tuple[float, float]]  #: (VmRSS, VmHWM) MB of each gunicorn worker
    queue: tuple[float, float]  #: the same of the queue worker


class Servers:
    """The app (gunicorn, shipped set-up) and one queue worker on the instance of `env`."""

    def __init__(self, env: dict, logs: Path, nice: int | None) -> None:
        self.web, self.port = start_gunicorn("seminar:create_app()", env, logs / "web.log", SHIPPED)
        option = ["--nice", str(nice)] if nice is not None else []
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "seminar", "worker", *option], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=(logs / "worker.log").open("w"))
        self.logs = [logs / "web.log", logs / "worker.log"]

    def memory(self) -> tuple[list[tuple[float, float]], tuple[float, float]]:
        """(VmRSS, VmHWM) in MB of each gunicorn worker, and of the queue worker."""
        found = Memory({"web": self.web.pid}, self.worker.pid).processes()
        web = [vm(pid) for label, pid in sorted(found.items()) if label != "queue worker"]
        return web, vm(self.worker.pid)

    def worker_nice(self) -> list[int]:
        """The nice values of the queue worker's threads (field 19 of /proc/<pid>/task/<tid>/stat)."""
        values = set()
        for stat in Path(f"/proc/{self.worker.pid}/task").glob("*/stat"):
            try:
                values.add(int(stat.read_text().rsplit(")", 1)[1].split()[16]))
            except (OSError, IndexError, ValueError):
                continue
        return sorted(values)

    def check_alive(self) -> None:
        for proc in (self.web, self.worker):
            if proc.poll() is not None:
                raise SystemExit(f"a server exited ({proc.args!r}):\n{gunicorn_errors(self.logs)}")

    def stop(self) -> None:
        for proc, sig in ((self.web, signal.SIGTERM), (self.worker, signal.SIGINT)):
            if proc.poll() is None:
                proc.send_signal(sig)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def vm(pid: int) -> tuple[float, float]:
    """VmRSS and VmHWM of a process, MB (0 when it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0, 0.0
    values = dict(line.split(":", 1) for line in status.splitlines() if line.startswith(("VmRSS", "VmHWM")))
    rss, peak = (int(values.get(key, "0 kB").split()[0]) / 1024 for key in ("VmRSS", "VmHWM"))
    return rss, peak


def seed(instance: Path, env: dict, n: int) -> tuple[list[str], str]:
    """The event with n confirmed registrations and a door token (bench.checkin.seed_ours), an
    organiser of the event; the seeding's confirmation e-mails are marked sent, so the worker
    does not spend the run writing 20,000 .eml files."""
    codes, token = seed_ours(instance, env, n)
    from seminar import create_app
    from seminar.auth.services import create_or_update_user
    from seminar.extensions import db

    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": env["SEMINAR_SECRET_KEY"],
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'seminar.sqlite3'}"})
    with app.app_context():
        create_or_update_user(ORGANISER[0], "organiser", ORGANISER[1], SLUG)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    with sqlite3.connect(instance / "seminar.sqlite3", timeout=30) as conn:
        conn.execute("UPDATE outbound_mail SET status = 'sent' WHERE status = 'pending'")
    return codes, token


def logged_in(port: int) -> Visitor:
    """The organiser, signed in through the login form."""
    organiser = Visitor()
    status, html, cookies, _ = call(port, "GET", "/login")
    organiser.keep(cookies)
    token = CSRF.search(html.decode("utf-8", "replace"))
    if status != 200 or token is None:
        raise SystemExit(f"GET /login answered {status}")
    form = {"csrf_token": token.group(1), "email": ORGANISER[0], "password": ORGANISER[1]}
    status, _, cookies, _ = call(port, "POST", "/login", urllib.parse.urlencode(form).encode(),
                                 {"Content-Type": "application/x-www-form-urlencoded", **organiser.headers()})
    organiser.keep(cookies)
    if status != 302:
        raise SystemExit(f"POST /login answered {status}")
    return organiser


def ask_for_badges(port: int, organiser: Visitor) -> None:
    """Submit the bulk badges form for every confirmed badge, as the organiser does."""
    page = f"/manage/events/{SLUG}/badges"
    status, html, cookies, _ = call(port, "GET", page, headers=organiser.headers())
    organiser.keep(cookies)
    token = CSRF.search(html.decode("utf-8", "replace"))
    if status != 200 or token is None:
        raise SystemExit(f"GET {page} answered {status}")
    form = {"csrf_token": token.group(1), "layout": LAYOUT, "sort": "name", "role": "", "municipality": ""}
    status, _, _, _ = call(port, "POST", page, urllib.parse.urlencode(form).encode(),
                           {"Content-Type": "application/x-www-form-urlencoded", **organiser.headers()})
    if status != 302:
        raise SystemExit(f"POST {page} answered {status} (expected 302: queued)")


def watch(port: int, organiser: Visitor, done: threading.Event, outcome: dict) -> None:
    """Poll the badges page until it offers the download (or says the build failed)."""
    deadline = time.monotonic() + BUILD_DEADLINE
    while time.monotonic() < deadline:
        status, html, _, _ = call(port, "GET", f"/manage/events/{SLUG}/badges", headers=organiser.headers())
        text = html.decode("utf-8", "replace")
        if (found := READY.search(text)) or FAILED in text:
            outcome["file_id"] = int(found.group(1)) if found else None
            break
        time.sleep(POLL_EVERY)
    done.set()


def check_pdf(port: int, organiser: Visitor, file_id: int, codes: set[str], n: int) -> tuple[str, bool]:
    """Download the prepared PDF; its page count and a sample of its QR codes."""
    from pypdf import PdfReader

    from bench.badges import decoded_codes

    path = f"/manage/events/{SLUG}/badges/prepared/{file_id}.pdf"
    status, data, _, _ = call(port, "GET", path, headers=organiser.headers())
    if status != 200:
        return f"download answered {status}", False
    pages = len(PdfReader(io.BytesIO(data)).pages)
    expected = math.ceil(n / PER_PAGE)
    found = decoded_codes(data, [0, pages - 1])
    sample_ok = bool(found) and set(found) <= codes and len(found) == PER_PAGE + (n % PER_PAGE or PER_PAGE)
    ok = pages == expected and sample_ok
    return (f"{pages} pages ({expected} expected: {n} badges, {PER_PAGE} per A4, layout '{LAYOUT}'), "
            f"{len(data) / 1e6:.1f} MB; QR of first and last page: {len(found)} decoded, "
            f"{'all the event’s' if sample_ok else 'MISMATCH'}"), ok


def build_time(db_path: Path, file_id: int) -> float:
    """From the organiser's request to the finished file, as the database recorded them."""
    with sqlite3.connect(db_path, timeout=30) as conn:
        row = conn.execute("SELECT (julianday(finished_at) - julianday(requested_at)) * 86400 "
                           "FROM prepared_file WHERE id = ?", (file_id,)).fetchone()
    return float(row[0]) if row and row[0] is not None else float("nan")


def one_run(env: dict, tmp: Path, bodies: list[bytes], token: str, codes: set[str], doors: int, seconds: float,
            pause: float, nice: int | None) -> tuple[list[Phase], float, bool]:
    """Baseline scans, then scans while the PDF builds, on freshly started servers; the phases,
    the build time and whether all went well."""
    db_path = Path(env["SEMINAR_INSTANCE_PATH"]) / "seminar.sqlite3"
    servers = Servers(env, tmp, nice)
    path = f"/api/v1/events/{SLUG}/checkins"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    scan = dict(headers=headers, concurrency=doors, pause=pause)
    phases: list[Phase] = []
    try:
        warm_up = json.dumps({"code": "WARMUP", "device": "warm-up", "scan_id": str(uuid.uuid4())}).encode()
        load(servers.port, path, [warm_up] * 40, headers, 4)
        organiser = logged_in(servers.port)
        reset(db_path, CHECKIN_TABLES)
        time.sleep(2)  # the worker's start-up (and its first drain of the queue) is over
        phases.append(Phase("start", 0, None, *servers.memory()))
        print(f"  queue worker threads at nice {servers.worker_nice()}", flush=True)

        stop_at = time.monotonic() + seconds
        started = time.perf_counter()
        baseline = load(servers.port, path, bodies, until=lambda: time.monotonic() > stop_at, **scan)
        phases.append(Phase("A. doors only", time.perf_counter() - started, baseline, *servers.memory()))
        servers.check_alive()

        reset(db_path, CHECKIN_TABLES)
        done, outcome = threading.Event(), dict[str, int | None]()
        started = time.perf_counter()
        ask_for_badges(servers.port, organiser)
        watcher = threading.Thread(target=watch, args=(servers.port, organiser, done, outcome), daemon=True)
        watcher.start()
        during = load(servers.port, path, bodies, until=done.is_set, deadline=BUILD_DEADLINE, **scan)
        scanned = time.perf_counter() - started
        watcher.join(30)
        phases.append(Phase("B. doors while the PDF builds", scanned, during, *servers.memory()))
        servers.check_alive()
        file_id = outcome.get("file_id")
        if file_id is None:
            print("the PDF was not built:\n" + gunicorn_errors(servers.logs), flush=True)
            return phases, float("nan"), False
        built = build_time(db_path, file_id)
        print(f"  build: {built:.1f} s from the organiser's POST to the finished file "
              f"(scans stopped {scanned:.1f} s after the POST)", flush=True)

        time.sleep(IDLE)
        phases.append(Phase(f"worker idle {IDLE:.0f} s after the build", IDLE, None, *servers.memory()))
        verdict, pdf_ok = check_pdf(servers.port, organiser, file_id, codes, len(codes))
        phases.append(Phase("after the organiser's download", 0, None, *servers.memory()))
        print(f"  PDF: {verdict}", flush=True)
        clean = all(p.scans is None or (p.scans.errors_5xx == 0 and p.scans.non_2xx == 0) for p in phases)
        return phases, built, pdf_ok and clean
    finally:
        servers.stop()


def mb(pair: tuple[float, float]) -> str:
    return f"{pair[0]:.0f}/{pair[1]:.0f}"


def table(phases: list[Phase], n: int) -> list[str]:
    """One row per phase; "replayed" = scans after all n codes were used once in the phase (a
    scan sent again with its scan_id: lighter than a first scan)."""
    lines = ["| phase | s | scans (replayed) | req/s | p50/p95/p99 ms | max ms | 5xx (non-2xx) "
             "| web workers RSS/peak MB | queue worker RSS/peak MB |", "|---|---|---|---|---|---|---|---|---|"]
    for p in phases:
        r = p.scans
        figures = (f"{r.count} ({max(r.count - n, 0)}) | {r.rps:.0f} | {r.p50:.0f}/{r.p95:.0f}/{r.p99:.0f} | "
                   f"{r.worst:.0f} | {r.errors_5xx} ({r.non_2xx})") if r else "| | | | "
        lines.append(f"| {p.name} | {p.seconds:.0f} | {figures} | {', '.join(mb(w) for w in p.web)} | "
                     f"{mb(p.queue)} |")
    return lines


def loadavg() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} (1 / 5 min) on {os.cpu_count()} cores"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="confirmed registrations, all on the PDF")
    parser.add_argument("--doors", type=int, default=16, help="doors scanning at once")
    parser.add_argument("--seconds", type=float, default=20, help="length of the baseline phase")
    parser.add_argument("--pause", type=float, nargs="+", default=[PAUSE],
                        help="seconds a door waits after each answer, 0 = closed loop (several: a run with each)")
    parser.add_argument("--nice", type=int, nargs="+", default=[None],
                        help="the queue worker's --nice (default: as shipped; several: a run with each)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of runs on the same seeded instance")
    args = parser.parse_args(argv)
    n = max(args.n, 250)  # over INLINE_BADGES, so the organiser's POST goes to the queue

    with tempfile.TemporaryDirectory(prefix="bench-badgescan-") as tmp_name:
        tmp = Path(tmp_name)
        instance = tmp / "instance"
        instance.mkdir()
        env = {**os.environ, "SEMINAR_INSTANCE_PATH": str(instance), "SEMINAR_SECRET_KEY": "bench",
               "SEMINAR_MAIL_URL": ""}
        for name in ("SEMINAR_DATABASE_URL", "SEMINAR_REDIS_URL"):
            env.pop(name, None)
        os.environ.update({k: env[k] for k in ("SEMINAR_INSTANCE_PATH", "SEMINAR_SECRET_KEY")})
        os.environ.pop("SEMINAR_REDIS_URL", None)  # this process's queue is the instance's too
        started = time.time()
        codes, token = seed(instance, env, n)
        print(f"seeded {n} registrations in {time.time() - started:.0f} s; {loadavg()}", flush=True)
        bodies = [json.dumps({"code": code, "device": f"door-{i % args.doors}", "scan_id": str(uuid.uuid4())})
                  .encode() for i, code in enumerate(codes)]
        runs: dict[tuple[float, int | None], list[tuple[list[Phase], float]]] = {}
        ok = True
        for rep in range(args.repeat):
            for pause in args.pause:
                for nice in args.nice:
                    print(f"\nround {rep + 1} of {args.repeat}, {variant(args.doors, pause, nice)}; {loadavg()}",
                          flush=True)
                    phases, built, good = one_run(env, tmp, bodies, token, set(codes), args.doors, args.seconds,
                                                  pause, nice)
                    ok &= good
                    runs.setdefault((pause, nice), []).append((phases, built))
                    print("\n".join(table(phases, n)) + f"\n  {loadavg()}", flush=True)
    print(f"\nDoor scans while a {n}-badge PDF builds ({PER_PAGE} per A4, layout '{LAYOUT}'); gunicorn "
          f"{' '.join(SHIPPED)} + one queue worker, SQLite; new connection per scan; {loadavg()}")
    for (pause, nice), results in runs.items():
        print(f"  {variant(args.doors, pause, nice)}: " + "; ".join(
            f"p99 {p[1].scans.p99:.0f} → {p[2].scans.p99:.0f} ms, {p[1].scans.rps:.0f} → {p[2].scans.rps:.0f} "
            f"req/s, build {built:.0f} s" for p, built in results if len(p) > 2 and p[1].scans and p[2].scans))
    print(f"result: {'OK' if ok else 'FAILED'} (no 5xx or unanswered scan; the PDF built with every badge)")
    return 0 if ok else 1


def variant(doors: int, pause: float, nice: int | None) -> str:
    from seminar.queue import WORKER_NICE

    pace = f"each pausing {pause:g} s after each answer" if pause else "closed loop"
    return f"{doors} doors {pace}, queue worker " + (f"--nice {nice}" if nice is not None else
                                                     f"as shipped (nice {WORKER_NICE})")


if __name__ == "__main__":
    sys.exit(main())
