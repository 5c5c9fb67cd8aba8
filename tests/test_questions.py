"""The organiser's own questions on the registration form: types, conditions, limits, versions."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from seminar.extensions import db
from seminar.questions.models import Answer, Question
from seminar.registration.models import Registration


def form_data(event, **extra):
    from seminar.events.services import municipality_choices

    data = {"last_name": "Петрова", "first_name": "Анна", "email": "anna@example.ru",
            "municipality": str(municipality_choices(event)[0][0]), "organization": "Администрация",
            "position": "Специалист", "consent": "y"}
    data.update(extra)
    return data


def registration_by_email(email):
    return db.session.scalar(select(Registration).where(Registration.email == email))


def stored(registration):
    from seminar.questions.services import answers_of

    return answers_of(registration)


def test_questions_appear_on_the_registration_form_as_q_fields(client, make_event, make_question):
    event = make_event()
    text = make_question(event, "text", "Телефон руководителя делегации", help_text="Для связи в день форума")
    choice = make_question(event, "choice", "Формат участия", choices=("очно", "онлайн"))
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert f'name="q_{text.id}"' in html and "Для связи в день форума" in html
    assert f'name="q_{choice.id}" value="очно"' in html and 'type="radio"' in html
    assert html.index("Телефон руководителя") < html.index("Формат участия")


def test_answers_are_stored_with_the_registration(client, make_event, make_question):
    event = make_event()
    yesno = make_question(event, "yesno", "Нужен трансфер?")
    multi = make_question(event, "multi", "Секции", choices=("Право", "Соцсети", "ЖКХ"))
    number = make_question(event, "number", "Сколько человек в делегации?", min_value=1, max_value=20)
    day = make_question(event, "date", "Дата приезда")
    response = client.post(f"/events/{event.slug}/register", data=form_data(
        event, **{f"q_{yesno.id}": "yes", f"q_{multi.id}": ["ЖКХ", "Право"], f"q_{number.id}": "3",
                  f"q_{day.id}": "29.08.2022"}))
    assert response.status_code == 302
    answers = stored(registration_by_email("anna@example.ru"))
    assert answers == {yesno.id: ["yes"], multi.id: ["Право", "ЖКХ"], number.id: ["3"], day.id: ["2022-08-29"]}


def test_required_question_left_empty_gets_a_message_and_keeps_the_form(client, make_event, make_question):
    event = make_event()
    question = make_question(event, "text", "Должность руководителя", required=True)
    response = client.post(f"/events/{event.slug}/register", data=form_data(event))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ответьте на этот вопрос." in html and f'id="q_{question.id}-error"' in html
    assert 'value="Петрова"' in html and 'value="anna@example.ru"' in html
    assert registration_by_email("anna@example.ru") is None


def test_answer_outside_the_choices_is_refused_next_to_the_field(client, make_event, make_question):
    event = make_event()
    question = make_question(event, "choice", "Секция", choices=("Право", "ЖКХ"))
    response = client.post(f"/events/{event.slug}/register",
                           data=form_data(event, **{f"q_{question.id}": "Футбол"}))
    assert "Выберите из предложенных вариантов." in response.get_data(as_text=True)
    assert registration_by_email("anna@example.ru") is None


def test_number_out_of_range_is_refused_with_the_range(client, make_event, make_question):
    event = make_event()
    question = make_question(event, "number", "Сколько мест в автобусе?", min_value=1, max_value=50)
    response = client.post(f"/events/{event.slug}/register",
                           data=form_data(event, **{f"q_{question.id}": "500"}))
    assert "Число должно быть от 1 до 50." in response.get_data(as_text=True)


def test_conditional_question_is_required_only_when_shown(client, make_event, make_question):
    event = make_event()
    transfer = make_question(event, "yesno", "Нужен трансфер?", required=True)
    centre = make_question(event, "choice", "Из какого районного центра?", required=True,
                           choices=("Свободный", "Шимановск"), show_if_question=transfer.id, show_if_value="yes")
    response = client.post(f"/events/{event.slug}/register", data=form_data(event, **{f"q_{transfer.id}": "yes"}))
    assert "Выберите один из вариантов." in response.get_data(as_text=True)
    response = client.post(f"/events/{event.slug}/register", data=form_data(event, **{f"q_{transfer.id}": "no"}))
    assert response.status_code == 302
    assert stored(registration_by_email("anna@example.ru")) == {transfer.id: ["no"]}
    assert centre.id


def test_forged_answer_to_a_hidden_question_is_not_stored(client, make_event, make_question):
    event = make_event()
    transfer = make_question(event, "yesno", "Нужен трансфер?")
    centre = make_question(event, "text", "Откуда?", show_if_question=transfer.id, show_if_value="yes")
    response = client.post(f"/events/{event.slug}/register", data=form_data(
        event, **{f"q_{transfer.id}": "no", f"q_{centre.id}": "подделка"}))
    assert response.status_code == 302
    assert stored(registration_by_email("anna@example.ru")) == {transfer.id: ["no"]}


def test_unknown_or_other_events_question_fields_are_ignored(client, make_event, make_question):
    event, other = make_event(), make_event()
    foreign = make_question(other, "text", "Чужой вопрос")
    response = client.post(f"/events/{event.slug}/register", data=form_data(
        event, **{f"q_{foreign.id}": "x", "q_999999": "y"}))
    assert response.status_code == 302
    assert db.session.scalar(select(Answer)) is None


def test_organiser_hidden_question_is_not_asked(client, make_event, make_question):
    from seminar.questions.services import set_hidden

    event = make_event()
    question = make_question(event, "text", "Скрытый вопрос", required=True)
    set_hidden(question, True)
    db.session.commit()
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert "Скрытый вопрос" not in html
    assert client.post(f"/events/{event.slug}/register", data=form_data(event)).status_code == 302


def test_a_ten_thousand_character_answer_is_refused_with_a_message(client, make_event, make_question):
    event = make_event()
    question = make_question(event, "textarea", "Пожелания")
    response = client.post(f"/events/{event.slug}/register",
                           data=form_data(event, **{f"q_{question.id}": "я" * 10_000}))
    html = response.get_data(as_text=True)
    assert "Не длиннее 5000 символов" in html
    assert registration_by_email("anna@example.ru") is None


def test_a_form_holds_at_most_a_hundred_questions(app, make_event, make_question):
    import pytest

    from seminar.questions.services import MAX_QUESTIONS, QuestionFields, QuestionInvalid, create_question

    event = make_event()
    for n in range(MAX_QUESTIONS):
        create_question(event, QuestionFields(kind="registration", type="text", label=f"Вопрос {n}"))
    with pytest.raises(QuestionInvalid) as refused:
        create_question(event, QuestionFields(kind="registration", type="text", label="Ещё один"))
    with app.test_request_context():
        assert "предел" in str(refused.value.message)


def test_choice_limit_refuses_when_seats_are_taken(client, make_event, make_question, make_registration):
    from seminar.questions.services import save_answers, spec_of

    event = make_event()
    section = make_question(event, "choice", "Секция", choices=("Практикум", "Лекция"), limits={"Практикум": 1})
    first = make_registration(event)
    save_answers(first, [spec_of(section)], {section.id: ["Практикум"]})
    db.session.commit()
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert "мест нет" in html
    response = client.post(f"/events/{event.slug}/register",
                           data=form_data(event, **{f"q_{section.id}": "Практикум"}))
    assert "Мест на «Практикум» больше нет" in response.get_data(as_text=True)
    assert registration_by_email("anna@example.ru") is None
    first.status = "cancelled"
    db.session.commit()
    response = client.post(f"/events/{event.slug}/register",
                           data=form_data(event, **{f"q_{section.id}": "Практикум"}))
    assert response.status_code == 302


def test_answers_show_on_the_personal_page_and_can_be_edited_while_registration_is_open(
        client, make_event, make_question):
    event = make_event()
    question = make_question(event, "choice", "Формат", choices=("очно", "онлайн"))
    client.post(f"/events/{event.slug}/register", data=form_data(event, **{f"q_{question.id}": "очно"}))
    registration = registration_by_email("anna@example.ru")
    page = client.get(f"/r/{registration.access_token}").get_data(as_text=True)
    assert "Формат" in page and "очно" in page and "Изменить ответы" in page
    response = client.post(f"/r/{registration.access_token}/answers", data={f"q_{question.id}": "онлайн"})
    assert response.status_code == 302
    assert stored(registration) == {question.id: ["онлайн"]}
    event.registration_closes = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    response = client.post(f"/r/{registration.access_token}/answers", data={f"q_{question.id}": "очно"})
    assert response.status_code == 302 and stored(registration) == {question.id: ["онлайн"]}
    assert "Изменить ответы" not in client.get(f"/r/{registration.access_token}").get_data(as_text=True)


def test_editing_type_or_choices_of_an_answered_question_makes_a_new_version(
        app, make_event, make_question, make_registration):
    from seminar.questions.services import (
        QuestionFields,
        answer_columns,
        answered_questions,
        save_answers,
        spec_of,
        update_question,
    )

    event = make_event()
    question = make_question(event, "choice", "Питание", choices=("обед", "без обеда"))
    person = make_registration(event)
    save_answers(person, [spec_of(question)], {question.id: ["обед"]})
    db.session.commit()
    new = update_question(question, QuestionFields(kind="registration", type="choice", label="Питание",
                                                   choices=("обед и ужин", "без питания")))
    db.session.commit()
    assert new.id != question.id and question.replaced_by_id == new.id
    assert [(q.label, v) for q, v in answered_questions(person)] == [("Питание", ["обед"])]
    with app.test_request_context():
        headers, cells = answer_columns(event, [person.id])
    assert sorted(headers) == ["Питание", "Питание (прежняя версия)"]
    assert "обед" in cells[person.id]
    same = update_question(new, QuestionFields(kind="registration", type="choice", label="Питание на форуме",
                                               choices=("обед и ужин", "без питания")))
    assert same.id == new.id and same.label == "Питание на форуме"


def test_answers_are_columns_of_the_table_and_exports_and_filterable(
        client, make_event, make_question, make_registration, make_user):
    import io

    from openpyxl import load_workbook

    from seminar.questions.services import save_answers, spec_of

    event = make_event()
    transfer = make_question(event, "yesno", "Нужен трансфер?")
    yes, no = make_registration(event, last_name="Трансферова"), make_registration(event, last_name="Пешкова")
    save_answers(yes, [spec_of(transfer)], {transfer.id: ["yes"]})
    save_answers(no, [spec_of(transfer)], {transfer.id: ["no"]})
    db.session.commit()
    make_user("org@example.ru", "organiser", event)
    client.post("/login", data={"email": "org@example.ru", "password": "secret-pass-1"})
    page = client.get(f"/manage/events/{event.slug}/").get_data(as_text=True)
    assert "<th>Нужен трансфер?</th>" in page and "<td>да</td>" in page
    filtered = client.get(f"/manage/events/{event.slug}/?answer={transfer.id}:yes").get_data(as_text=True)
    assert "Трансферова" in filtered and "Пешкова" not in filtered
    body = client.get(f"/manage/events/{event.slug}/registrations.xlsx?answer={transfer.id}:yes").data
    sheet = load_workbook(io.BytesIO(body)).active
    rows = list(sheet.values)
    assert rows[0][-1] == "Нужен трансфер?" and len(rows) == 2 and rows[1][-1] == "да"
    csv = client.get(f"/manage/events/{event.slug}/registrations.csv").data.decode("utf-8-sig")
    assert "Нужен трансфер?" in csv.splitlines()[0]


def test_api_creates_and_lists_questions_and_the_registration_carries_answers(
        client, make_event, make_registration, make_user):
    from seminar.questions.services import save_answers, spec_of

    event = make_event()
    user = make_user("org@example.ru", "organiser", event)
    auth = {"Authorization": f"Bearer {user.api_token}"}
    created = client.post(f"/api/v1/events/{event.slug}/questions", headers=auth, json={
        "kind": "registration", "type": "choice", "label": "Практикум", "required": True,
        "choices": ["Практикум", "Лекция"], "limits": {"Практикум": 40}})
    assert created.status_code == 201
    qid = created.json["id"]
    conditional = client.post(f"/api/v1/events/{event.slug}/questions", headers=auth, json={
        "kind": "registration", "type": "text", "label": "Почему практикум?",
        "show_if": {"question": qid, "value": "Практикум"}})
    assert conditional.status_code == 201 and conditional.json["show_if"] == {"question": qid, "value": "Практикум"}
    listed = client.get(f"/api/v1/events/{event.slug}/questions", headers=auth).json["items"]
    assert [q["id"] for q in listed] == [qid, conditional.json["id"]]
    assert listed[0]["limits"] == {"Практикум": 40}
    person = make_registration(event)
    save_answers(person, [spec_of(db.session.get(Question, qid))], {qid: ["Лекция"]})
    db.session.commit()
    items = client.get(f"/api/v1/events/{event.slug}/registrations", headers=auth).json["items"]
    assert items[0]["answers"] == {str(qid): "Лекция"}


def test_api_refuses_a_malformed_question(client, make_event, make_user):
    event = make_event()
    user = make_user("org@example.ru", "organiser", event)
    auth = {"Authorization": f"Bearer {user.api_token}"}
    for body in ({"kind": "registration", "type": "choice", "label": "Без вариантов"},
                 {"kind": "registration", "type": "magic", "label": "?"},
                 {"kind": "registration", "type": "text", "label": ""},
                 {"kind": "registration", "type": "choice", "label": "x", "choices": ["a"], "limits": {"b": 3}},
                 {"kind": "registration", "type": "text", "label": "x", "show_if": {"question": 999, "value": "a"}},
                 {"kind": "registration", "type": "text", "label": "x", "choices": "abc"}, [1, 2]):
        response = client.post(f"/api/v1/events/{event.slug}/questions", headers=auth, json=body)
        assert response.status_code == 400, body
    assert client.post(f"/api/v1/events/{event.slug}/questions", json={}).status_code == 401
    assert db.session.scalar(select(Question)) is None


def test_the_table_filters_by_municipality_together_with_an_answer(
        client, make_event, make_question, make_registration, make_user, make_municipality):
    from seminar.questions.services import save_answers, spec_of

    event = make_event()
    zeya = make_municipality(name="Зейский муниципальный округ")
    transfer = make_question(event, "yesno", "Нужен трансфер?")
    here = make_registration(event, last_name="Местная")
    far = make_registration(event, last_name="Зейская", municipality=zeya)
    far_no = make_registration(event, last_name="Пешая", municipality=zeya)
    for person, value in ((here, "yes"), (far, "yes"), (far_no, "no")):
        save_answers(person, [spec_of(transfer)], {transfer.id: [value]})
    db.session.commit()
    make_user("org@example.ru", "organiser", event)
    client.post("/login", data={"email": "org@example.ru", "password": "secret-pass-1"})
    page = client.get(f"/manage/events/{event.slug}/?answer={transfer.id}:yes&municipality={zeya.id}")
    html = page.get_data(as_text=True)
    assert "Зейская" in html and "Местная" not in html and "Пешая" not in html
    assert f'<option value="{transfer.id}:yes" selected>' in html
