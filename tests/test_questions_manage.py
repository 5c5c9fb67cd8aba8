"""The organiser builds the questions on the event's pages: add, edit, order, hide, survey options."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from seminar.extensions import db
from seminar.questions.models import Question, SurveySettings


@pytest.fixture
def organiser(client, make_event, make_user):
    event = make_event()
    make_user("org@example.ru", "organiser", event)
    client.post("/login", data={"email": "org@example.ru", "password": "secret-pass-1"})
    return event


def questions(event, kind="registration"):
    return list(db.session.scalars(select(Question).where(Question.event_id == event.id, Question.kind == kind,
                                                          Question.replaced_by_id.is_(None))
                                   .order_by(Question.position)))


def test_the_event_card_links_to_questions_and_survey_results(client, organiser):
    page = client.get(f"/manage/events/{organiser.slug}/").get_data(as_text=True)
    assert f"/manage/events/{organiser.slug}/questions" in page
    assert f"/manage/events/{organiser.slug}/survey" in page


def test_organiser_adds_a_choice_question_with_a_limit_and_a_condition(client, organiser):
    url = f"/manage/events/{organiser.slug}/questions?kind=registration"
    response = client.post(url, data={"kind": "registration", "label": "Нужен трансфер?", "type": "yesno",
                                      "required": "y"})
    assert response.status_code == 302
    transfer = questions(organiser)[0]
    form = client.get(url).get_data(as_text=True)
    assert f'value="{transfer.id}=yes"' in form
    response = client.post(url, data={"kind": "registration", "label": "Секция", "type": "choice",
                                      "choices": "Практикум\nЛекция\n", "limits": "Практикум = 40",
                                      "show_if": f"{transfer.id}=yes"})
    assert response.status_code == 302
    section = questions(organiser)[1]
    assert section.choices == ["Практикум", "Лекция"] and section.limits == {"Практикум": 40}
    assert (section.show_if_question_id, section.show_if_value) == (transfer.id, "yes")


def test_a_bad_question_gets_a_message_next_to_its_field(client, organiser):
    url = f"/manage/events/{organiser.slug}/questions?kind=registration"
    html = client.post(url, data={"kind": "registration", "label": "Секция", "type": "choice",
                                  "choices": ""}).get_data(as_text=True)
    assert "Добавьте варианты ответа" in html and 'value="Секция"' in html
    html = client.post(url, data={"kind": "registration", "label": "Секция", "type": "choice",
                                  "choices": "А\nБ", "limits": "В = 3"}).get_data(as_text=True)
    assert "Лимит задан для варианта, которого нет" in html
    html = client.post(url, data={"kind": "registration", "label": "Секция", "type": "choice",
                                  "choices": "А\nБ", "limits": "А: три"}).get_data(as_text=True)
    assert "нужно «вариант = число»" in html
    assert questions(organiser) == []


def test_organiser_edits_orders_and_hides_questions(client, organiser, make_question):
    first = make_question(organiser, "text", "Первый")
    second = make_question(organiser, "text", "Второй")
    base = f"/manage/events/{organiser.slug}/questions"
    client.post(f"{base}/{second.id}/move?step=up")
    assert [q.label for q in questions(organiser)] == ["Второй", "Первый"]
    client.post(f"{base}/{first.id}/hide")
    db.session.refresh(first)
    assert first.hidden
    assert "Первый" not in client.get(f"/events/{organiser.slug}/register").get_data(as_text=True)
    response = client.post(f"{base}/{second.id}/edit", data={"label": "Второй, уточнённый", "type": "text"})
    assert response.status_code == 302
    db.session.refresh(second)
    assert second.label == "Второй, уточнённый"


def test_survey_options_are_saved_and_session_marks_generated(client, organiser):
    from datetime import timedelta

    from seminar.programme.models import Session

    db.session.add(Session(event_id=organiser.id, title="Пленарное заседание", kind="plenary",
                           starts_at=organiser.starts_at, ends_at=organiser.starts_at + timedelta(hours=1)))
    db.session.commit()
    client.post(f"/manage/events/{organiser.slug}/survey/settings",
                data={"anonymous": "y", "certificate_after_survey": "y", "open_days": "7"})
    settings = db.session.get(SurveySettings, organiser.id)
    assert (settings.anonymous, settings.certificate_after_survey, settings.open_days) == (True, True, 7)
    client.post(f"/manage/events/{organiser.slug}/survey/marks")
    [mark] = questions(organiser, "survey")
    assert (mark.type, mark.label, mark.session_id is not None) == ("rating", "Пленарное заседание", True)


def test_another_events_organiser_cannot_touch_the_questions(client, make_event, make_user, make_question):
    mine, theirs = make_event(), make_event()
    question = make_question(theirs, "text", "Чужой")
    make_user("org@example.ru", "organiser", mine)
    client.post("/login", data={"email": "org@example.ru", "password": "secret-pass-1"})
    assert client.get(f"/manage/events/{theirs.slug}/questions").status_code == 403
    assert client.post(f"/manage/events/{theirs.slug}/questions/{question.id}/hide").status_code == 403
    assert client.get(f"/manage/events/{theirs.slug}/survey.xlsx").status_code == 403
    assert client.post(f"/manage/events/{mine.slug}/questions/{question.id}/hide").status_code == 404
