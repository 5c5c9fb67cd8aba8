"""The feedback survey: who answers and when, one answer each, anonymity, results, the certificate rule."""
from __future__ import annotations

import io
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from seminar.extensions import db
from seminar.questions.models import Answer, SurveyParticipation, SurveyResponse
from tests.conftest import ARTIFACTS


@pytest.fixture
def ended(make_event):
    """An event that ended an hour ago."""
    now = datetime.now(UTC)
    return make_event(starts_at=now - timedelta(hours=9), ends_at=now - timedelta(hours=1))


@pytest.fixture
def survey_questions(ended, make_question):
    mark = make_question(ended, "rating", "Общая оценка форума", kind="survey", required=True)
    useful = make_question(ended, "textarea", "Что было полезно?", kind="survey")
    again = make_question(ended, "yesno", "Приедете в следующем году?", kind="survey")
    return mark, useful, again


def responses():
    return db.session.scalar(select(func.count()).select_from(SurveyResponse))


def test_survey_opens_only_after_the_event_ends(client, make_event, make_question, make_registration, check_in):
    event = make_event()  # in ten days
    question = make_question(event, "rating", "Оценка", kind="survey")
    person = make_registration(event)
    check_in(person)
    page = client.get(f"/r/{person.access_token}/survey").get_data(as_text=True)
    assert "Опрос откроется после окончания мероприятия." in page
    client.post(f"/r/{person.access_token}/survey", data={f"q_{question.id}": "5"})
    assert responses() == 0


def test_only_checked_in_people_can_answer(client, ended, survey_questions, make_registration):
    mark, _useful, _again = survey_questions
    person = make_registration(ended)
    page = client.get(f"/r/{person.access_token}/survey").get_data(as_text=True)
    assert "отметился на входе" in page
    client.post(f"/r/{person.access_token}/survey", data={f"q_{mark.id}": "5"})
    assert responses() == 0


def test_a_checked_in_person_answers_and_may_edit_until_it_closes(
        client, ended, survey_questions, make_registration, check_in):
    mark, useful, again = survey_questions
    person = make_registration(ended)
    check_in(person)
    assert "Пройти опрос" in client.get(f"/r/{person.access_token}").get_data(as_text=True)
    form = client.get(f"/r/{person.access_token}/survey").get_data(as_text=True)
    assert f'name="q_{mark.id}" value="5"' in form
    response = client.post(f"/r/{person.access_token}/survey", data={
        f"q_{mark.id}": "4", f"q_{useful.id}": "Практикум по соцсетям", f"q_{again.id}": "yes"})
    assert response.status_code == 302
    client.post(f"/r/{person.access_token}/survey", data={f"q_{mark.id}": "5", f"q_{again.id}": "yes"})
    assert responses() == 1
    values = dict(db.session.execute(select(Answer.question_id, Answer.value)).all())
    assert values == {mark.id: "5", again.id: "yes"}
    assert "вы ответили на опрос" in client.get(f"/r/{person.access_token}").get_data(as_text=True)


def test_survey_closes_after_its_days(client, ended, survey_questions, make_registration, check_in):
    from seminar.questions.survey import save_settings

    mark = survey_questions[0]
    person = make_registration(ended)
    check_in(person)
    save_settings(ended, anonymous=False, certificate_after_survey=False, open_days=1)
    ended.ends_at = datetime.now(UTC) - timedelta(days=2)
    ended.starts_at = ended.ends_at - timedelta(hours=8)
    db.session.commit()
    assert "Опрос закрыт" in client.get(f"/r/{person.access_token}/survey").get_data(as_text=True)
    client.post(f"/r/{person.access_token}/survey", data={f"q_{mark.id}": "5"})
    assert responses() == 0


def test_required_mark_left_empty_gets_a_message_and_keeps_the_text(
        client, ended, survey_questions, make_registration, check_in):
    mark, useful, _again = survey_questions
    person = make_registration(ended)
    check_in(person)
    html = client.post(f"/r/{person.access_token}/survey", data={f"q_{useful.id}": "Мой отзыв"}).get_data(as_text=True)
    assert "Выберите один из вариантов." in html and "Мой отзыв" in html
    assert responses() == 0


def test_anonymous_answers_carry_no_link_to_the_person_and_count_once(
        client, ended, survey_questions, make_registration, check_in):
    from seminar.questions.survey import save_settings

    mark = survey_questions[0]
    save_settings(ended, anonymous=True, certificate_after_survey=False, open_days=14)
    person = make_registration(ended)
    check_in(person)
    client.post(f"/r/{person.access_token}/survey", data={f"q_{mark.id}": "3"})
    response = db.session.scalar(select(SurveyResponse))
    assert response.registration_id is None and response.submitted_at is None
    assert db.session.scalar(select(Answer.registration_id)) is None
    assert db.session.get(SurveyParticipation, person.id) is not None
    page = client.get(f"/r/{person.access_token}/survey").get_data(as_text=True)
    assert "Вы уже ответили на опрос" in page
    client.post(f"/r/{person.access_token}/survey", data={f"q_{mark.id}": "1"})
    assert responses() == 1 and db.session.scalar(select(Answer.value)) == "3"


def test_two_tabs_sending_at_once_end_with_one_response(app, ended, survey_questions, make_registration, check_in):
    """Two submissions of the same person: the UNIQUE participation and response rows keep one answer."""
    from seminar.questions.services import specs_for
    from seminar.questions.survey import submit

    mark = survey_questions[0]
    person = make_registration(ended)
    check_in(person)
    specs = specs_for(ended, "survey")
    now = datetime.now(UTC)
    submit(person, specs, {mark.id: ["2"]}, now)
    db.session.commit()
    # The second tab inserts as if it had not seen the first response: the UNIQUE index decides.
    db.session.add(SurveyResponse(event_id=ended.id, registration_id=person.id))
    with pytest.raises(Exception):  # noqa: B017 - IntegrityError from either database
        db.session.flush()
    db.session.rollback()
    submit(person, specs, {mark.id: ["4"]}, now)
    db.session.commit()
    assert responses() == 1 and db.session.scalar(select(Answer.value)) == "4"


def test_results_page_has_counts_a_chart_text_answers_and_sessions_ranked(
        client, ended, survey_questions, make_registration, check_in, make_user):
    from seminar.programme.models import Session
    from seminar.questions.survey import generate_session_marks

    mark, useful, again = survey_questions
    for title, hour in (("Открытие форума", 0), ("Кофе-брейк", 1), ("Практикум по соцсетям", 2)):
        db.session.add(Session(event_id=ended.id, title=title, kind="break" if "Кофе" in title else "talk",
                               starts_at=ended.starts_at + timedelta(hours=hour),
                               ends_at=ended.starts_at + timedelta(hours=hour, minutes=50)))
    db.session.commit()
    assert generate_session_marks(ended) == 2
    assert generate_session_marks(ended) == 0
    db.session.commit()
    from seminar.questions.services import questions_of

    marks = {q.label: q for q in questions_of(ended, "survey") if q.session_id}
    assert set(marks) == {"Открытие форума", "Практикум по соцсетям"}
    for n, (overall, opening, practicum) in enumerate(((5, 3, 5), (4, 2, 5), (5, 3, 4))):
        person = make_registration(ended)
        check_in(person)
        client.post(f"/r/{person.access_token}/survey", data={
            f"q_{mark.id}": str(overall), f"q_{useful.id}": f"Отзыв {n}", f"q_{again.id}": "yes",
            f"q_{marks['Открытие форума'].id}": str(opening),
            f"q_{marks['Практикум по соцсетям'].id}": str(practicum)})
    assert responses() == 3
    make_user("org@example.ru", "organiser", ended)
    client.post("/login", data={"email": "org@example.ru", "password": "secret-pass-1"})
    page = client.get(f"/manage/events/{ended.slug}/survey").get_data(as_text=True)
    assert '<strong id="responses">3</strong>' in page
    assert page.index("Практикум по соцсетям</td>") < page.index("Открытие форума</td>")
    assert "4.67" in page and "2.67" in page
    assert "<svg" in page and "Отзыв 1" in page and "<script" not in page.split("<main")[1]
    api = client.get(f"/api/v1/events/{ended.slug}/survey").json
    assert api["responses"] == 3
    by_id = {q["id"]: q for q in api["questions"]}
    assert by_id[mark.id]["average"] == 4.67 and by_id[again.id]["counts"] == {"yes": 3, "no": 0}


def test_results_export_to_xlsx_and_a_one_page_pdf(
        client, ended, survey_questions, make_registration, check_in, make_user, tmp_path):
    from openpyxl import load_workbook

    mark, useful, again = survey_questions
    person = make_registration(ended)
    check_in(person)
    client.post(f"/r/{person.access_token}/survey", data={
        f"q_{mark.id}": "5", f"q_{useful.id}": "Очень полезно: живые примеры", f"q_{again.id}": "no"})
    make_user("org@example.ru", "organiser", ended)
    client.post("/login", data={"email": "org@example.ru", "password": "secret-pass-1"})
    book = load_workbook(io.BytesIO(client.get(f"/manage/events/{ended.slug}/survey.xlsx").data))
    rows = list(book.worksheets[0].values)
    assert rows[0][1:] == ("Общая оценка форума", "Что было полезно?", "Приедете в следующем году?")
    assert rows[1][1:] == ("5", "Очень полезно: живые примеры", "нет")
    pdf = client.get(f"/manage/events/{ended.slug}/survey.pdf")
    assert pdf.mimetype == "application/pdf"
    path = tmp_path / "survey.pdf"
    path.write_bytes(pdf.data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert "Pages:           1" in info
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", str(path), str(ARTIFACTS / "survey-summary")],
                   check=True)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert "PTSans-Regular" in fonts  # Cyrillic in an embedded font (reportlab lists an unused Helvetica)


def test_summary_pdf_stays_on_one_page_with_many_questions(app, tmp_path):
    from seminar.questions.pdf import Bar, Chart, SessionMark, SummaryData, summary_pdf

    data = SummaryData(
        event_title="Работа муниципальных образований в социальных сетях: новая реальность",
        when_where="30 августа 2022, Белогорск", responses=97, came=100,
        sessions=tuple(SessionMark(f"Сессия номер {i} с длинным названием про соцсети", 3 + i / 10, 80)
                       for i in range(20)),
        charts=tuple(Chart(f"Вопрос {i}", 90, tuple(Bar(f"Вариант {j}", 10 * j, j / 10) for j in range(8)))
                     for i in range(12)),
        quotes=tuple("Очень длинный отзыв " * 40 for _ in range(10)),
        labels={"title": "Итоги", "responses": "Ответили {n} из {came}", "sessions": "Сессии",
                "answers": "Ответы", "quotes": "Отзывы", "more": "ещё {n}", "empty": "нет"})
    path = tmp_path / "many.pdf"
    path.write_bytes(summary_pdf(data))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert "Pages:           1" in info
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", str(path), str(ARTIFACTS / "survey-many")],
                   check=True)


def test_certificate_waits_for_the_survey_when_the_event_asks(
        client, ended, survey_questions, make_registration, check_in):
    from seminar.certificates.services import AVAILABLE, NO_SURVEY, certificate_state
    from seminar.questions.survey import save_settings

    mark = survey_questions[0]
    person = make_registration(ended)
    check_in(person)
    now = datetime.now(UTC)
    assert certificate_state(person, now) == AVAILABLE  # off by default
    save_settings(ended, anonymous=True, certificate_after_survey=True, open_days=14)
    db.session.commit()
    assert certificate_state(person, now) == NO_SURVEY
    assert client.get(f"/r/{person.access_token}/certificate.pdf").status_code != 200
    assert "после того, как вы ответите на опрос" in client.get(f"/r/{person.access_token}").get_data(as_text=True)
    client.post(f"/r/{person.access_token}/survey", data={f"q_{mark.id}": "5"})
    assert certificate_state(person, now) == AVAILABLE
    assert client.get(f"/r/{person.access_token}/certificate.pdf").status_code == 200


def test_the_post_event_email_invites_checked_in_people_once(
        app, ended, survey_questions, make_registration, check_in, outbox):
    from seminar.questions.invitations import invite_due

    came, absent = make_registration(ended), make_registration(ended)
    check_in(came)
    now = datetime.now(UTC)
    assert invite_due(now) == 1
    db.session.commit()
    assert invite_due(now) == 0
    [message] = outbox()
    assert message["To"] == came.email and absent.email not in str(message)
    assert f"/r/{came.access_token}/survey" in message.get_body().get_content()


def test_no_invitation_before_the_event_ends(app, make_event, make_question, make_registration, check_in, outbox):
    from seminar.questions.invitations import invite_due

    event = make_event()
    make_question(event, "rating", "Оценка", kind="survey")
    check_in(make_registration(event))
    assert invite_due(datetime.now(UTC)) == 0 and outbox() == []


def test_a_chart_of_several_choices_gives_the_share_of_people(app):
    from seminar.questions.charts import bar_chart

    svg = str(bar_chart([("Доклады", 3), ("Практикум", 2)], "Что полезно?", total=4))  # 4 people, 5 ticks
    assert "3 · 75%" in svg and "2 · 50%" in svg
    assert "3 · 60%" in str(bar_chart([("Доклады", 3), ("Практикум", 2)], "Что полезно?"))
    assert "<script" not in svg and "style=" not in svg


def test_making_the_survey_anonymous_unlinks_the_answers_already_given(
        client, ended, survey_questions, make_registration, check_in):
    from seminar.questions.survey import save_settings

    mark = survey_questions[0]
    person = make_registration(ended)
    check_in(person)
    client.post(f"/r/{person.access_token}/survey", data={f"q_{mark.id}": "4"})
    assert db.session.scalar(select(SurveyResponse.registration_id)) == person.id
    save_settings(ended, anonymous=True, certificate_after_survey=False, open_days=14)
    db.session.commit()
    assert db.session.scalar(select(SurveyResponse.registration_id)) is None
    assert db.session.scalar(select(Answer.value)) == "4"
