"""The pages work under the Content-Security-Policy: no console error, no blocked script or style."""
from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import screenshot

pytestmark = pytest.mark.browser

ADMIN, PASSWORD = "csp-admin@example.ru", "Zeya-river-forum-31"
SLUG = "belogorsk-2022"


def test_main_pages_run_under_the_csp_without_console_errors(live_server, browser):
    from tests.conftest import DESKTOP

    live_server.flask("demo-arrivals")  # so the dashboard draws its SVG chart and bars
    live_server.flask("user", "create", ADMIN, "--role", "admin", "--password-stdin", input=PASSWORD + "\n")
    with sqlite3.connect(live_server.instance / "seminar.sqlite3") as conn:
        [token] = conn.execute("SELECT access_token FROM registration ORDER BY id LIMIT 1").fetchone()
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"{page.url}: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"{page.url}: {e}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    csp_headers = []
    page.on("response", lambda r: r.request.resource_type == "document"
            and csp_headers.append(r.headers.get("content-security-policy", "")))

    def visit(path: str, name: str) -> None:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        screenshot(page, f"csp-{name}")

    for path, name in [("/", "index"), (f"/events/{SLUG}/", "event"), (f"/events/{SLUG}/programme", "programme"),
                       (f"/events/{SLUG}/speakers", "speakers"), (f"/events/{SLUG}/register", "register"),
                       (f"/r/{token}", "personal"), ("/login", "login")]:
        visit(path, name)
    # The programme grid is still laid out in columns: its placements come from page.js (CSSOM).
    page.goto(live_server.url + f"/events/{SLUG}/programme")
    placed = page.locator(".programme-grid .session").first.evaluate("e => getComputedStyle(e).gridRowStart")
    assert placed not in ("auto", "")

    page.goto(live_server.url + "/login")
    page.get_by_label("Электронная почта").fill(ADMIN)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url("**/manage/**")
    for path, name in [("/manage/", "manage"), (f"/manage/events/{SLUG}/", "registrations"),
                       (f"/manage/events/{SLUG}/edit", "event-form"), (f"/manage/events/{SLUG}/programme", "editor"),
                       (f"/manage/events/{SLUG}/checkin", "door"), (f"/manage/events/{SLUG}/dashboard", "dashboard")]:
        visit(path, name)
    # A confirmation still comes before a destructive POST (the handler moved from onsubmit to page.js).
    page.goto(live_server.url + f"/manage/events/{SLUG}/")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    danger = page.locator("form[data-confirm] button").first
    if danger.count():
        danger.click()
        assert dialogs and page.url.endswith(f"/manage/events/{SLUG}/")
    context.close()
    assert csp_headers and all("script-src 'self'" in h for h in csp_headers)
    assert problems == []
