"""Importing a 10,000-row delegation list (XLSX and CSV): preview, then apply in one transaction.

    python -m bench.import_list [--rows 10000] [--database-url postgresql+psycopg://...]

The floor in the same run: reading the same XLSX with openpyxl alone (no checks, no database).
"""
from __future__ import annotations

import argparse
import io
import tempfile
import time
from datetime import UTC, datetime, timedelta

from openpyxl import Workbook, load_workbook


def make_xlsx(rows: int, municipalities: list[str]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["ФИО", "E-mail", "Телефон", "Муниципальное образование", "Организация", "Должность"])
    for i in range(rows):
        sheet.append([f"Петрова Анна{'абвгдежзик'[i % 10]} Сергеевна", f"person{i}@example.ru",
                      f"+7 914 {i % 1000:03d}-{i % 100:02d}-{i % 97:02d}", municipalities[i % len(municipalities)],
                      "Администрация муниципального округа", "Главный специалист"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    from seminar import create_app
    from seminar.dbtypes import utcnow
    from seminar.events.models import Event, Municipality, Region
    from seminar.extensions import db
    from seminar.people.importing import apply, preview

    instance = tempfile.mkdtemp()
    app = create_app({"INSTANCE_PATH": instance, "SECRET_KEY": "bench", "SERVER_NAME": "bench.local",
                      "SQLALCHEMY_DATABASE_URI": args.database_url or f"sqlite:///{instance}/bench.sqlite3"})
    with app.app_context():
        db.create_all()
        region = Region(name="Амурская область")
        names = [f"Муниципальный округ {i}" for i in range(30)]
        db.session.add_all([Municipality(region=region, name=n) for n in names])
        now = datetime.now(UTC)
        event = Event(slug="bench", title="Форум", starts_at=now + timedelta(days=30),
                      ends_at=now + timedelta(days=30, hours=8), capacity=8000, status="published",
                      region=region, timezone="Asia/Yakutsk")
        db.session.add(event)
        db.session.commit()
        data = make_xlsx(args.rows, names)
        started = time.perf_counter()
        floor_rows = load_workbook(io.BytesIO(data)).worksheets[0].max_row
        floor = time.perf_counter() - started
        started = time.perf_counter()
        result = preview(event, data, "list.xlsx")
        checked = time.perf_counter() - started
        started = time.perf_counter()
        applied = apply(event, result, now=utcnow())
        db.session.commit()
        added = time.perf_counter() - started
        print(f"{args.rows} rows, {len(data) / 1e6:.1f} MB XLSX; errors {len(result.errors)}; "
              f"confirmed {applied.count('confirmed')}, waitlisted {applied.count('waitlisted')}")
        print(f"floor (openpyxl reads the file, {floor_rows} rows): {floor:.2f} s")
        print(f"preview (read + check every row): {checked:.2f} s ({checked / floor:.1f}x floor)")
        print(f"apply (one transaction):          {added:.2f} s")
        print(f"total:                            {checked + added:.2f} s")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
