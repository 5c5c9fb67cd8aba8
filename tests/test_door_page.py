"""Door page, its PWA files, the live dashboard and the no-shows export; browser tests at the door."""
from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import sign_in

from seminar.checkin.models import CheckIn
from seminar.extensions import db

DEMO = "belogorsk-next"
DOOR_URL = f"/manage/events/{DEMO}/checkin"


# ------------------------------------------------------------------ access rules

def test_door_page_has_a_focused_scan_input_and_a_csrf_token(client, make_event, make_user):
    event = make_event()
    sign_in(client, make_user("door@example.ru", role="door", event=event))
    page = client.get(f"/manage/events/{event.slug}/checkin")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="door-code" name="code" autofocus' in html
    assert '<meta name="csrf-token" content="' in html
    assert 'rel="manifest"' in html and 'data-timezone="Asia/Yakutsk"' in html


def test_door_page_of_another_event_is_forbidden(client, make_event, make_user):
    mine, other = make_event(), make_event()
    sign_in(client, make_user("door@example.ru", role="door", event=mine))
    assert client.get(f"/manage/events/{other.slug}/checkin").status_code == 403


def test_anonymous_visitor_is_sent_to_login(client, make_event):
    event = make_event()
    response = client.get(f"/manage/events/{event.slug}/checkin")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_dashboard_and_export_are_for_organisers_not_door_staff(client, make_event, make_user):
    event = make_event()
    sign_in(client, make_user("door@example.ru", role="door", event=event))
    assert client.get(f"/manage/events/{event.slug}/dashboard").status_code == 403
    assert client.get(f"/manage/events/{event.slug}/no-shows.csv").status_code == 403
    assert client.get(f"/manage/events/{event.slug}/checkin").status_code == 200


def test_organiser_card_links_to_door_page_and_dashboard(client, make_event, make_user):
    event = make_event()
    sign_in(client, make_user("org@example.ru", role="organiser", event=event))
    html = client.get(f"/manage/events/{event.slug}/").get_data(as_text=True)
    assert f"/manage/events/{event.slug}/checkin" in html
    assert f"/manage/events/{event.slug}/dashboard" in html
    dashboard = client.get(f"/manage/events/{event.slug}/dashboard").get_data(as_text=True)
    assert "no-shows.xlsx" in dashboard and "no-shows.csv" in dashboard


def test_service_worker_may_control_the_door_page(client, make_event):
    event = make_event()
    response = client.get(f"/manage/events/{event.slug}/checkin/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == f"/manage/events/{event.slug}/checkin"
    body = response.get_data(as_text=True)
    assert f'"/manage/events/{event.slug}/checkin"' in body and "/static/js/door.js" in body


def test_manifest_makes_the_door_page_installable(client, make_event):
    event = make_event()
    data = json.loads(client.get(f"/manage/events/{event.slug}/checkin/manifest.webmanifest").data)
    assert data["start_url"] == f"/manage/events/{event.slug}/checkin"
    assert data["display"] == "standalone"
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200


# ------------------------------------------------------------------ no-shows export

@pytest.fixture
def event_with_arrivals(make_event, make_registration):
    event = make_event()
    came = make_registration(event, last_name="Пришедший")
    make_registration(event, last_name="Неявкин", first_name="Пётр", middle_name="Ильич")
    make_registration(event, last_name="Отменённый", status="cancelled")
    make_registration(event, last_name="Ожидающий", status="pending")
    make_registration(event, last_name="Формулов", organization="=HYPERLINK(\"x\")")
    db.session.add(CheckIn(event_id=event.id, registration_id=came.id, device="door-1"))
    db.session.commit()
    return event


def test_no_shows_csv_has_bom_columns_and_only_confirmed_people_who_did_not_come(
        client, event_with_arrivals, make_user):
    event = event_with_arrivals
    sign_in(client, make_user("org@example.ru", role="organiser", event=event))
    response = client.get(f"/manage/events/{event.slug}/no-shows.csv")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Муниципальное образование", "Фамилия", "Имя", "Отчество"]
    assert "Эл. почта" in rows[0] and "Телефон" in rows[0]
    assert sorted(r[1] for r in rows[1:]) == ["Неявкин", "Формулов"]
    assert ["Неявкин", "Пётр", "Ильич"] in [r[1:4] for r in rows]
    formula = next(r for r in rows if r[1] == "Формулов")
    assert formula[4].startswith("'=")  # a spreadsheet will not run it


def test_no_shows_xlsx_lists_the_same_people(client, event_with_arrivals, make_user):
    from openpyxl import load_workbook

    event = event_with_arrivals
    sign_in(client, make_user("org@example.ru", role="organiser", event=event))
    response = client.get(f"/manage/events/{event.slug}/no-shows.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "Фамилия"
    assert sorted(r[1] for r in rows[1:]) == ["Неявкин", "Формулов"]


# ------------------------------------------------------------------ browser: the door in use

def demo_people(live_server, n: int) -> list[tuple[int, str, str]]:
    """(id, badge code, last name) of confirmed demo participants not checked in yet."""
    with sqlite3.connect(live_server.instance / "seminar.sqlite3") as con:
        return con.execute(
            "SELECT r.id, r.badge_code, r.last_name FROM registration r JOIN event e ON e.id = r.event_id "
            "WHERE e.slug = ? AND r.status = 'confirmed' "
            "AND r.id NOT IN (SELECT registration_id FROM checkin) ORDER BY r.id LIMIT ?", (DEMO, n)).fetchall()


def checkins_of(live_server, registration_id: int) -> list[tuple[str, str]]:
    with sqlite3.connect(live_server.instance / "seminar.sqlite3") as con:
        return con.execute("SELECT checked_in_at, device FROM checkin WHERE registration_id = ?",
                           (registration_id,)).fetchall()


def checked_in_count(live_server) -> int:
    with sqlite3.connect(live_server.instance / "seminar.sqlite3") as con:
        return con.execute("SELECT count(*) FROM checkin JOIN event e ON e.id = checkin.event_id "
                           "WHERE e.slug = ?", (DEMO,)).fetchone()[0]


def open_door_page(page, live_server, email="door@belogorsk-forum.ru", path=DOOR_URL):
    page.goto(f"{live_server.url}/login?next={path}")
    page.fill("#email", email)
    page.fill("#password", live_server.passwords[email])
    page.click("button[type=submit]")
    page.wait_for_url(f"**{path}")


def scan_like_a_usb_scanner(page, code: str):
    assert page.evaluate("document.activeElement.id") == "door-code"
    page.keyboard.type(code)
    page.keyboard.press("Enter")


@pytest.mark.browser
def test_usb_scanner_code_and_enter_shows_green_then_amber_with_door_time(live_server, phone_page):
    from conftest import screenshot

    page = phone_page
    (rid, code, last_name), = demo_people(live_server, 1)
    open_door_page(page, live_server)
    scan_like_a_usb_scanner(page, code)
    card = page.locator("#door-card")
    page.wait_for_selector("#door-card[data-status=checked_in]")
    assert last_name in card.inner_text() and "Вход отмечен" in card.inner_text()
    assert page.evaluate("document.activeElement.id") == "door-code"  # ready for the next scan
    screenshot(page, "door-green-phone")

    scan_like_a_usb_scanner(page, code.lower())
    page.wait_for_selector("#door-card[data-status=already_checked_in]")
    (at, device), = checkins_of(live_server, rid)
    local = datetime.fromisoformat(at).replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Yakutsk"))
    assert f"Вход уже отмечен в {local:%H:%M} ({device})" in card.inner_text()
    screenshot(page, "door-amber-phone")

    scan_like_a_usb_scanner(page, "NOSUCHCODE")
    page.wait_for_selector("#door-card[data-status=unknown_code]")
    assert "Неизвестный код" in card.inner_text()
    screenshot(page, "door-red-phone")
    assert len(checkins_of(live_server, rid)) == 1
    assert page.locator("#door-checked").inner_text() == str(checked_in_count(live_server))


@pytest.mark.browser
def test_name_search_checks_in_from_the_result_list(live_server, phone_page):
    page = phone_page
    (rid, code, last_name), = demo_people(live_server, 1)
    with sqlite3.connect(live_server.instance / "seminar.sqlite3") as con:
        first_name, middle_name = con.execute(
            "SELECT first_name, middle_name FROM registration WHERE id = ?", (rid,)).fetchone()
    open_door_page(page, live_server)
    page.fill("#door-search-q", last_name[:4].lower().replace("ё", "е"))
    row = page.locator("#door-results li", has_text=f"{last_name} {first_name} {middle_name}")
    row.locator("button").click()
    page.wait_for_selector("#door-card[data-status=checked_in]")
    assert first_name in page.locator("#door-card").inner_text()
    assert len(checkins_of(live_server, rid)) == 1


@pytest.mark.browser
def test_without_a_secure_context_the_page_says_why_camera_and_offline_are_off(live_server, phone_page):
    from conftest import screenshot

    page = phone_page
    page.add_init_script("Object.defineProperty(window, 'isSecureContext', {value: false})")
    open_door_page(page, live_server)
    note = page.locator("#door-camera-note")
    assert "Камера недоступна: страница открыта по http" in note.inner_text()
    assert "HTTPS=1 make run" in note.inner_text()
    assert page.locator("#door-camera-toggle").is_disabled()
    assert "Офлайн-режим недоступен" in page.locator("#door-notes").inner_text()
    assert page.evaluate("document.activeElement.id") == "door-code"  # the scanner still works
    screenshot(page, "door-insecure-phone")


def write_y4m(png: Path, target: Path, frames: int = 10) -> None:
    """A YUV4MPEG2 4:2:0 clip of one still image, for Chromium's fake camera."""
    from PIL import Image

    canvas = Image.new("RGB", (640, 480), "white")
    qr = Image.open(png).convert("RGB")
    qr.thumbnail((400, 400))
    canvas.paste(qr, ((640 - qr.width) // 2, (480 - qr.height) // 2))
    y, cb, cr = canvas.convert("YCbCr").split()
    planes = y.tobytes() + cb.resize((320, 240)).tobytes() + cr.resize((320, 240)).tobytes()
    with target.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)


@pytest.mark.browser
def test_phone_camera_reads_a_badge_and_checks_in(live_server, browser, tmp_path):
    import qrcode
    from conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, screenshot

    (rid, code, last_name), = demo_people(live_server, 1)
    qrcode.make(code, border=4).save(tmp_path / "badge.png")
    write_y4m(tmp_path / "badge.png", tmp_path / "badge.y4m")
    args = CHROMIUM_ARGS + ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                            f"--use-file-for-fake-video-capture={tmp_path / 'badge.y4m'}"]
    camera_browser = browser.browser_type.launch(executable_path=CHROMIUM, args=args)
    try:
        page = camera_browser.new_context(**PHONE).new_page()
        open_door_page(page, live_server)
        page.click("#door-camera-toggle")
        page.wait_for_selector("#door-card[data-status=checked_in]", timeout=15000)
        assert last_name in page.locator("#door-card").inner_text()
        screenshot(page, "door-camera-phone")
        page.evaluate("""Object.defineProperty(document, 'hidden', {value: true, configurable: true});
                         document.dispatchEvent(new Event('visibilitychange'))""")
        assert page.evaluate("window.doorPage.state.camera.running()") is False  # hidden page: camera off
        assert page.evaluate("document.getElementById('door-video').srcObject") is None
    finally:
        camera_browser.close()
    assert len(checkins_of(live_server, rid)) == 1


@pytest.mark.browser
def test_offline_scans_are_queued_and_sent_once_when_the_network_returns(live_server, browser):
    from conftest import PHONE, screenshot

    context = browser.new_context(**PHONE)
    page = context.new_page()
    people = demo_people(live_server, 2)
    open_door_page(page, live_server)
    page.wait_for_selector("#door-note-snapshot")   # the offline list is on the device
    context.set_offline(True)
    for n, (_, code, last_name) in enumerate(people, start=1):
        scan_like_a_usb_scanner(page, code)
        page.wait_for_selector(f"#door-queue:has-text('ждут отправки: {n}')")
        assert last_name in page.locator("#door-card").inner_text()
        assert page.locator("#door-card").get_attribute("data-status") == "checked_in"
    assert "Сохранено офлайн, ждут отправки: 2" in page.locator("#door-queue").inner_text()
    scan_like_a_usb_scanner(page, people[0][1])   # the same badge again, still offline
    page.wait_for_selector("#door-card[data-status=already_checked_in]")
    screenshot(page, "door-offline-phone")
    assert all(not checkins_of(live_server, rid) for rid, _, _ in people)

    context.set_offline(False)
    page.wait_for_selector("#door-queue", state="hidden", timeout=20000)
    for rid, _, _ in people:
        assert len(checkins_of(live_server, rid)) == 1
    context.close()


@pytest.mark.browser
def test_door_page_opens_from_the_cache_when_the_network_is_down(live_server, browser):
    from conftest import PHONE

    context = browser.new_context(**PHONE)
    page = context.new_page()
    open_door_page(page, live_server)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#door-code")
    assert page.evaluate("document.activeElement.id") == "door-code"
    context.close()


@pytest.mark.browser
def test_dashboard_shows_arrivals_and_municipalities(live_server, desktop_page):
    from conftest import screenshot

    page = desktop_page
    open_door_page(page, live_server)
    for _, code, _ in demo_people(live_server, 12):
        scan_like_a_usb_scanner(page, code)
        page.wait_for_selector("#door-card[data-status=checked_in]")
        page.evaluate("document.getElementById('door-card').dataset.status = ''")
    page.context.clear_cookies()
    open_door_page(page, live_server, "organiser@belogorsk-forum.ru",
                   f"/manage/events/{DEMO}/dashboard")
    page.wait_for_selector("#dash-arrivals svg rect[height='0'] ~ rect:not([height='0']), "
                           "#dash-arrivals svg rect:not([height='0'])")
    assert page.locator("#dash-checked").inner_text() == str(checked_in_count(live_server))
    assert page.locator("#dash-municipalities tr").count() > 5
    screenshot(page, "dashboard-desktop")


@pytest.mark.browser
def test_offline_repeat_says_when_and_at_which_door_the_first_scan_was(live_server, browser):
    from conftest import PHONE, screenshot

    from tests.test_checkin_concurrency import request, tokens

    (earlier, before_code, _), (rid, code, _) = demo_people(live_server, 2)
    door, _organiser = tokens(live_server)
    status, body = request(live_server, "POST", f"/api/v1/events/{DEMO}/checkins", door,
                           {"code": before_code, "device": "door-2"})
    assert status == 201
    first = datetime.fromisoformat(body["checked_in_at"]).astimezone(ZoneInfo("Asia/Yakutsk"))
    context = browser.new_context(**PHONE)
    page = context.new_page()
    open_door_page(page, live_server)
    page.wait_for_selector("#door-note-snapshot")
    page.click(".door-settings summary")
    page.fill("#door-device", "вход-1")
    page.dispatch_event("#door-device", "change")
    page.focus("#door-code")
    context.set_offline(True)
    card = page.locator("#door-card")
    scan_like_a_usb_scanner(page, before_code)   # scanned at another door before the Wi-Fi dropped
    page.wait_for_selector("#door-card[data-status=already_checked_in]")
    assert f"Вход уже отмечен в {first:%H:%M} (door-2)" in card.inner_text()
    screenshot(page, "door-offline-repeat-other-door-phone")
    scan_like_a_usb_scanner(page, code)
    page.wait_for_selector("#door-card[data-status=checked_in]")
    scan_like_a_usb_scanner(page, code)          # the same badge again on this phone, still offline
    page.wait_for_selector("#door-card[data-status=already_checked_in]")
    assert "Вход уже отмечен в " in card.inner_text() and "(вход-1)" in card.inner_text()
    text = card.inner_text() + page.locator("#door-messages").inner_text()
    assert "(а)" not in text and "отмечен на этом устройстве" not in text
    context.close()
