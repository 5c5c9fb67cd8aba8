"""Staff accounts: login, CSRF, rate limits, CLI users and API tokens."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from seminar import create_app
from seminar.auth.models import ApiToken, User
from seminar.extensions import db


def test_user_create_reads_the_password_from_stdin_and_stores_only_a_hash(runner, make_event):
    event = make_event(slug="belogorsk-2022")
    result = runner.invoke(args=["user", "create", "Anna@Example.ru", "--role", "organiser",
                                 "--event", "belogorsk-2022", "--password-stdin"],
                           input="Zeya-river-forum-31\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert user.email == "anna@example.ru" and user.role == "organiser"
    assert "Zeya-river-forum-31" not in user.password_hash and user.check_password("Zeya-river-forum-31")
    assert user.events == [event]


def test_user_create_refuses_a_short_password_and_an_unknown_event(runner):
    short = runner.invoke(args=["user", "create", "a@example.ru", "--role", "door", "--password-stdin"],
                          input="123\n")
    assert short.exit_code != 0 and "at least 12" in short.output
    unknown = runner.invoke(args=["user", "create", "a@example.ru", "--role", "door", "--event", "nope",
                                  "--password-stdin"], input="Zeya-river-forum-31\n")
    assert unknown.exit_code != 0 and "no event" in unknown.output


def test_token_create_prints_a_token_that_is_stored_hashed(runner, make_user, make_event):
    event = make_event()
    make_user(event=event)
    result = runner.invoke(args=["token", "create", "org@example.ru"])
    token = result.output.strip()
    assert result.exit_code == 0 and len(token) >= 32
    hashes = db.session.scalars(select(ApiToken.token_hash)).all()
    assert token not in hashes and ApiToken.hash(token) in hashes


def test_login_and_logout(client, make_user, make_event):
    event = make_event()
    make_user(event=event)
    bad = client.post("/login", data={"email": "org@example.ru", "password": "wrong-password"})
    assert "Неверная почта или пароль." in bad.get_data(as_text=True)
    assert client.get("/manage/").status_code == 302
    ok = client.post("/login", data={"email": "org@example.ru", "password": "secret-pass-1"})
    assert ok.status_code == 302
    assert event.title in client.get("/manage/").get_data(as_text=True)
    client.post("/logout")
    assert client.get("/manage/").status_code == 302


def test_login_does_not_redirect_to_another_host(client, make_user, make_event):
    make_user(event=make_event())
    response = client.post("/login?next=https://evil.example/x",
                           data={"email": "org@example.ru", "password": "secret-pass-1"})
    assert response.headers["Location"].endswith("/manage/")


def test_organiser_cannot_open_another_events_registrations(client, make_user, make_event):
    mine, other = make_event(), make_event()
    make_user(event=mine)
    client.post("/login", data={"email": "org@example.ru", "password": "secret-pass-1"})
    assert client.get(f"/manage/events/{mine.slug}/").status_code == 200
    assert client.get(f"/manage/events/{other.slug}/").status_code == 403


def test_door_account_cannot_see_the_registration_list(client, make_user, make_event):
    event = make_event()
    make_user(email="door@example.ru", role="door", event=event)
    client.post("/login", data={"email": "door@example.ru", "password": "secret-pass-1"})
    assert client.get(f"/manage/events/{event.slug}/").status_code == 403


@pytest.fixture
def strict_app(app_config):
    """The app as in production: CSRF on, rate limits on."""
    app_config = {**app_config, "WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": True,
                  "RATELIMIT_LOGIN": "3 per minute", "RATELIMIT_REGISTER": "2 per minute"}
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()


def test_forms_without_or_with_a_forged_csrf_token_are_refused_in_russian(strict_app):
    client = strict_app.test_client()
    missing = client.post("/events/some-forum/register", data={"last_name": "Иванов"})
    assert missing.status_code == 400
    assert "Форма устарела" in missing.get_data(as_text=True)
    forged = client.post("/login", data={"email": "a@b.ru", "password": "x", "csrf_token": "forged"})
    assert forged.status_code == 400


def test_login_is_rate_limited_per_address(strict_app):
    client = strict_app.test_client()
    codes = [client.post("/login", data={}).status_code for _ in range(4)]
    assert codes[:3] == [400, 400, 400] and codes[3] == 429


def test_registration_is_rate_limited_per_address(strict_app):
    client = strict_app.test_client()
    codes = [client.post("/events/some-forum/register", data={}).status_code for _ in range(3)]
    assert codes == [400, 400, 429]
    assert client.get("/events/some-forum/register").status_code == 404  # reading is not limited


@pytest.mark.redis
def test_rate_limits_are_kept_in_redis_when_configured(app_config, redis_url):
    import redis

    app = create_app({**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN": "2 per minute",
                      "RATELIMIT_STORAGE_URI": redis_url})
    with app.app_context():
        db.create_all()
        client = app.test_client()
        codes = [client.post("/login", data={}).status_code for _ in range(3)]
        assert codes[-1] == 429
        assert any(b"LIMITER" in key for key in redis.Redis.from_url(redis_url).keys("*"))
        db.session.remove()


@pytest.fixture
def live_limiter():
    """The limiter is one object per process: start and leave it with its storage taken for alive."""
    from seminar.extensions import limiter

    limiter._storage_dead = False
    yield limiter
    limiter._storage_dead = False


@pytest.mark.usefixtures("live_limiter")
@pytest.mark.parametrize("storage", ["redis://127.0.0.1:1/0", "seminar-sqlite:///{instance}/missing/limits.sqlite3"],
                         ids=["redis-down", "sqlite-file-unusable"])
def test_unreachable_limit_counters_fall_back_to_memory_and_say_so(app_config, storage, caplog):
    """Redis (or the counters' file) is gone: people still register and log in, the limits still
    hold in each process's memory, and the log tells the IT department."""
    app = create_app({**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN": "2 per minute",
                      "RATELIMIT_STORAGE_URI": storage.format(instance=app_config["INSTANCE_PATH"])})
    with app.app_context():
        db.create_all()
        client = app.test_client()
        with caplog.at_level("WARNING", logger="flask-limiter"):
            codes = [client.post("/login", data={}).status_code for _ in range(3)]
        assert codes == [200, 200, 429]  # the form again (not a 500), then limited
        assert "falling back to in-memory storage" in caplog.text
        db.session.remove()


def test_secret_key_is_generated_once_and_kept_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SEMINAR_SECRET_KEY", raising=False)
    from seminar.config import load_secret_key

    first = load_secret_key(str(tmp_path))
    assert (tmp_path / "secret_key").read_text() == first
    assert load_secret_key(str(tmp_path)) == first
