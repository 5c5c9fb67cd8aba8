"""A participant registers for the demo forum on a phone in real headless Chromium."""
from __future__ import annotations

import email
import time
from email import policy

import pytest

from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def test_participant_registers_on_a_phone_and_lands_on_the_personal_page(live_server, phone_page):
    page = phone_page
    page.goto(live_server.url + "/events/belogorsk-next/")
    screenshot(page, "phone-event")
    page.get_by_role("link", name="Зарегистрироваться").click()
    page.get_by_label("Фамилия").fill("Ковальчук")
    page.get_by_label("Имя").fill("Дарья")
    page.get_by_label("Отчество (если есть)").fill("Игоревна")
    page.get_by_label("Электронная почта").fill("kovalchuk@example.ru")
    page.get_by_label("Телефон").fill("8 914 555 66 77")
    page.get_by_label("Муниципальное образование").select_option(label="город Белогорск")
    page.get_by_label("Организация").fill("Администрация города Белогорск")
    page.get_by_label("Должность").fill("Главный специалист по связям с общественностью")
    screenshot(page, "phone-register-filled")
    page.get_by_label("Согласен(на) на обработку персональных данных").check()
    page.get_by_role("button", name="Зарегистрироваться").click()
    page.wait_for_url("**/r/**")
    assert page.get_by_text("Ковальчук Дарья Игоревна").is_visible()
    assert page.get_by_text("Подтверждена").first.is_visible()
    screenshot(page, "phone-personal")
    personal_url = page.url.split("?")[0]
    deadline = time.time() + 15  # the queue worker beside the server sends it
    while not list((live_server.instance / "outbox").glob("*.eml")) and time.time() < deadline:
        time.sleep(0.1)
    [eml] = list((live_server.instance / "outbox").glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert personal_url.split("/r/")[1] in message.get_body().get_content()


def test_a_form_with_mistakes_keeps_what_was_typed_on_a_phone(live_server, phone_page):
    page = phone_page
    page.goto(live_server.url + "/events/belogorsk-next/register")
    page.get_by_label("Фамилия").fill("Иванова")
    page.get_by_label("Электронная почта").fill("не почта")
    page.get_by_role("button", name="Зарегистрироваться").click()
    assert page.get_by_text("Заполните это поле.").first.is_visible()
    assert page.get_by_label("Фамилия").input_value() == "Иванова"
    screenshot(page, "phone-register-errors")
