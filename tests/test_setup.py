"""The set-up a newcomer relies on: migrations, the demo, municipality import."""
from __future__ import annotations

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


def test_demo_loads_the_belogorsk_forum_once(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "Already present" in second.output
    event = db.session.scalar(select(Event).where(Event.slug == "belogorsk-2022"))
    assert event.capacity == 150 and event.registration_closes is None
    assert event.local(event.starts_at).strftime("%d.%m.%Y %H:%M") == "30.08.2022 10:00"
    assert event.timezone == "Asia/Yakutsk"
    confirmed = db.session.scalar(select(func.count()).where(
        Registration.event_id == event.id, Registration.status == "confirmed"))
    assert confirmed == 120
    assert db.session.scalar(select(func.count(Registration.id))) == 120
    from seminar.checkin.models import CheckIn

    assert db.session.scalar(select(func.count(CheckIn.id))) == 0  # every demo badge scans green
    names = db.session.scalars(select(Registration.last_name)).all()
    assert all(name[0].isupper() and name.isalpha() for name in names)


def test_demo_forum_page_and_form_list_the_amur_municipalities(runner, client):
    runner.invoke(args=["demo"])
    html = client.get("/events/belogorsk-2022/register").get_data(as_text=True)
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
