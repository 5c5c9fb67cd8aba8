"""The 20,000-person event: ``python -m bench.scale [--n 20000] [--postgres]``.

Builds an event with N confirmed registrations (Cyrillic names), 75 % of them checked in over a
morning, on a fresh SQLite file (and, with --postgres, a fresh PostgreSQL database), then times,
through the app's own request handling (Flask's test client, no network):

- the door's offline snapshot: full (bytes raw and gzipped), unchanged (ETag → 304), and a
  delta after 10 new scans;
- the dashboard's arrivals (grouped in the database), and the dashboard's whole poll (arrivals and
  check-ins by municipality), changed and unchanged (ETag → 304);
- issuing every certificate (chunked INSERTs).

Its floor, in the same run: the same rows read by one bare SELECT on the same database.
Targets (docs/performance.md): snapshot ≤ 1 MB compressed and ≤ 100 ms when changed, almost
nothing when unchanged; arrivals ≤ 30 ms.
"""
from __future__ import annotations

import argparse
import gzip
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("SEMINAR_INSTANCE_PATH", tempfile.mkdtemp(prefix="seminar-scale-"))

from sqlalchemy import insert, select, text  # noqa: E402

from seminar import create_app  # noqa: E402
from seminar.auth.services import create_or_update_user, create_token  # noqa: E402
from seminar.checkin.models import CheckIn  # noqa: E402
from seminar.events.models import Event, Municipality, Region  # noqa: E402
from seminar.extensions import db  # noqa: E402
from seminar.registration.models import Registration, name_key, new_access_token, new_badge_code  # noqa: E402

LAST = ["Иванов", "Петрова", "Сидоренко", "Ёлкина", "Щербаков", "Кузнецова", "Журавлёв", "Шевчук"]
FIRST = ["Анна", "Иван", "Мария", "Пётр", "Ольга", "Сергей"]
MIDDLE = ["Ивановна", "Петрович", "Сергеевна", "Андреевич"]


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    """Median milliseconds of `repeat` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def build(app, n: int) -> tuple[int, str]:
    with app.app_context():
        db.create_all()
        region = Region(name="Амурская область")
        municipalities = [Municipality(region=region, name=f"Муниципальный округ {i}", kind="округ")
                          for i in range(30)]
        start = datetime(2026, 8, 30, 1, 0, tzinfo=UTC)
        event = Event(slug="federal", title="Федеральный форум", description="", venue="", city="Москва",
                      timezone="Asia/Yakutsk", starts_at=start, ends_at=start + timedelta(hours=8),
                      capacity=n, status="published", region=region)
        db.session.add_all([event, *municipalities])
        db.session.flush()
        rows = []
        for i in range(n):
            last = LAST[i % len(LAST)] + ("" if i < len(LAST) else str(i))
            rows.append({"event_id": event.id, "last_name": last, "last_name_key": name_key(last),
                         "first_name": FIRST[i % len(FIRST)], "middle_name": MIDDLE[i % len(MIDDLE)],
                         "email": f"p{i}@example.ru", "phone": "+79140000000",
                         "municipality_id": municipalities[i % 30].id, "organization": "Администрация",
                         "position": "Специалист", "role": "participant", "status": "confirmed",
                         "access_token": new_access_token(), "badge_code": new_badge_code(),
                         "consent_version": "bench", "consent_at": start - timedelta(days=10),
                         "created_at": start - timedelta(days=10), "updated_at": start - timedelta(days=10)})
        for chunk in range(0, n, 2000):
            db.session.execute(insert(Registration), rows[chunk:chunk + 2000])
        ids = db.session.scalars(select(Registration.id).where(Registration.event_id == event.id)).all()
        checkins = [{"event_id": event.id, "registration_id": rid, "device": "door-1", "scan_id": None,
                     "checked_in_at": start - timedelta(hours=1) + timedelta(seconds=(k * 7) % 10800)}
                    for k, rid in enumerate(ids[: n * 3 // 4])]
        for chunk in range(0, len(checkins), 2000):
            db.session.execute(insert(CheckIn), checkins[chunk:chunk + 2000])
        user = create_or_update_user("door@example.ru", "organiser", "a-long-bench-password", "federal")
        token = create_token(user)
        db.session.commit()
        return event.id, token


def measure(label: str, database_url: str, n: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "TESTING": True,
                      "SERVER_NAME": "bench.test", "RATELIMIT_ENABLED": False})
    started = time.perf_counter()
    event_id, token = build(app, n)
    print(f"\n--- {label}: {n} registrations built in {time.perf_counter() - started:.1f} s")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    base = "/api/v1/events/federal"

    full_ms, full = timed(lambda: client.get(base + "/door/snapshot", headers=headers))
    raw = len(full.data)
    packed = len(gzip.compress(full.data, 6))
    etag = full.headers["ETag"]
    same_ms, same = timed(lambda: client.get(base + "/door/snapshot", headers={**headers, "If-None-Match": etag}))
    version = full.get_json()["version"]
    with app.app_context():
        fresh = db.session.scalars(select(Registration.badge_code).outerjoin(
            CheckIn, CheckIn.registration_id == Registration.id).where(CheckIn.id.is_(None)).limit(10)).all()
    for code in fresh:
        client.post(base + "/checkins", json={"code": code, "device": "door-2", "scan_id": uuid.uuid4().hex},
                    headers=headers)
    delta_ms, delta = timed(lambda: client.get(base + "/door/snapshot", query_string={"since": version},
                                               headers=headers))
    poll_ms, poll = timed(lambda: client.get(base + "/door/arrivals", headers=headers))
    poll_same_ms, poll_same = timed(lambda: client.get(base + "/door/arrivals", headers={
        **headers, "If-None-Match": poll.headers["ETag"]}))
    with app.app_context():
        from seminar.checkin.services import arrivals

        arrivals_ms, _ = timed(lambda: arrivals(db.session.get(Event, event_id)))

    with app.app_context():
        floor_ms, _ = timed(lambda: db.session.execute(text(
            "SELECT r.id, r.last_name, r.first_name, r.middle_name, r.status, c.id FROM registration r "
            "LEFT JOIN checkin c ON c.registration_id = r.id WHERE r.event_id = :e ORDER BY r.id"),
            {"e": event_id}).all())
        from seminar.certificates.services import issue_all

        ended = db.session.get(Event, event_id)
        cert_started = time.perf_counter()
        issued = issue_all(ended, ended.ends_at + timedelta(days=1))
        db.session.commit()
        cert_s = time.perf_counter() - cert_started

    print(f"snapshot, full:       {full_ms:7.1f} ms  {raw / 1e6:5.2f} MB raw, {packed / 1e6:5.2f} MB gzipped "
          f"(floor: bare SELECT of the rows {floor_ms:.1f} ms)")
    print(f"snapshot, unchanged:  {same_ms:7.1f} ms  status {same.status_code}, {len(same.data)} bytes")
    print(f"snapshot, delta:      {delta_ms:7.1f} ms  {len(delta.data)} bytes, "
          f"{len(delta.get_json()['entries'])} entries (10 new scans)")
    print(f"arrivals (SQL):       {arrivals_ms:7.1f} ms  grouped by 5 minutes in the database")
    print(f"dashboard poll:       {poll_ms:7.1f} ms  arrivals and check-ins by municipality, {len(poll.data)} bytes")
    print(f"dashboard, unchanged: {poll_same_ms:7.1f} ms  status {poll_same.status_code}, {len(poll_same.data)} bytes")
    print(f"certificates issued:  {len(issued)} in {cert_s:.1f} s")


def main() -> None:
    import logging

    logging.getLogger("seminar.request").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--postgres", action="store_true", help="also on a fresh PostgreSQL database")
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    folder = Path(tempfile.mkdtemp(prefix="seminar-scale-db-"))
    measure("SQLite", f"sqlite:///{folder / 'scale.sqlite3'}", args.n)
    if args.postgres:
        import psycopg

        admin = os.environ.get("SEMINAR_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
        name = f"seminar_scale_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            base = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
            measure("PostgreSQL", f"{base}/{name}", args.n)
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
