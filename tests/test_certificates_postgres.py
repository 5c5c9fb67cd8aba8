"""Certificate numbers and pictures on PostgreSQL: two downloads at once never share or change a number."""
from __future__ import annotations

import io
import threading
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from seminar.certificates import services, settings
from seminar.certificates.models import Certificate
from seminar.extensions import db

NOW = datetime.now(UTC)


@pytest.fixture
def app_config(app_config, postgres_url):
    return {**app_config, "SQLALCHEMY_DATABASE_URI": postgres_url}


def verify_url(code: str) -> str:
    return f"http://seminar.test/verify/{code}"


def test_concurrent_downloads_number_each_certificate_once(app, make_event, make_attendee):
    event = make_event(starts_at=NOW - timedelta(days=2, hours=8), ends_at=NOW - timedelta(days=2))
    settings.save_settings(event, settings.SettingsInput(number_pattern="БЛГ-{n:03}"),
                           settings.Pictures(image=_png()))
    db.session.commit()
    for _ in range(6):
        make_attendee(event)
    event_id = event.id
    printed: list[str] = []
    barrier = threading.Barrier(3)

    def download():
        with app.app_context():
            from seminar.events.models import Event

            barrier.wait()
            pdf = services.certificates_pdf(services.issue_all(db.session.get(Event, event_id), NOW), verify_url)
            db.session.commit()
            printed.append("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
            db.session.remove()

    threads = [threading.Thread(target=download) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    db.session.expire_all()
    numbers = [c.number for c in db.session.scalars(select(Certificate))]
    assert len(numbers) == 6 and len(set(numbers)) == 6 and all(numbers)
    assert len(printed) == 3
    for text in printed:  # whatever each download printed is the number the database kept
        assert sorted(n for n in numbers if f"№ {n}" in text) == sorted(numbers)
    assert settings.settings_of(db.session.get(type(event), event_id)).image[:4] == b"\x89PNG"


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (200, 100), (200, 180, 150)).save(out, "PNG")
    return out.getvalue()
