"""Every organiser page at 20,000 registrations: the time to answer (median of 3), SQLite or PostgreSQL.

    python -m bench.organiser_pages [--people 20000] [--database-url postgresql+psycopg://...]

The floor in the same run: the app's lightest page (the login form), served the same way.
The target is 300 ms for every page (docs/performance.md).
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

TARGET_MS = 300


def populate(people: int) -> str:
    """An ended event with `people` registrations, 90 % checked in, a programme room; returns its slug."""
    from seminar.auth.services import create_or_update_user
    from seminar.certificates.services import issue_all
    from seminar.checkin.models import CheckIn
    from seminar.events.models import Event, Municipality, Region
    from seminar.extensions import db
    from seminar.registration.models import Registration, name_key

    now = datetime.now(UTC)
    region = Region(name="Амурская область")
    municipalities = [Municipality(region=region, name=f"Муниципальный округ {i}") for i in range(30)]
    event = Event(slug="big", title="Большой форум", starts_at=now - timedelta(days=1, hours=8),
                  ends_at=now - timedelta(days=1), capacity=people, status="published", region=region,
                  timezone="Asia/Yakutsk")
    db.session.add_all([region, *municipalities, event])
    db.session.flush()
    rng = random.Random(7)
    surnames = ["Иванов", "Петрова", "Сидоров", "Кузнецова", "Смирнов", "Попова", "Волков", "Ёлкина"]
    rows = []
    for i in range(people):
        last = rng.choice(surnames) + "абвгдежзиклмнопрстуф"[i % 20]
        rows.append(dict(event_id=event.id, last_name=last, last_name_key=name_key(last), first_name="Иван",
                         middle_name="Петрович", email=f"p{i}@example.ru", phone="+79141234567",
                         municipality_id=municipalities[i % 30].id, organization="Администрация",
                         position="Специалист", role="speaker" if i % 100 == 0 else "participant",
                         status="confirmed" if i % 50 else "cancelled", consent_version="v1",
                         consent_at=now, access_token=f"tok{i:08d}" + "x" * 20,
                         badge_code=f"CODE{i:08d}" + "A" * 16, created_at=now, updated_at=now))
    db.session.execute(Registration.__table__.insert(), rows)
    ids = db.session.scalars(db.select(Registration.id).where(Registration.event_id == event.id)).all()
    db.session.execute(CheckIn.__table__.insert(), [
        dict(event_id=event.id, registration_id=rid, checked_in_at=event.starts_at, device="door-1")
        for n, rid in enumerate(ids) if n % 10])
    create_or_update_user("org@example.ru", "organiser", "bench-password", "big")
    db.session.commit()
    issue_all(event, now)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # What autovacuum does soon after a bulk load; without it the planner guesses 8 rows.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    return event.slug


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    instance = tempfile.mkdtemp()
    os.environ["SEMINAR_INSTANCE_PATH"] = instance  # the queue's own file goes there too
    from seminar import create_app
    from seminar.extensions import db

    app = create_app({"INSTANCE_PATH": instance, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "MAIL_URL": None,
                      "SQLALCHEMY_DATABASE_URI": args.database_url or f"sqlite:///{instance}/bench.sqlite3"})
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        slug = populate(args.people)
        print(f"{args.people} registrations loaded in {time.perf_counter() - started:.0f} s "
              f"({db.engine.dialect.name})")
        db.session.remove()
    client = app.test_client()
    client.post("/login", data={"email": "org@example.ru", "password": "bench-password"})
    pages = [
        ("login form (floor)", "/login"),
        ("registrations list", f"/manage/events/{slug}/"),
        ("registrations, search", f"/manage/events/{slug}/?q=ёлк"),
        ("registrations, page 150", f"/manage/events/{slug}/?page=150"),
        ("export CSV", f"/manage/events/{slug}/registrations.csv"),
        ("export XLSX (to the queue)", f"/manage/events/{slug}/registrations.xlsx"),
        ("certificates", f"/manage/events/{slug}/certificates"),
        ("badges", f"/manage/events/{slug}/badges"),
        ("dashboard", f"/manage/events/{slug}/dashboard"),
        ("door page", f"/manage/events/{slug}/checkin"),
        ("edit event", f"/manage/events/{slug}/edit"),
        ("programme editor", f"/manage/events/{slug}/programme"),
        ("add person", f"/manage/events/{slug}/registrations/new"),
        ("edit person", f"/manage/events/{slug}/registrations/5/edit"),
        ("import", f"/manage/events/{slug}/import"),
        ("audit log", f"/manage/events/{slug}/log"),
        ("staff", f"/manage/events/{slug}/staff"),
        ("clone", f"/manage/events/{slug}/clone"),
        ("API stats", f"/api/v1/events/{slug}/stats"),
        ("API registrations", f"/api/v1/events/{slug}/registrations?per_page=100"),
    ]
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'page':28} {'ms':>7} {'size':>9}  status")
    floor = None
    slow = 0
    for name, path in pages:
        times, firsts = [], []
        for _ in range(3):
            started = time.perf_counter()
            response = client.get(path, buffered=False)
            chunks = iter(response.response)
            first = next(chunks, b"")
            firsts.append((time.perf_counter() - started) * 1000)
            body = first + b"".join(chunks)
            response.close()
            times.append((time.perf_counter() - started) * 1000)
        ms = statistics.median(times)
        first_ms = statistics.median(firsts)
        floor = floor or ms
        # A streamed export answers with its first bytes; the rest follows as it is written.
        answered = first_ms if path.endswith(".csv") else ms
        flag = "" if answered <= TARGET_MS else "  SLOW"
        slow += bool(flag)
        streamed = f"  first byte {first_ms:.0f} ms" if ms - first_ms > 50 else ""
        print(f"{name:28} {ms:7.1f} {len(body) / 1024:8.0f}K  {response.status_code}  ×{ms / floor:.0f} floor"
              f"{streamed}{flag}")
    with app.app_context():
        from seminar.manage import jobs

        started = time.perf_counter()
        jobs.build_registrations_xlsx.call_local(1, "bench", {"role": None, "status": None, "q": None})
        print(f"XLSX built by the queue job (openpyxl write-only): {time.perf_counter() - started:.1f} s")
    print(f"{slow} page(s) over {TARGET_MS} ms")


if __name__ == "__main__":
    main()
