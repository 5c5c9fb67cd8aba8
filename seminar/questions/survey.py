"""The feedback survey: who may answer and when, one response each, and its results."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..checkin.models import CheckIn
from ..events.models import Event
from ..extensions import db
from ..programme.models import Session
from ..registration.models import Registration, Status
from .engine import Spec
from .models import Answer, Question, SurveyParticipation, SurveyResponse, SurveySettings
from .services import MAX_QUESTIONS, QuestionFields, create_question, questions_of, spec_of

NOT_YET, OPEN, CLOSED = "not_yet", "open", "closed"
#: Programme items that are not marked: nobody rates a coffee break.
UNRATED_KINDS = ("break", "registration")


class SurveyRefused(Exception):
    """This person cannot answer now; `reason` is not_yet, closed, not_checked_in, no_questions or answered."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def settings_of(event: Event) -> SurveySettings:
    """The event's survey options (defaults when never set; not added to the session)."""
    return db.session.get(SurveySettings, event.id) or SurveySettings(
        event_id=event.id, anonymous=False, certificate_after_survey=False, open_days=14)


def save_settings(event: Event, *, anonymous: bool, certificate_after_survey: bool, open_days: int) -> None:
    """Save the survey's options; making it anonymous unlinks the responses already given."""
    settings = db.session.get(SurveySettings, event.id) or SurveySettings(event_id=event.id)
    if anonymous:
        db.session.execute(update(SurveyResponse).where(SurveyResponse.event_id == event.id)
                           .values(registration_id=None, submitted_at=None))
    settings.anonymous = anonymous
    settings.certificate_after_survey = certificate_after_survey
    settings.open_days = open_days
    db.session.add(settings)


def closes_at(event: Event) -> datetime:
    return event.ends_at + timedelta(days=settings_of(event).open_days)


def survey_state(event: Event, now: datetime) -> str:
    """not_yet (before the event ends), open, or closed."""
    if now < event.ends_at:
        return NOT_YET
    return OPEN if now < closes_at(event) else CLOSED


def was_checked_in(registration: Registration) -> bool:
    return db.session.scalar(
        select(CheckIn.id).where(CheckIn.registration_id == registration.id)) is not None


def has_answered(registration: Registration) -> bool:
    return db.session.get(SurveyParticipation, registration.id) is not None


def response_of(registration: Registration) -> SurveyResponse | None:
    """The person's own response (never found for anonymous ones)."""
    return db.session.scalar(select(SurveyResponse).where(SurveyResponse.registration_id == registration.id))


def own_answers(registration: Registration) -> dict[int, list[str]]:
    response = response_of(registration)
    if response is None:
        return {}
    answers: dict[int, list[str]] = {}
    for qid, value in db.session.execute(select(Answer.question_id, Answer.value)
                                         .where(Answer.response_id == response.id).order_by(Answer.id)):
        answers.setdefault(qid, []).append(value)
    return answers


def access(registration: Registration, now: datetime) -> str:
    """'open' when this person may answer (or edit) now, else the reason they may not."""
    event = registration.event
    state = survey_state(event, now)
    if state != OPEN:
        return state
    if registration.status == Status.cancelled.value or not was_checked_in(registration):
        return "not_checked_in"
    if not questions_of(event, "survey"):
        return "no_questions"
    if settings_of(event).anonymous and has_answered(registration):
        return "answered"
    return OPEN


def submit(registration: Registration, specs: list[Spec], answers: dict[int, list[str]], now: datetime) -> None:
    """Store the person's answers: one response per person, however many tabs send at once.

    Who answered is recorded apart from what (UNIQUE per registration); when two tabs send
    at once, the UNIQUE rows make the later insert fail. When the survey is anonymous the
    response has no registration and no time, and cannot be changed later (the later tab is
    refused); otherwise the later send replaces the first response's answers.
    """
    reason = access(registration, now)
    if reason != OPEN:
        raise SurveyRefused(reason)
    registration_id, event_id = registration.id, registration.event_id
    anonymous = settings_of(registration.event).anonymous
    try:
        _store(registration_id, event_id, anonymous, answers, now)
    except IntegrityError:
        # Another tab answered between our check and our insert.
        db.session.rollback()
        if anonymous:
            raise SurveyRefused("answered") from None
        _store(registration_id, event_id, anonymous, answers, now)


def _store(registration_id: int, event_id: int, anonymous: bool, answers: dict[int, list[str]],
           now: datetime) -> None:
    if db.session.get(SurveyParticipation, registration_id) is None:
        db.session.add(SurveyParticipation(registration_id=registration_id, event_id=event_id))
    elif anonymous:
        raise SurveyRefused("answered")
    response = None if anonymous else db.session.scalar(
        select(SurveyResponse).where(SurveyResponse.registration_id == registration_id))
    if response is None:
        response = SurveyResponse(event_id=event_id, registration_id=None if anonymous else registration_id)
        db.session.add(response)
    if not anonymous:
        response.submitted_at = now
    db.session.flush()
    db.session.execute(delete(Answer).where(Answer.response_id == response.id))
    db.session.add_all(Answer(question_id=qid, response_id=response.id, value=value)
                       for qid, values in answers.items() for value in values)
    db.session.flush()


def generate_session_marks(event: Event) -> int:
    """A 1–5 mark question per session of the programme that has none yet; returns how many were added."""
    have = {q.session_id for q in questions_of(event, "survey", include_hidden=True) if q.session_id}
    sessions = db.session.scalars(select(Session).where(
        Session.event_id == event.id, Session.kind.notin_(UNRATED_KINDS))
        .order_by(Session.starts_at, Session.position, Session.id))
    added = 0
    for session in sessions:
        if session.id in have:
            continue
        if len(questions_of(event, "survey", include_hidden=True)) >= MAX_QUESTIONS:
            break
        create_question(event, QuestionFields(kind="survey", type="rating", label=session.title[:500],
                                              session_id=session.id))
        added += 1
    return added


# ---------------------------------------------------------------- results

@dataclass
class QuestionResult:
    id: int
    label: str
    type: str
    answered: int = 0
    #: (option, count) in the question's order, for choice, several choices, yes/no and marks.
    counts: list[tuple[str, int]] = field(default_factory=list)
    average: float | None = None
    texts: list[str] = field(default_factory=list)
    session_id: int | None = None

    @property
    def max_count(self) -> int:
        return max((n for _, n in self.counts), default=0)


@dataclass
class SurveyResults:
    responses: int
    questions: list[QuestionResult]

    @property
    def sessions_ranked(self) -> list[QuestionResult]:
        """Per-session marks, best average first (unanswered last)."""
        marked = [q for q in self.questions if q.session_id and q.type == "rating"]
        return sorted(marked, key=lambda q: (q.average is None, -(q.average or 0), q.label))


def results(event: Event) -> SurveyResults:
    """Counts, averages and text answers of every survey question (hidden ones too)."""
    responses = db.session.scalar(select(func.count()).select_from(SurveyResponse)
                                  .where(SurveyResponse.event_id == event.id)) or 0
    questions = questions_of(event, "survey", include_hidden=True, include_old=True)
    values: dict[int, list[str]] = {q.id: [] for q in questions}
    per_response: dict[int, set[int]] = {q.id: set() for q in questions}
    for qid, rid, value in db.session.execute(
            select(Answer.question_id, Answer.response_id, Answer.value)
            .join(SurveyResponse, SurveyResponse.id == Answer.response_id)
            .where(SurveyResponse.event_id == event.id).order_by(Answer.id)):
        values[qid].append(value)
        per_response[qid].add(rid)
    return SurveyResults(responses, [_result(q, values[q.id], len(per_response[q.id])) for q in questions])


def _result(question: Question, values: list[str], answered: int) -> QuestionResult:
    result = QuestionResult(question.id, question.label, question.type, answered,
                            session_id=question.session_id)
    spec = spec_of(question)
    if question.type in ("choice", "multi", "yesno", "rating"):
        counter = Counter(values)
        options = list(spec.options) + [v for v in counter if v not in spec.options]
        result.counts = [(option, counter.get(option, 0)) for option in options]
    if question.type in ("rating", "number"):
        numbers = [int(v) for v in values if v.lstrip("-").isdigit()]
        result.average = round(sum(numbers) / len(numbers), 2) if numbers else None
    if question.type in ("text", "textarea", "date"):
        result.texts = values
    return result


def results_json(data: SurveyResults) -> dict:
    """The API's shape: responses, and per question its counts or average."""
    questions = []
    for q in data.questions:
        item: dict = {"id": q.id, "label": q.label, "type": q.type, "answered": q.answered}
        if q.counts and q.type != "rating":
            item["counts"] = {option: n for option, n in q.counts}
        if q.type in ("rating", "number"):
            item["average"] = q.average
            if q.type == "rating":
                item["counts"] = {option: n for option, n in q.counts}
        if q.texts:
            item["answers"] = q.texts
        if q.session_id:
            item["session_id"] = q.session_id
        questions.append(item)
    return {"responses": data.responses, "questions": questions}


def certificate_waits_for_survey(registration: Registration) -> bool:
    """True when the event issues certificates only after the survey, and this person has not answered."""
    settings = db.session.get(SurveySettings, registration.event_id)
    return bool(settings and settings.certificate_after_survey and not has_answered(registration))



def session_averages(event: Event) -> list[tuple[str, float]]:
    """For the final report: each survey mark question answered, with its average, best first."""
    ranked = [(q.label, q.average) for q in results(event).questions
              if q.type == "rating" and q.average is not None]
    return sorted(ranked, key=lambda pair: -pair[1])
