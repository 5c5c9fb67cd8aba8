"""Safe on a public server (issue 9): links, rights, sessions, the door, bad input, headers, limits."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from seminar import create_app
from seminar.auth.models import ApiToken, User
from seminar.events.models import Event
from seminar.extensions import db
from seminar.registration.models import Registration
from tests.conftest import ROOT
from tests.test_registration import form

STRONG = "Zeya-river-forum-31"


def sign_in(client, email="org@example.ru", password="secret-pass-1"):
    return client.post("/login", data={"email": email, "password": password})


def manage_status(client) -> int:
    """GET /manage/ in an app context of its own, as a real request has (the `app` fixture keeps
    one open, and Flask-Login caches the user in its `g`)."""
    with client.application.app_context():
        return client.get("/manage/").status_code


# ------------------------------------------------------------------ 1. no poisoned links

def test_a_form_sent_with_a_forged_host_is_refused_and_mails_no_link(client, make_event, make_registration,
                                                                    outbox):
    event = make_event()
    victim = make_registration(event, email="victim@example.ru")
    poisoned = client.post(f"/events/{event.slug}/register", data=form(event, email="victim@example.ru"),
                           base_url="http://evil.example")
    assert poisoned.status_code == 400
    assert outbox() == []
    assert client.get(f"/r/{victim.access_token}", base_url="http://evil.example").status_code == 400
    # A host the installation trusts is served, and the link in the mail carries it.
    client.post(f"/events/{event.slug}/register", data=form(event, email="victim@example.ru"))
    [message] = outbox()
    assert f"http://seminar.test/r/{victim.access_token}" in message.get_body().get_content()


def test_behind_a_proxy_a_forged_forwarded_host_is_refused(app_config, make_event, make_registration, outbox):
    app = create_app({**app_config, "BEHIND_PROXY": True, "PUBLIC_URL": None})
    event = make_event()
    make_registration(event, email="victim@example.ru")
    client = app.test_client()
    poisoned = client.post(f"/events/{event.slug}/register", data=form(event, email="victim@example.ru"),
                           headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"})
    assert poisoned.status_code == 400 and outbox() == []


def test_links_use_the_serving_address_and_trusted_extra_hosts_are_served(app_config, make_event,
                                                                         make_registration, outbox):
    app = create_app({**app_config, "SERVE_URL": "http://192.168.1.10:5000", "SERVER_NAME": None,
                      "EXTRA_TRUSTED_HOSTS": ["forum.amurobl.ru"]})
    assert {"192.168.1.10", "forum.amurobl.ru", "127.0.0.1", "localhost"} <= set(app.config["TRUSTED_HOSTS"])
    event = make_event()
    victim = make_registration(event, email="victim@example.ru")
    client = app.test_client()
    sent = client.post(f"/events/{event.slug}/register", data=form(event, email="victim@example.ru"),
                       base_url="http://forum.amurobl.ru")
    assert sent.status_code == 200
    [message] = outbox()
    assert f"http://192.168.1.10:5000/r/{victim.access_token}" in message.get_body().get_content()
    assert client.get("/", base_url="http://evil.example").status_code == 400


def test_make_run_passes_the_address_it_serves_on_to_the_app(app_config, monkeypatch):
    from seminar.links import public_url
    from seminar.serve import serving_address

    assert serving_address("http", "127.0.0.1", "5000") == ("http://127.0.0.1:5000", ["127.0.0.1"])
    url, hosts = serving_address("https", "0.0.0.0", "5000")
    assert url.startswith("https://") and "127.0.0.1" in hosts and url.split("//")[1].split(":")[0] in hosts
    monkeypatch.setenv("SEMINAR_SERVE_URL", url)
    monkeypatch.setenv("SEMINAR_SERVE_HOSTS", ",".join(hosts))
    monkeypatch.setenv("SEMINAR_TRUSTED_HOSTS", "forum.amurobl.ru, .amurobl.ru")
    app = create_app({k: v for k, v in app_config.items() if k != "SERVER_NAME"})
    assert set(hosts) | {"forum.amurobl.ru", ".amurobl.ru"} <= set(app.config["TRUSTED_HOSTS"])
    with app.app_context():  # outside a request (the queue's worker, the CLI)
        assert public_url("registration.personal", token="abc") == f"{url}/r/abc"


# ------------------------------------------------------------------ 2. who may create and publish events

def test_creating_or_publishing_an_event_needs_an_admins_permission(client, runner, make_user, make_event):
    mine = make_event(status="draft")
    make_user(event=mine, may_create_events=False)
    sign_in(client)
    assert "может администратор" in client.get("/manage/").get_data(as_text=True)
    assert client.get("/manage/events/new").status_code == 403
    form = {"title": mine.title, "slug": mine.slug, "city": "Зея", "timezone": "Asia/Yakutsk",
            "starts_at": "2026-09-10T10:00", "ends_at": "2026-09-10T17:00", "region": "", "status": "published"}
    refused = client.post(f"/manage/events/{mine.slug}/edit", data=form)
    assert refused.status_code == 200 and "Опубликовать мероприятие может" in refused.get_data(as_text=True)
    assert db.session.get(Event, mine.id).status == "draft"
    assert client.post(f"/manage/events/{mine.slug}/edit", data={**form, "status": "draft"}).status_code == 302

    assert runner.invoke(args=["user", "allow-events", "org@example.ru"]).exit_code == 0
    assert client.post(f"/manage/events/{mine.slug}/edit", data=form).status_code == 302
    assert db.session.get(Event, mine.id).status == "published"
    assert client.get("/manage/events/new").status_code == 200


# ------------------------------------------------------------------ 4. sessions end for real

def _remember_cookie(client) -> str:
    cookie = client.get_cookie("remember_token", domain="seminar.test")
    assert cookie is not None
    return cookie.value


def test_logout_and_a_password_change_end_every_earlier_session_and_remember_cookie(
        app, runner, make_user, make_event):
    make_user(event=make_event())
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone)
    sign_in(laptop)
    stolen = _remember_cookie(laptop)
    assert manage_status(phone) == 200
    phone.post("/logout")
    assert manage_status(laptop) == 302  # the laptop's session ended too
    thief = app.test_client()
    thief.set_cookie("remember_token", stolen, domain="seminar.test")
    assert manage_status(thief) == 302  # and its one-year remember-me cookie

    sign_in(laptop)
    assert manage_status(laptop) == 200
    changed = runner.invoke(args=["user", "password", "org@example.ru", "--password-stdin"], input=STRONG + "\n")
    assert changed.exit_code == 0, changed.output
    assert manage_status(laptop) == 302
    assert sign_in(laptop, password=STRONG).status_code == 302


def test_disable_unbind_and_token_revoke_from_the_command_line(client, runner, make_user, make_event):
    event = make_event()
    door = make_user("door@example.ru", role="door", event=event)
    url = f"/api/v1/events/{event.slug}/door/search?q=Ив"
    headers = {"Authorization": f"Bearer {door.api_token}"}
    assert client.get(url, headers=headers).status_code == 200
    listed = runner.invoke(args=["token", "list"]).output
    assert "door@example.ru" in listed and "last used 20" in listed  # the search above was recorded
    assert door.api_token not in listed

    assert runner.invoke(args=["user", "unbind", "door@example.ru", "--event", event.slug]).exit_code == 0
    assert client.get(url, headers=headers).status_code == 403
    token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == door.id))
    assert runner.invoke(args=["token", "revoke", str(token_id)]).exit_code == 0
    assert client.get(url, headers=headers).status_code == 401

    organiser = make_user("org@example.ru", event=event)
    sign_in(client)
    assert runner.invoke(args=["user", "disable", "org@example.ru"]).exit_code == 0
    assert manage_status(client) == 302
    assert sign_in(client).status_code == 200  # refused: "Неверная почта или пароль."
    assert client.get(f"/api/v1/events/{event.slug}/stats",
                      headers={"Authorization": f"Bearer {organiser.api_token}"}).status_code == 401


# ------------------------------------------------------------------ 12. strong passwords, valid addresses

@pytest.mark.parametrize(("email", "password", "message"), [
    ("anna@example.ru", "12345678", "at least 12"),
    ("anna@example.ru", "123456789012", "too common"),
    ("anna@example.ru", "Password1234", "too common"),
    ("anna.petrova@example.ru", "anna.petrova@example.ru", "e-mail"),
    ("anna.petrova@example.ru", "anna.petrova1", "e-mail"),
    ("", STRONG, "invalid e-mail"),
    ("not-an-address", STRONG, "invalid e-mail"),
])
def test_user_create_refuses_weak_passwords_and_invalid_addresses(runner, email, password, message):
    result = runner.invoke(args=["user", "create", email, "--role", "organiser", "--password-stdin"],
                           input=password + "\n")
    assert result.exit_code != 0 and message in result.output
    assert db.session.scalar(select(User)) is None


# ------------------------------------------------------------------ 5. camera frames: bounded memory

def png_bomb(side: int) -> bytes:
    """A valid grey PNG of side × side black pixels, a few hundred KB on the wire."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer, row, parts = zlib.compressobj(9), b"\0" * (side + 1), []
    for _ in range(side):
        parts.append(packer.compress(row))
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


PEAK_RSS = """
import io, sys
from PIL import Image
from seminar.checkin.services import FrameRefused, decode_codes
def status(key):
    return int(next(l.split()[1] for l in open("/proc/self/status") if l.startswith(key)))
warm = io.BytesIO(); Image.new("L", (64, 64)).save(warm, format="PNG"); decode_codes(warm.getvalue())
data = open(sys.argv[1], "rb").read()
open("/proc/self/clear_refs", "w").write("5")  # resets the peak (VmHWM) to the current size
before = status("VmRSS:")
try:
    answer = decode_codes(data)
except FrameRefused as exc:
    answer = "refused: %s" % exc
print(answer, (status("VmHWM:") - before) // 1024)
"""


@pytest.mark.parametrize(("picture", "answer"), [
    ("bomb.png", "refused"),            # 13000 × 13000: refused from its header
    ("big.jpg", "[]"),                  # 7000 × 5700 (40 Mpx): decoded at 1/8 scale
    ("limit.png", "[]"),                # 2800 × 2800 (7.8 Mpx): the largest PNG decoded in full
    ("trick.eps", "refused"),           # PostScript: never reaches Ghostscript
    ("frame.gif", "refused"),           # GIF: not a format the door sends
])
def test_decoding_a_frame_takes_bounded_memory_and_starts_no_program(tmp_path, picture, answer):
    import subprocess
    import sys

    from PIL import Image

    path = tmp_path / picture
    if picture == "bomb.png":
        path.write_bytes(png_bomb(13000))
    elif picture == "big.jpg":
        Image.new("L", (7000, 5700), 255).save(path, format="JPEG", quality=50)
    elif picture == "limit.png":
        Image.new("RGB", (2800, 2800), "white").save(path, format="PNG")
    elif picture == "frame.gif":
        Image.new("L", (640, 480), 255).save(path, format="GIF")
    else:
        path.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n{ } loop\n")
    assert path.stat().st_size < 1024 * 1024  # every one fits the endpoint's 1 MB body limit
    out = subprocess.run([sys.executable, "-c", PEAK_RSS, str(path)], capture_output=True, text=True,
                         check=True, cwd=str(tmp_path.parent), env={"PYTHONPATH": str(ROOT)}).stdout
    result, grown_mb = out.rsplit(" ", 1)
    assert result.startswith(answer)
    assert int(grown_mb) < 80, f"{picture}: the decode grew the process by {grown_mb} MB"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # Pillow's, then our refusal
def test_decode_endpoint_refuses_a_png_bomb_with_413_and_a_message(client, make_event, make_user):
    event = make_event()
    door = make_user("door@example.ru", role="door", event=event)
    headers = {"Authorization": f"Bearer {door.api_token}", "Content-Type": "image/png"}
    url = f"/api/v1/events/{event.slug}/door/decode"
    response = client.post(url, data=png_bomb(13000), headers=headers)
    assert response.status_code == 413 and "Mpx" in response.get_json()["message"]
    assert client.post(url, data=png_bomb(20000), headers=headers).status_code == 413  # was a 500


# ------------------------------------------------------------------ 7. control characters, line breaks

@pytest.mark.parametrize(("field", "value"), [("organization", "Админ\x00истрация"),
                                               ("position", "Специалист\x1b[31m"),
                                               ("last_name", "Петрова\x00")])
def test_registration_form_refuses_control_characters_with_a_russian_message(
        both_databases, client, make_event, field, value):
    event = make_event()
    response = client.post(f"/events/{event.slug}/register", data=form(event, **{field: value}))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Уберите непечатаемые (управляющие) символы" in html or "Только буквы" in html
    assert 'value="Главный специалист"' in html or field == "position"  # what was typed stays
    assert db.session.scalar(select(Registration)) is None


def test_event_title_with_a_line_break_is_refused_and_registrations_keep_working(
        both_databases, client, make_user, make_event, outbox):
    event = make_event()
    make_user(event=event)
    sign_in(client)
    data = {"title": "Форум\nв Зее", "slug": event.slug, "city": "Зея", "timezone": "Asia/Yakutsk",
            "starts_at": "2031-09-10T10:00", "ends_at": "2031-09-10T17:00", "region": str(event.region_id),
            "status": "published", "description": "Первая строка\nвторая строка"}
    refused = client.post(f"/manage/events/{event.slug}/edit", data=data)
    assert "В этом поле не должно быть переносов строк." in refused.get_data(as_text=True)
    assert client.post(f"/manage/events/{event.slug}/edit", data={**data, "title": "Форум в Зее"}).status_code == 302
    assert "\n" in db.session.get(Event, event.id).description  # several lines are fine in a description
    client.post("/logout")
    assert client.post(f"/events/{event.slug}/register", data=form(event)).status_code == 302
    assert len(outbox()) == 1


def test_json_api_refuses_control_characters_in_any_string(client, make_event, make_user):
    event = make_event()
    door = make_user("door@example.ru", role="door", event=event)
    response = client.post(f"/api/v1/events/{event.slug}/checkins", data='{"code": "AB\\u0000C"}',
                           headers={"Authorization": f"Bearer {door.api_token}",
                                    "Content-Type": "application/json"})
    assert response.status_code == 400


# ------------------------------------------------------------------ 10. security headers

def test_every_response_has_security_headers_and_the_personal_page_is_never_cached(
        client, make_event, make_registration):
    event = make_event()
    person = make_registration(event)
    for url in ("/", f"/events/{event.slug}/", f"/events/{event.slug}/register", "/login", "/nope",
                "/static/css/app.css", "/api/v1/openapi.json"):
        headers = client.get(url).headers
        assert headers["X-Content-Type-Options"] == "nosniff", url
        assert headers["Referrer-Policy"] == "same-origin", url
        if headers["Content-Type"].startswith("text/html"):
            csp = headers["Content-Security-Policy"]
            assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp, url
            assert "script-src 'self'" in csp and "style-src 'self'" in csp
    personal = client.get(f"/r/{person.access_token}")
    assert personal.headers["Cache-Control"] == "no-store"
    assert personal.headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in personal.headers  # plain HTTP


def test_templates_hold_no_inline_script_or_style():
    import re

    for path in (ROOT / "templates").rglob("*.html"):
        if path.parent.name == "mail":  # e-mails are not pages: mail programs need inline styles
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\sstyle=|<style|\son[a-z]+=", text), path
        for script in re.findall(r"<script[^>]*>", text):
            assert "src=" in script or 'type="application/json"' in script, (path, script)


def test_over_https_cookies_are_secure_and_hsts_is_sent(app_config, make_user, make_event):
    app = create_app({**app_config, "BEHIND_PROXY": True})
    make_user(event=make_event())
    client = app.test_client()
    response = client.post("/login", data={"email": "org@example.ru", "password": "secret-pass-1"},
                           headers={"X-Forwarded-Proto": "https"})
    cookies = response.headers.getlist("Set-Cookie")
    assert {c.split("=", 1)[0] for c in cookies} >= {"session", "remember_token"}
    for cookie in cookies:
        assert "Secure" in cookie and "SameSite=Lax" in cookie and "HttpOnly" in cookie, cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    plain = app.test_client().post("/login", data={"email": "org@example.ru", "password": "secret-pass-1"})
    assert all("Secure" not in c and "SameSite=Lax" in c for c in plain.headers.getlist("Set-Cookie"))


# ------------------------------------------------------------------ 11. no 500 from any input

def test_bad_input_never_answers_500(both_databases, client, make_event, make_user, make_registration):
    event = make_event()
    organiser = make_user(event=event)
    bearer = {"Authorization": f"Bearer {organiser.api_token}"}
    huge = "9" * 30
    assert client.get(f"/api/v1/events/{event.slug}/registrations?page={huge}", headers=bearer).status_code == 200
    assert client.get(f"/api/v1/events/{event.slug}/registrations?page=-{huge}&per_page={huge}",
                      headers=bearer).status_code == 200
    assert client.delete(f"/api/v1/events/{event.slug}/checkins/{huge}", headers=bearer).status_code == 404
    assert client.delete(f"/api/v1/events/{event.slug}/checkins/{2**31}", headers=bearer).status_code == 404
    assert client.get("/r/abc%00def").status_code == 404
    assert client.get(f"/events/{event.slug}%00/").status_code == 404
    assert client.get("/?q=%00").status_code == 400
    deep = "[" * 100_000 + "]" * 100_000
    scan_url = f"/api/v1/events/{event.slug}/checkins"
    for body in (deep, '{"a": ' * 40 + "1" + "}" * 40):
        response = client.post(scan_url, data=body, headers={**bearer, "Content-Type": "application/json"})
        assert response.status_code == 400
    big = '{"code": "' + "A" * (2 * 1024 * 1024) + '"}'
    assert client.post(scan_url, data=big, headers={**bearer, "Content-Type": "application/json"}).status_code == 413
    sign_in(client)
    assert client.get(f"/manage/events/{event.slug}/?page={huge}").status_code == 200
    assert client.post(f"/manage/events/{event.slug}/registrations/{huge}/cancel").status_code == 404


# ------------------------------------------------------------------ 9. limits for the whole installation

def test_ten_logins_a_minute_hold_across_two_gunicorn_workers(tmp_path):
    """The documented 10 logins a minute, against a live server with 2 workers and no Redis."""
    import http.client

    from tests.conftest import start_live_server

    instance = tmp_path / "instance"
    instance.mkdir()
    server = start_live_server(instance, {"SEMINAR_RATELIMIT_LOGIN": "10 per minute", "SEMINAR_REDIS_URL": ""},
                               workers=2)
    try:
        host, port = server.url.removeprefix("http://").split(":")
        codes: list[int] = []
        for _ in range(24):
            connection = http.client.HTTPConnection(host, int(port), timeout=60)  # a new connection each
            connection.request("POST", "/login", body="email=a%40b.ru&password=x",
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
            codes.append(connection.getresponse().status)
            connection.close()
        assert codes.count(429) == 14 and 429 not in codes[:10], codes
        assert (instance / "ratelimits.sqlite3").exists()
    finally:
        server.stop()


def test_an_unknown_address_costs_a_password_check_too(client, make_user, make_event, monkeypatch):
    from seminar.auth import services

    make_user(event=make_event())
    checked = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda *a: checked.append(1) or real(*a))
    assert "Неверная почта или пароль." in client.post("/login", data={"email": "nobody@example.ru",
                                                                      "password": "whatever-1"}).get_data(True)
    assert checked == [1]


# ------------------------------------------------------------------ 8. confirm e-mail first

def test_confirm_email_first_holds_the_seat_until_the_link_is_opened_then_lapses_to_the_waitlist(
        both_databases, client, make_event, outbox):
    from seminar.registration import jobs

    event = make_event(capacity=1, confirm_email_hours=24)
    first = client.post(f"/events/{event.slug}/register", data=form(event, email="first@example.ru"))
    assert first.status_code == 200 and "Проверьте почту" in first.get_data(as_text=True)
    holder = db.session.scalar(select(Registration).where(Registration.email == "first@example.ru"))
    assert holder.status == "unconfirmed" and holder.hold_until is not None
    assert holder.access_token not in first.get_data(as_text=True)  # the link goes by mail only
    # The same page whether or not the address was known.
    again = client.post(f"/events/{event.slug}/register", data=form(event, email="first@example.ru"))
    assert again.get_data(as_text=True) == first.get_data(as_text=True)
    second = client.post(f"/events/{event.slug}/register", data=form(event, email="second@example.ru"))
    assert second.get_data(as_text=True) == first.get_data(as_text=True).replace("first@", "second@")
    waiting = db.session.scalar(select(Registration).where(Registration.email == "second@example.ru"))
    assert waiting.status == "waitlisted"
    assert f"/r/{holder.access_token}" in outbox()[0].get_body().get_content()

    # Nobody opened the link in time: the worker's job lapses the hold, the waitlist gets the seat
    # (held in turn until its own link is opened).
    holder.hold_until = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    jobs.lapse_unconfirmed_holds.call_local()
    db.session.expire_all()
    assert db.session.get(Registration, holder.id).status == "cancelled"
    assert db.session.get(Registration, waiting.id).status == "unconfirmed"
    late = client.get(f"/r/{holder.access_token}").get_data(as_text=True)
    assert "Время на подтверждение адреса вышло" in late
    # Opening the link in time confirms the seat.
    client.get(f"/r/{waiting.access_token}")
    db.session.expire_all()
    seated = db.session.get(Registration, waiting.id)
    assert seated.status == "confirmed" and seated.hold_until is None and seated.email_confirmed_at


def test_lapsed_holds_free_their_seat_without_the_worker(both_databases, client, make_event,
                                                        make_registration):
    event = make_event(capacity=1, confirm_email_hours=2)
    make_registration(event, status="unconfirmed", hold_until=datetime.now(UTC) - timedelta(seconds=1))
    client.post(f"/events/{event.slug}/register", data=form(event, email="next@example.ru"))
    newcomer = db.session.scalar(select(Registration).where(Registration.email == "next@example.ru"))
    assert newcomer.status == "unconfirmed"  # the lapsed hold gave its seat at once


def test_organiser_turns_on_confirm_email_first_in_the_event_form(client, make_user, make_event):
    event = make_event()
    make_user(event=event)
    sign_in(client)
    assert "Сначала подтвердить почту" in client.get(f"/manage/events/{event.slug}/edit").get_data(as_text=True)
    data = {"title": event.title, "slug": event.slug, "city": "Зея", "timezone": "Asia/Yakutsk",
            "starts_at": "2026-09-10T10:00", "ends_at": "2026-09-10T17:00", "region": str(event.region_id),
            "status": "published", "confirm_email_hours": "24"}
    assert client.post(f"/manage/events/{event.slug}/edit", data=data).status_code == 302
    assert db.session.get(Event, event.id).confirm_email_hours == 24
