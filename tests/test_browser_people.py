"""In real headless Chromium: the organiser's import preview (desktop) and the participant's edit page (phone)."""
from __future__ import annotations

import io
import sqlite3

import pytest
from openpyxl import Workbook

from tests.conftest import screenshot

pytestmark = pytest.mark.browser
SLUG = "belogorsk-2022"


def sign_in(server, page):
    server.flask("user", "create", "importer@example.ru", "--role", "organiser", "--event", SLUG,
                 "--password-stdin", input="importer-pass-1\n")
    page.goto(server.url + "/login")
    page.get_by_label("Электронная почта").fill("importer@example.ru")
    page.get_by_label("Пароль").fill("importer-pass-1")
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url("**/manage/**")


def workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["Делегация Зейского района"])
    sheet.append(["ФИО", "E-mail", "Телефон", "Муниципальное образование", "Организация", "Должность"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def check_list(server, page, path) -> None:
    """Upload a list on the import page and wait for its preview."""
    page.goto(f"{server.url}/manage/events/{SLUG}/import")
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="Проверить").click()
    page.wait_for_selector("#import-preview")


def test_import_preview_shows_each_rows_problem_then_imports(live_server, desktop_page, tmp_path):
    page = desktop_page
    sign_in(live_server, page)
    bad = tmp_path / "delegation.xlsx"
    bad.write_bytes(workbook([
        ["Зуева Ольга Петровна", "zueva@example.ru", "+7 914 111-22-33", "город Белогорск", "Администрация",
         "Специалист"],
        ["Кравец Игорь", "kravets@example.ru", "", "город Белогорс", "Администрация", "Глава"],
        ["Лис Анна", "не почта", "", "город Белогорск", "Школа", "Учитель"],
    ]))
    check_list(live_server, page, bad)
    text = page.inner_text("#import-preview")
    assert "«город Белогорс» не найдено" in text and "Возможно: город Белогорск" in text
    assert "Электронная почта — проверьте адрес, например ivanov@example.ru." in text
    assert page.locator("#import-apply").count() == 0
    screenshot(page, "desktop-import-preview-errors")

    good = tmp_path / "fixed.xlsx"
    good.write_bytes(workbook([
        ["Зуева Ольга Петровна", "zueva@example.ru", "+7 914 111-22-33", "город Белогорск", "Администрация",
         "Специалист"],
        ["Кравец Игорь", "kravets@example.ru", "", "город Белогорск", "Администрация", "Глава"],
    ]))
    page.get_by_role("link", name="Загрузить другой файл").click()
    page.set_input_files("input[type=file]", str(good))
    page.get_by_role("button", name="Проверить").click()
    page.wait_for_selector("#import-apply")
    screenshot(page, "desktop-import-preview-ready")
    page.get_by_label("Отправить каждому личную ссылку по почте").uncheck()
    page.get_by_role("button", name="Импортировать 2").click()
    page.wait_for_url(f"**/manage/events/{SLUG}/")
    assert page.get_by_text("Импортировано: 2").is_visible()
    screenshot(page, "desktop-registrations-after-import")
    db = sqlite3.connect(live_server.instance / "seminar.sqlite3")
    assert db.execute("SELECT count(*) FROM registration WHERE email IN ('zueva@example.ru', "
                      "'kravets@example.ru')").fetchone()[0] == 2


def test_participant_fixes_a_typo_on_a_phone_and_keeps_the_seat(live_server, phone_page):
    page = phone_page
    db = sqlite3.connect(live_server.instance / "seminar.sqlite3")
    token, last_name = db.execute("SELECT access_token, last_name FROM registration WHERE status='confirmed' "
                                  "ORDER BY id LIMIT 1").fetchone()
    page.goto(f"{live_server.url}/r/{token}")
    page.get_by_role("link", name="Исправить данные").click()
    assert page.get_by_label("Фамилия").input_value() == last_name
    page.get_by_label("Фамилия").fill("Кузнецова-Тихомирова")
    page.get_by_label("Должность").fill("")
    page.get_by_role("button", name="Сохранить").click()
    assert page.get_by_text("Заполните это поле.").first.is_visible()
    assert page.get_by_label("Фамилия").input_value() == "Кузнецова-Тихомирова"
    screenshot(page, "phone-edit-errors")
    page.get_by_label("Должность").fill("Заместитель главы администрации по социальным вопросам")
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_url(f"**/r/{token}")
    assert page.get_by_text("Данные сохранены.").is_visible()
    assert page.get_by_text("Подтверждена").first.is_visible()
    screenshot(page, "phone-edit-saved")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing spills sideways on a phone


def test_on_a_phone_the_import_preview_shows_each_rows_problem_without_scrolling_sideways(
        live_server, phone_page, tmp_path):
    page = phone_page
    sign_in(live_server, page)
    bad = tmp_path / "delegation.xlsx"
    bad.write_bytes(workbook([
        ["Зуева Ольга Петровна", "zueva@example.ru", "", "город Белогорск", "Администрация", "Специалист"],
        ["Лис Анна", "не почта", "", "город Белогорс", "Школа", "Учитель"],
    ]))
    check_list(live_server, page, bad)
    screenshot(page, "phone-import-preview-errors")
    problem = page.get_by_text("«город Белогорс» не найдено")
    box = problem.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.get_by_text("Возможно: город Белогорск").is_visible()
    page.get_by_role("link", name="Загрузить исправленный файл").click()
    page.wait_for_url(f"**/manage/events/{SLUG}/import")
