"""The set-up a newcomer relies on: migrations, the demo, municipality import."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import func, select

from seminar import create_app
from seminar.events.models import Event, Municipality
from seminar.extensions import db
from seminar.registration.models import Registration


def test_migrations_match_the_models(app_config, tmp_path):
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.sqlite3'}"})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        db.engine.dispose()
    assert diff == [], f"models and migrations disagree: {diff}"


def demo_event(slug: str) -> Event:
    return db.session.scalar(select(Event).where(Event.slug == slug))


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_loads_the_2022_forum_as_it_happened_once(runner):
    from seminar.certificates.models import Certificate
    from seminar.checkin.models import CheckIn
    from seminar.programme.models import Session

    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "Already present: demo forum belogorsk-2022" in second.output
    event = demo_event("belogorsk-2022")
    assert event.capacity == 150 and event.timezone == "Asia/Yakutsk"
    assert event.local(event.starts_at).strftime("%d.%m.%Y %H:%M") == "30.08.2022 10:00"
    assert event.local(event.ends_at).strftime("%d.%m.%Y %H:%M") == "30.08.2022 17:30"
    people = Registration.event_id == event.id
    assert count(Registration, people) == count(Registration, people, Registration.status == "confirmed") == 120
    assert count(Registration, people, Registration.role == "speaker") >= 3
    assert count(Session, Session.event_id == event.id) >= 6
    assert count(CheckIn, CheckIn.event_id == event.id) == 100
    assert count(Certificate, Certificate.registration_id.in_(select(Registration.id).where(people))) == 100
    assert event.registration_state(datetime.now(UTC)) == "closed"
    names = db.session.scalars(select(Registration.last_name)).all()
    assert all(name[0].isupper() and name.isalpha() for name in names)


def test_demo_loads_the_next_forum_open_30_days_ahead_with_nobody_in_yet(runner):
    from seminar.checkin.models import CheckIn
    from seminar.programme.models import Session

    assert runner.invoke(args=["demo"]).exit_code == 0
    event = demo_event("belogorsk-next")
    tz = ZoneInfo("Asia/Yakutsk")
    expected = datetime.combine(datetime.now(tz).date() + timedelta(days=30), time(10, 0), tz)
    assert event.starts_at == expected and event.timezone == "Asia/Yakutsk" and event.capacity == 150
    people = Registration.event_id == event.id
    assert count(Registration, people, Registration.status == "confirmed") == 120
    assert count(Session, Session.event_id == event.id) >= 6
    assert count(CheckIn, CheckIn.event_id == event.id) == 0
    assert event.registration_state(datetime.now(UTC)) == "open"


def test_demo_staff_get_passwords_made_for_this_instance_shown_once(runner, client):
    from seminar import demo

    output = runner.invoke(args=["demo"]).output
    passwords = dict(line.split() for line in output.splitlines() if "@belogorsk-forum.ru  " in line)
    assert set(passwords) == {demo.ORGANISER_EMAIL, demo.DOOR_EMAIL}
    assert len(set(passwords.values())) == 2 and all(len(p) >= 16 for p in passwords.values())
    assert not any(p in runner.invoke(args=["demo"]).output for p in passwords.values())
    response = client.post("/login", data={"email": demo.DOOR_EMAIL, "password": passwords[demo.DOOR_EMAIL]})
    assert response.status_code == 302
    assert client.get("/manage/events/belogorsk-next/checkin").status_code == 200
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x",
                        "INSTANCE_PATH": str(Path(app_instance()) / "other")})
    with other.app_context():
        db.create_all()
        again = other.test_cli_runner().invoke(args=["demo"]).output
        db.engine.dispose()
    assert not any(p in again for p in passwords.values())


def app_instance() -> str:
    from flask import current_app

    return current_app.instance_path


def test_registration_closes_when_the_event_ends_unless_set_otherwise(make_event):
    now = datetime.now(UTC)
    ended = make_event(starts_at=now - timedelta(hours=9), ends_at=now - timedelta(hours=1))
    assert ended.registration_state(now) == "closed"
    running = make_event(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))
    assert running.registration_state(now) == "open"
    early = make_event(registration_closes=now - timedelta(minutes=1))
    assert early.registration_state(now) == "closed"


def test_demo_forum_page_and_form_list_the_amur_municipalities(runner, client):
    runner.invoke(args=["demo"])
    html = client.get("/events/belogorsk-next/register").get_data(as_text=True)
    assert "город Белогорск" in html and "Константиновский" in html


def test_municipalities_import_is_idempotent_and_reports_bad_files(runner, tmp_path):
    good = tmp_path / "m.csv"
    good.write_text("\ufeffregion,name,kind\nАмурская область,город Зея,городской округ\n"
                    "Амурская область,Зейский муниципальный округ,муниципальный округ\n", encoding="utf-8")
    assert "created 2" in runner.invoke(args=["municipalities", "import", str(good)]).output
    assert "unchanged 2" in runner.invoke(args=["municipalities", "import", str(good)]).output
    assert db.session.scalar(select(func.count(Municipality.id))) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("name\nгород Зея\n", encoding="utf-8")
    result = runner.invoke(args=["municipalities", "import", str(bad)])
    assert result.exit_code != 0 and "missing columns" in result.output


def test_seed_if_empty_loads_the_demo_only_into_an_empty_database(runner, make_event):
    make_event()
    assert "not loaded" in runner.invoke(args=["seed-if-empty"]).output


def test_seed_if_empty_loads_the_demo_into_the_instance_sqlite_only(app_config, instance_path):
    own = {**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance_path / 'seminar.sqlite3'}"}
    for config, loaded in ((app_config, False), (own, True)):
        app = create_app(config)
        with app.app_context():
            db.create_all()
            output = app.test_cli_runner().invoke(args=["seed-if-empty"]).output
            assert ("Created demo forum belogorsk-next" in output) is loaded, output
            assert ("organiser@belogorsk-forum.ru  " in output) is loaded
            assert (demo_event("belogorsk-2022") is not None) is loaded
            db.session.remove()
            db.engine.dispose()


def test_english_catalog_translates_every_string(tmp_path):
    """Every Russian string in the code and templates has an English translation."""
    import shutil
    import subprocess
    import sys

    from babel.messages.pofile import read_po

    from tests.conftest import ROOT

    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    shutil.copytree(ROOT / "seminar" / "translations", tmp_path / "translations")
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "update", "-i", str(pot),
                    "-d", str(tmp_path / "translations"), "-l", "en", "--no-fuzzy-matching"],
                   check=True, capture_output=True)
    with open(tmp_path / "translations" / "en" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    missing = [m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    assert missing == [], f"untranslated: {missing[:10]}"


def test_version_is_reported_in_openapi_and_organiser_footer(client, make_user, make_event):
    from seminar.version import __version__

    assert client.get("/api/v1/openapi.json").get_json()["info"]["version"] == __version__
    event = make_event()
    make_user(email="org@example.ru", event=event)
    client.post("/login", data={"email": "org@example.ru", "password": "secret-pass-1"})
    assert f"seminar {__version__}" in client.get("/manage/").get_data(as_text=True)


def test_every_feature_plugs_in_through_register(app):
    from seminar import FEATURES
    from seminar.features import features

    assert all(callable(getattr(feature, "register", None)) for feature in FEATURES)
    registry = features(app)
    # Each feature's links, API paths and partials arrive through the registry alone.
    assert {"badges.bulk", "checkin.door", "programme_editor.editor"} <= {
        link.endpoint for link in registry.manage_links}
    assert "/events/{slug}/checkins" in registry.api_paths
    assert "badges/_personal_badge.html" in registry.partials["personal"]
