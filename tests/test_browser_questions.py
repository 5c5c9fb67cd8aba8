"""On a phone in headless Chromium: a registration form with conditional questions, and the survey."""
from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import expect

from tests.conftest import screenshot
from tests.test_questions_race import OPEN_WIDE, SLUGS, _organiser_token

pytestmark = pytest.mark.browser


def _api_question(page, server, slug, token, body) -> int:
    response = page.request.post(f"{server.url}/api/v1/events/{slug}/questions", data=body,
                                 headers={"Authorization": f"Bearer {token}"})
    assert response.status == 201, response.text()
    return response.json()["id"]


def test_conditional_questions_on_a_phone_show_and_hide_and_answers_reach_the_personal_page(
        live_server, phone_page):
    page = phone_page
    db = sqlite3.connect(live_server.instance / "seminar.sqlite3")
    slug = next(s for s in SLUGS if db.execute("SELECT 1 FROM event WHERE slug = ?", (s,)).fetchone())
    db.execute(OPEN_WIDE.format(slug=slug))
    db.commit()
    token = _organiser_token(live_server, slug)
    transfer = _api_question(page, live_server, slug, token, {
        "kind": "registration", "type": "yesno", "label": "Нужен трансфер из районного центра?", "required": True})
    centre = _api_question(page, live_server, slug, token, {
        "kind": "registration", "type": "choice", "label": "Из какого районного центра?", "required": True,
        "choices": ["Свободный", "Шимановск", "Зея"], "show_if": {"question": transfer, "value": "yes"}})
    _api_question(page, live_server, slug, token, {
        "kind": "registration", "type": "multi", "label": "Какие секции интересны?",
        "choices": ["Практикум по соцсетям", "Право и персональные данные"], "limits": {"Практикум по соцсетям": 40},
        "help_text": "Можно выбрать несколько"})

    page.goto(f"{live_server.url}/events/{slug}/register")
    centre_box = page.locator(f"#question-{centre}")
    page.wait_for_selector(f"#question-{centre}", state="hidden")  # once questions.js (deferred) has run
    page.get_by_label("Фамилия").fill("Ковальчук")
    page.get_by_label("Имя").fill("Дарья")
    page.get_by_label("Электронная почта").fill("transfer@example.ru")
    page.get_by_label("Муниципальное образование").select_option(index=1)
    page.get_by_label("Организация").fill("Администрация города Белогорск")
    page.get_by_label("Должность").fill("Главный специалист")
    page.get_by_label("Согласен(на) на обработку персональных данных").check()
    page.get_by_role("button", name="Зарегистрироваться").click()
    # The required yes/no was left empty: a message next to it, and what was typed is still there.
    expect(page.get_by_text("Выберите один из вариантов.").first).to_be_visible()
    assert page.get_by_label("Фамилия").input_value() == "Ковальчук"
    screenshot(page, "phone-questions-error")
    page.locator(f"#question-{transfer}").get_by_text("да", exact=True).click()
    assert centre_box.is_visible()
    centre_box.get_by_text("Шимановск", exact=True).click()
    page.get_by_role("checkbox", name="Практикум по соцсетям").check()
    page.get_by_label("Согласен(на) на обработку персональных данных").check()
    screenshot(page, "phone-questions-filled")
    page.locator(f"#question-{transfer}").get_by_text("нет", exact=True).click()
    assert centre_box.is_hidden()
    page.locator(f"#question-{transfer}").get_by_text("да", exact=True).click()
    page.get_by_role("button", name="Зарегистрироваться").click()
    page.wait_for_url("**/r/**")
    answers = page.locator("#answers")
    assert answers.get_by_text("Шимановск").is_visible()
    assert answers.get_by_text("Практикум по соцсетям").is_visible()
    screenshot(page, "phone-questions-personal")


def test_a_checked_in_participant_answers_the_survey_on_a_phone(live_server, phone_page):
    page = phone_page
    live_server.flask("demo-arrivals")  # 100 of the demo forum's people checked in (a no-op if done)
    db = sqlite3.connect(live_server.instance / "seminar.sqlite3")
    event_id = db.execute("SELECT id FROM event WHERE slug = 'belogorsk-2022'").fetchone()[0]
    # The demo forum ended in 2022: keep its survey open for the test.
    db.execute("INSERT INTO survey_settings (event_id, anonymous, certificate_after_survey, open_days) "
               "VALUES (?, 0, 0, 100000)", (event_id,))
    db.commit()
    access_token = db.execute(
        "SELECT access_token FROM registration JOIN checkin ON checkin.registration_id = registration.id "
        "WHERE registration.event_id = ? LIMIT 1", (event_id,)).fetchone()[0]
    token = _organiser_token(live_server, "belogorsk-2022")
    overall = _api_question(page, live_server, "belogorsk-2022", token, {
        "kind": "survey", "type": "rating", "label": "Общая оценка форума", "required": True})
    practicum = _api_question(page, live_server, "belogorsk-2022", token, {
        "kind": "survey", "type": "yesno", "label": "Вы были на практикуме?"})
    mark = _api_question(page, live_server, "belogorsk-2022", token, {
        "kind": "survey", "type": "rating", "label": "Оценка практикума", "required": True,
        "show_if": {"question": practicum, "value": "yes"}})
    _api_question(page, live_server, "belogorsk-2022", token, {
        "kind": "survey", "type": "textarea", "label": "Что изменить в следующий раз?"})

    page.goto(f"{live_server.url}/r/{access_token}")
    page.get_by_role("link", name="Пройти опрос").click()
    page.wait_for_selector(f"#question-{mark}", state="hidden")  # once questions.js (deferred) has run
    page.locator(f"#question-{overall}").get_by_text("5", exact=True).click()
    page.locator(f"#question-{practicum}").get_by_text("да", exact=True).click()
    page.locator(f"#question-{mark}").get_by_text("4", exact=True).click()
    page.get_by_label("Что изменить в следующий раз?").fill("Больше практики и перерыв подлиннее.")
    screenshot(page, "phone-survey-filled")
    page.get_by_role("button", name="Отправить ответы").click()
    page.wait_for_url(f"**/r/{access_token}**")
    assert page.get_by_text("Спасибо, вы ответили на опрос.").is_visible()
    screenshot(page, "phone-survey-done")
    results = page.request.get(f"{live_server.url}/api/v1/events/belogorsk-2022/survey",
                               headers={"Authorization": f"Bearer {token}"}).json()
    assert results["responses"] == 1
    by_id = {q["id"]: q for q in results["questions"]}
    assert by_id[overall]["average"] == 5 and by_id[mark]["average"] == 4


def test_organiser_builds_the_survey_and_reads_its_results_on_a_desktop(live_server, desktop_page):
    page = desktop_page
    live_server.flask("demo-arrivals")
    db = sqlite3.connect(live_server.instance / "seminar.sqlite3")
    event_id = db.execute("SELECT id FROM event WHERE slug = 'belogorsk-2022'").fetchone()[0]
    tokens = [row[0] for row in db.execute(
        "SELECT access_token FROM registration JOIN checkin ON checkin.registration_id = registration.id "
        "WHERE registration.event_id = ? ORDER BY registration.id LIMIT 3", (event_id,))]
    _organiser_token(live_server, "belogorsk-2022")  # creates race-org@example.ru
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Электронная почта").fill("race-org@example.ru")
    page.get_by_label("Пароль").fill("race-pass-123")
    page.get_by_role("button", name="Войти").click()
    page.goto(f"{live_server.url}/manage/events/belogorsk-2022/")
    page.get_by_role("link", name="Вопросы", exact=True).click()
    page.get_by_role("link", name="Опрос после мероприятия").click()
    page.get_by_label("Опрос открыт дней после окончания мероприятия").fill("30")
    page.get_by_label("Анонимный опрос: ответы хранятся без связи с участником").check()
    page.get_by_role("button", name="Сохранить настройки").click()
    expect(page.get_by_text("Настройки опроса сохранены.")).to_be_visible()
    page.get_by_role("button", name="Добавить оценки сессий из программы").click()
    expect(page.get_by_text("Добавлено оценок сессий")).to_be_visible()
    page.locator("#label").fill("Что было полезнее всего?")
    page.get_by_label("Тип ответа").select_option("choice")
    page.get_by_label("Варианты ответа, по одному в строке").fill("Доклады\nПрактикум\nОбщение с коллегами")
    page.get_by_role("button", name="Добавить вопрос").click()
    expect(page.get_by_text("Вопрос добавлен.")).to_be_visible()
    screenshot(page, "desktop-questions-manage")
    # The demo forum ended in 2022; let its survey stay open for the test.
    db.execute("UPDATE survey_settings SET open_days = 100000 WHERE event_id = ?", (event_id,))
    db.commit()
    for n, token in enumerate(tokens):
        page.goto(f"{live_server.url}/r/{token}/survey")
        for box in page.locator(".question .options.rating").all():
            box.get_by_text(str(5 - (n + boxes_index(box)) % 3), exact=True).click()
        page.get_by_text(("Доклады", "Практикум", "Практикум")[n], exact=True).click()
        page.get_by_role("button", name="Отправить ответы").click()
        page.wait_for_url(f"**/r/{token}**")
    page.goto(f"{live_server.url}/manage/events/belogorsk-2022/survey")
    expect(page.locator("#responses")).to_have_text("3")
    # Anonymous: the stored responses carry no registration.
    assert db.execute("SELECT count(*) FROM survey_response WHERE registration_id IS NOT NULL").fetchone()[0] == 0
    assert page.locator("svg.chart").count() >= 2
    screenshot(page, "desktop-survey-results")


def boxes_index(box) -> int:
    """A different mark per session, so the ranking has something to rank."""
    return int(box.locator("input").first.get_attribute("name")[2:]) % 3
