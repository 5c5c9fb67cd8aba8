"""The participant's rights on a phone, and the verify page of an anonymised certificate."""
from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def demo_people(server, n):
    """(access token, full name) of the demo forum's first n checked-in registrations."""
    with sqlite3.connect(server.instance / "seminar.sqlite3") as conn:
        return conn.execute(
            "SELECT access_token, last_name || ' ' || first_name FROM registration "
            "WHERE id IN (SELECT registration_id FROM checkin) ORDER BY id LIMIT ?", (n,)).fetchall()


def test_withdrawing_consent_on_a_phone_asks_once_then_the_link_is_gone(live_server, phone_page):
    live_server.flask("demo-arrivals")
    [(token, name)] = demo_people(live_server, 1)
    page = phone_page
    page.goto(f"{live_server.url}/r/{token}")
    download = page.get_by_role("link", name="Скачать мои данные")
    assert download.is_visible()
    page.get_by_role("link", name="Отозвать согласие и удалить мои данные").scroll_into_view_if_needed()
    screenshot(page, "phone-personal-privacy")
    page.get_by_role("link", name="Отозвать согласие и удалить мои данные").click()
    page.wait_for_url("**/forget")
    screenshot(page, "phone-forget-confirm")
    page.get_by_role("button", name="Да, удалить мои данные").click()
    assert page.get_by_text("Ваши данные удалены").is_visible()
    screenshot(page, "phone-forgotten")
    assert page.goto(f"{live_server.url}/r/{token}").status == 404


def test_the_verify_page_of_an_anonymised_certificate_shows_no_name(live_server, phone_page, desktop_page):
    live_server.flask("demo-arrivals")
    [(token, name)] = demo_people(live_server, 1)
    page = desktop_page
    page.goto(f"{live_server.url}/r/{token}/certificate.pdf")  # issues the certificate
    with sqlite3.connect(live_server.instance / "seminar.sqlite3") as conn:
        code = conn.execute("SELECT code FROM certificate").fetchone()[0]
    output = live_server.flask("privacy", "anonymise", "belogorsk-2022")
    assert "anonymised 120 registrations" in output
    for view, label in ((desktop_page, "desktop"), (phone_page, "phone")):
        view.goto(f"{live_server.url}/verify/{code}")
        assert view.get_by_text("Сертификат действителен").is_visible()
        assert view.get_by_text("участнику мероприятия").is_visible()
        assert name.split()[0] not in view.content()
        screenshot(view, f"{label}-verify-anonymised")


def test_the_admin_sees_retention_and_consent_versions_and_anonymises_with_a_button(live_server, desktop_page):
    live_server.flask("user", "create", "admin@belogorsk-forum.ru", "--role", "admin", "--password-stdin",
                      input="admin-password-1\n")
    page = desktop_page
    page.goto(live_server.url + "/login")
    page.get_by_label("Электронная почта").fill("admin@belogorsk-forum.ru")
    page.get_by_label("Пароль").fill("admin-password-1")
    page.get_by_role("button", name="Войти").click()
    page.goto(live_server.url + "/manage/events/belogorsk-2022/")
    page.get_by_role("link", name="Персональные данные").click()
    # The demo keeps its people 400 days past loading (PRODUCT.md: at least a year).
    # The page gives the date in the event's own zone (Blagoveshchensk, UTC+9), not the server's.
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from babel.dates import format_date

    today = datetime.now(ZoneInfo("Asia/Yakutsk")).date()
    until = format_date(today + timedelta(days=400), "d MMMM y", locale="ru")
    assert page.get_by_text(f"Срок хранения: до {until}").is_visible()
    screenshot(page, "desktop-privacy-page")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Обезличить сейчас").click()
    assert page.get_by_text("Персональные данные обезличены; регистраций: 120.").is_visible()
    page.goto(live_server.url + "/manage/events/belogorsk-2022/?status=confirmed")
    assert page.get_by_text("Аноним").first.is_visible()
    screenshot(page, "desktop-anonymised-list")
