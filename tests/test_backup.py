"""Backups that restore: `backup -o FILE` and `restore FILE`, on SQLite and PostgreSQL, and the
restore drill against a live gunicorn."""
from __future__ import annotations

import io
import json
import stat
import tarfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from seminar import create_app
from seminar.checkin.models import CheckIn
from seminar.extensions import db
from seminar.registration.models import Registration


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """(source URL, empty target URL) on one kind of database."""
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_url"), request.getfixturevalue("another_postgres_url")
    return f"sqlite:///{tmp_path / 'source.sqlite3'}", f"sqlite:///{tmp_path / 'target.sqlite3'}"


def new_app(tmp_path, name, url, **extra):
    instance = tmp_path / name
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": url,
                      "SECRET_KEY": f"key-of-{name}", "OUTBOX_DIR": str(instance / "outbox"), **extra})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return app


def counts():
    return (db.session.scalar(select(func.count(Registration.id))),
            db.session.scalar(select(func.count(CheckIn.id))))


def cli(app, *args):
    """A command run on `app` (its own app context: the test's app is active around it)."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args))
        db.session.remove()
        db.engine.dispose()
    return result


@pytest.fixture
def forum(app, make_event, make_registration, make_check_in):
    """An ended forum: 5 people, 3 checked in, one certificate issued."""
    from seminar.certificates import services

    now = datetime.now(UTC)
    event = make_event(starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1))
    people = [make_registration(event) for _ in range(5)]
    for person in people[:3]:
        make_check_in(person)
    certificate = services.issue(people[0], now)
    db.session.commit()
    return event, people, certificate.code


@pytest.fixture
def app_config(request, app_config, database):
    return {**app_config, "SQLALCHEMY_DATABASE_URI": database[0]}


def test_a_backup_restores_into_an_empty_database_with_the_secret_key(app, forum, database, tmp_path):
    event, people, code = forum
    archive = tmp_path / "forum.tar.gz"
    made = cli(app, "backup", "-o", str(archive))
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # personal data and the key inside
    target = new_app(tmp_path, "restored", database[1])
    restored = cli(target, "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert (tmp_path / "restored" / "secret_key").read_text() == "test-secret"
    with target.app_context():
        assert counts() == (5, 3)
        person = db.session.scalar(select(Registration).where(Registration.id == people[1].id))
        assert (person.access_token, person.badge_code) == (people[1].access_token, people[1].badge_code)
        client = target.test_client()
        assert client.get(f"/r/{people[1].access_token}").status_code == 200
        assert client.get(f"/api/v1/certificates/{code}").get_json()["valid"] is True
        db.engine.dispose()


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(app, forum, database, tmp_path):
    archive = tmp_path / "forum.tar.gz"
    cli(app, "backup", "-o", str(archive))
    target = new_app(tmp_path, "busy", database[1])
    with target.app_context():
        from seminar.events.models import Municipality, Region

        db.session.add(Municipality(name="Тындинский округ", region=Region(name="Амурская область")))
        db.session.commit()
        db.engine.dispose()
    refused = cli(target, "restore", str(archive))
    assert refused.exit_code != 0 and "not empty" in refused.output and "--force" in refused.output
    with target.app_context():
        assert counts() == (0, 0)
        db.engine.dispose()
    forced = cli(target, "restore", str(archive), "--force")
    assert forced.exit_code == 0, forced.output
    with target.app_context():
        assert counts() == (5, 3)
        db.engine.dispose()


def _damaged_copies(archive, tmp_path):
    """A foreign file, a tar without a manifest, and the backup with one byte of its database changed."""
    foreign = tmp_path / "photo.jpg"
    foreign.write_bytes(b"\xff\xd8\xff\xe0 not a backup at all")
    no_manifest = tmp_path / "other.tar.gz"
    with tarfile.open(no_manifest, "w:gz") as tar:
        tar.add(foreign, arcname="photo.jpg")
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w:gz") as tar:
        for member in source.getmembers():
            data = bytearray(source.extractfile(member).read())
            if member.name.startswith("database."):
                data[len(data) // 2] ^= 0xFF
            member.size = len(data)
            tar.addfile(member, io.BytesIO(bytes(data)))
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    return {"foreign": foreign, "no manifest": no_manifest, "tampered": tampered, "truncated": truncated}


def test_a_corrupt_or_foreign_file_is_refused_and_nothing_is_overwritten(app, forum, database, tmp_path):
    archive = tmp_path / "forum.tar.gz"
    cli(app, "backup", "-o", str(archive))
    for name, path in _damaged_copies(archive, tmp_path).items():
        result = cli(app, "restore", str(path), "--force")
        assert result.exit_code != 0, name
        assert "backup" in result.output and "Traceback" not in result.output, (name, result.output)
    with app.app_context():
        db.session.remove()
        assert counts() == (5, 3)


def test_a_backup_of_another_database_kind_is_refused(request, app, forum, database, tmp_path):
    archive = tmp_path / "forum.tar.gz"
    cli(app, "backup", "-o", str(archive))
    with tarfile.open(archive) as tar:
        kind = json.load(tar.extractfile("manifest.json"))["database"]
    other = (f"sqlite:///{tmp_path / 'other.sqlite3'}" if kind == "postgresql"
             else request.getfixturevalue("another_postgres_url"))
    result = cli(new_app(tmp_path, "other-kind", other), "restore", str(archive))
    assert result.exit_code != 0 and f"holds a {kind} database" in result.output
