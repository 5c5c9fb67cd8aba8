"""The organiser's questions (add, edit with versions, order, hide) and registration answers."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from ..events.models import Event
from ..extensions import db
from ..registration.extras import FieldRefused
from ..registration.models import Registration, Status
from ..registration.services import lock_seats
from . import engine
from .engine import Spec
from .models import CHOICE_TYPES, Answer, Question, QuestionType

#: At most this many questions of one kind per event: a form a person can still fill in.
MAX_QUESTIONS = 100
MAX_CHOICES = 50
CHOICE_MAX = 200
LABEL_MAX = 500
HELP_MAX = 1000


class QuestionInvalid(ValueError):
    """A question the organiser cannot save; `field` names what to fix."""

    def __init__(self, field_name: str, message):
        super().__init__(field_name)
        self.field = field_name
        self.message = message


class ChoiceFull(FieldRefused):
    """The chosen option has no seats left."""

    def __init__(self, question_id: int, choice: str):
        super().__init__(question_id, choice)
        self.question_id = question_id
        self.choice = choice
        self.field = f"q_{question_id}"

    @property
    def message(self):
        return _l("Мест на «%(choice)s» больше нет: выберите другой вариант.", choice=self.choice)


@dataclass(frozen=True)
class QuestionFields:
    """What the organiser gives for a question (from the page or the API)."""

    kind: str
    type: str
    label: str
    required: bool = False
    help_text: str = ""
    choices: tuple[str, ...] = ()
    limits: dict[str, int] = field(default_factory=dict)
    show_if_question: int | None = None
    show_if_value: str | None = None
    min_value: int | None = None
    max_value: int | None = None
    session_id: int | None = None


def questions_of(event: Event, kind: str, *, include_hidden: bool = False,
                 include_old: bool = False) -> list[Question]:
    """The event's questions of a kind, in the order they are asked."""
    query = select(Question).where(Question.event_id == event.id, Question.kind == kind)
    if not include_hidden:
        query = query.where(Question.hidden.is_(False))
    if not include_old:
        query = query.where(Question.replaced_by_id.is_(None))
    return list(db.session.scalars(query.order_by(Question.position, Question.id)))


def spec_of(question: Question) -> Spec:
    return Spec(
        id=question.id, type=question.type, label=question.label, required=question.required,
        choices=tuple(question.choices or ()), show_if_question=question.show_if_question_id,
        show_if_value=question.show_if_value, min_value=question.min_value,
        max_value=question.max_value, help_text=question.help_text or "",
        limits=dict(question.limits or {}),
    )


def specs_for(event: Event, kind: str) -> list[Spec]:
    """What a participant is asked, in order (hidden and old versions left out)."""
    return [spec_of(q) for q in questions_of(event, kind)]


def _check(event: Event, fields: QuestionFields, question: Question | None) -> QuestionFields:
    """The fields, normalised; QuestionInvalid names the first thing to fix."""
    if fields.kind not in ("registration", "survey"):
        raise QuestionInvalid("kind", _l("Неизвестный вид вопроса."))
    if fields.type not in {t.value for t in QuestionType}:
        raise QuestionInvalid("type", _l("Неизвестный тип вопроса."))
    label = " ".join((fields.label or "").split())
    if not label:
        raise QuestionInvalid("label", _l("Напишите текст вопроса."))
    if len(label) > LABEL_MAX:
        raise QuestionInvalid("label", _l("Не длиннее %(n)s символов.", n=LABEL_MAX))
    if len(fields.help_text or "") > HELP_MAX:
        raise QuestionInvalid("help_text", _l("Не длиннее %(n)s символов.", n=HELP_MAX))
    choices = tuple(dict.fromkeys(" ".join(c.split()) for c in fields.choices if c and c.strip()))
    if fields.type in ("choice", "multi"):
        if not choices:
            raise QuestionInvalid("choices", _l("Добавьте варианты ответа, по одному в строке."))
        if len(choices) > MAX_CHOICES:
            raise QuestionInvalid("choices", _l("Не больше %(n)s вариантов.", n=MAX_CHOICES))
        if any(len(c) > CHOICE_MAX for c in choices):
            raise QuestionInvalid("choices", _l("Вариант не длиннее %(n)s символов.", n=CHOICE_MAX))
    else:
        choices = ()
    limits = {}
    for choice, seats in (fields.limits or {}).items():
        if choice not in choices:
            raise QuestionInvalid("limits", _l("Лимит задан для варианта, которого нет: «%(c)s».", c=choice))
        if isinstance(seats, bool) or not isinstance(seats, int) or not 0 <= seats <= 1_000_000:
            raise QuestionInvalid("limits", _l("Лимит — целое число мест от 0."))
        limits[choice] = seats
    if limits and fields.kind != "registration":
        raise QuestionInvalid("limits", _l("Лимит мест бывает только у вопросов регистрации."))
    low, high = fields.min_value, fields.max_value
    if low is not None and high is not None and low > high:
        raise QuestionInvalid("min_value", _l("Наименьшее значение больше наибольшего."))
    show_value = fields.show_if_value
    if fields.show_if_question is not None:
        parent = db.session.get(Question, fields.show_if_question)
        if (parent is None or parent.event_id != event.id or parent.kind != fields.kind
                or not parent.is_current or (question is not None and parent.id == question.id)):
            raise QuestionInvalid("show_if", _l("Условие ссылается на вопрос, которого нет в этой форме."))
        if question is not None and parent.position > question.position:
            raise QuestionInvalid("show_if", _l("Условие может ссылаться только на вопрос выше."))
        show_value = _condition_value(show_value)
        if show_value not in spec_of(parent).options and parent.type not in ("text", "number", "date"):
            raise QuestionInvalid("show_if", _l("У вопроса-условия нет такого варианта ответа."))
    else:
        show_value = None
    return replace(fields, label=label, help_text=(fields.help_text or "").strip(), choices=choices,
                   limits=limits, show_if_value=show_value)


def _condition_value(value) -> str:
    if value is True:
        return engine.YES
    if value is False:
        return engine.NO
    return "" if value is None else str(value).strip()


def _apply(question: Question, fields: QuestionFields) -> None:
    question.kind = fields.kind
    question.type = fields.type
    question.label = fields.label
    question.help_text = fields.help_text
    question.required = fields.required
    question.choices = list(fields.choices)
    question.limits = dict(fields.limits)
    question.show_if_question_id = fields.show_if_question
    question.show_if_value = fields.show_if_value
    question.min_value = fields.min_value
    question.max_value = fields.max_value
    if fields.session_id is not None:
        question.session_id = fields.session_id


def create_question(event: Event, fields: QuestionFields) -> Question:
    """A new question at the end of its form."""
    fields = _check(event, fields, None)
    count = db.session.scalar(select(func.count()).select_from(Question).where(
        Question.event_id == event.id, Question.kind == fields.kind,
        Question.replaced_by_id.is_(None))) or 0
    if count >= MAX_QUESTIONS:
        raise QuestionInvalid("label", _l("В форме уже %(n)s вопросов: это предел.", n=MAX_QUESTIONS))
    last = db.session.scalar(select(func.max(Question.position)).where(
        Question.event_id == event.id, Question.kind == fields.kind))
    question = Question(event_id=event.id, position=(last or 0) + 1)
    _apply(question, fields)
    db.session.add(question)
    db.session.flush()
    return question


def has_answers(question: Question) -> bool:
    return db.session.scalar(select(Answer.id).where(Answer.question_id == question.id).limit(1)) is not None


def update_question(question: Question, fields: QuestionFields) -> Question:
    """Save an edit; a new type or new choices on an answered question make a new version.

    The old version keeps its answers (stored as the text answered) and stays in the
    exports; conditions that pointed at it point at the new version.
    """
    event = db.session.get(Event, question.event_id)
    assert event is not None
    fields = _check(event, replace(fields, kind=question.kind), question)
    changes_meaning = (fields.type != question.type
                       or list(fields.choices) != list(question.choices or []))
    if not (changes_meaning and has_answers(question)):
        _apply(question, fields)
        return question
    successor = Question(event_id=question.event_id, position=question.position,
                         hidden=question.hidden, session_id=question.session_id)
    _apply(successor, fields)
    db.session.add(successor)
    db.session.flush()
    question.replaced_by_id = successor.id
    db.session.execute(update(Question).where(Question.show_if_question_id == question.id,
                                              Question.id != successor.id)
                       .values(show_if_question_id=successor.id))
    return successor


def move(question: Question, step: int) -> None:
    """Move a question one place up (-1) or down (+1) in its form."""
    event = db.session.get(Event, question.event_id)
    assert event is not None
    siblings = questions_of(event, question.kind, include_hidden=True)
    index = next(i for i, q in enumerate(siblings) if q.id == question.id)
    other = index + step
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        sibling.position = position


def set_hidden(question: Question, hidden: bool) -> None:
    """Hide a question from its form (answers kept) or show it again."""
    question.hidden = hidden


# ---------------------------------------------------------------- registration answers

def answers_of(registration: Registration) -> dict[int, list[str]]:
    """The registration's answers, by question id."""
    result: dict[int, list[str]] = defaultdict(list)
    for question_id, value in db.session.execute(
            select(Answer.question_id, Answer.value).where(Answer.registration_id == registration.id)
            .order_by(Answer.id)):
        result[question_id].append(value)
    return dict(result)


def answered_questions(registration: Registration) -> list[tuple[Question, list[str]]]:
    """Each answered question (old versions too) with its answer, in form order."""
    answers = answers_of(registration)
    if not answers:
        return []
    questions = db.session.scalars(select(Question).where(Question.id.in_(answers))
                                   .order_by(Question.position, Question.id))
    return [(q, answers[q.id]) for q in questions]


def taken(question_ids: list[int], *, exclude_registration: int | None = None) -> dict[tuple[int, str], int]:
    """How many active registrations chose each value of these questions."""
    if not question_ids:
        return {}
    query = (select(Answer.question_id, Answer.value, func.count())
             .join(Registration, Registration.id == Answer.registration_id)
             .where(Answer.question_id.in_(question_ids), Registration.status != Status.cancelled.value)
             .group_by(Answer.question_id, Answer.value))
    if exclude_registration is not None:
        query = query.where(Answer.registration_id != exclude_registration)
    return {(qid, value): n for qid, value, n in db.session.execute(query)}


def seats_left(specs: list[Spec]) -> dict[int, dict[str, int]]:
    """Free seats per limited choice, for the form to show."""
    limited = [s for s in specs if s.limits]
    counts = taken([s.id for s in limited])
    return {s.id: {c: max(n - counts.get((s.id, c), 0), 0) for c, n in s.limits.items()} for s in limited}


def save_answers(registration: Registration, specs: list[Spec], answers: dict[int, list[str]]) -> None:
    """Store a registration's answers to these questions, the seats of limited choices checked.

    Runs under the event's seat lock (the one registration takes), so two people taking
    the last seat of a practicum at once cannot both get it: ChoiceFull for the second.
    """
    limited = [s for s in specs if s.limits and answers.get(s.id)]
    if limited:
        lock_seats(registration.event)
        counts = taken([s.id for s in limited], exclude_registration=registration.id)
        for spec in limited:
            for value in answers[spec.id]:
                if value in spec.limits and counts.get((spec.id, value), 0) >= spec.limits[value]:
                    raise ChoiceFull(spec.id, value)
    ids = [s.id for s in specs]
    if ids:
        db.session.execute(delete(Answer).where(Answer.registration_id == registration.id,
                                                Answer.question_id.in_(ids)))
    db.session.add_all(Answer(question_id=qid, registration_id=registration.id, value=value)
                       for qid, values in answers.items() if qid in ids for value in values)
    db.session.flush()


def answers_json(registration_ids: list[int]) -> dict[int, dict[str, object]]:
    """{registration id: {"<question id>": value}} for the API's registration objects, in one query."""
    if not registration_ids:
        return {}
    found: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    types: dict[int, str] = {}
    for rid, qid, qtype, value in db.session.execute(
            select(Answer.registration_id, Answer.question_id, Question.type, Answer.value)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.registration_id.in_(registration_ids)).order_by(Answer.id)):
        found[rid][qid].append(value)
        types[qid] = qtype
    return {rid: {str(qid): engine.typed(types[qid], values) for qid, values in answers.items()}
            for rid, answers in found.items()}


def display(question_type: str, values: list[str]) -> str:
    """An answer as a person reads it (yes/no in words, several choices joined)."""
    if question_type == "yesno":
        return ", ".join(str(_l("да")) if v == engine.YES else str(_l("нет")) for v in values)
    if question_type == "date" and values:
        y, m, d = values[0].split("-") if values[0].count("-") == 2 else ("", "", "")
        return f"{d}.{m}.{y}" if y else values[0]
    return ", ".join(values)


def filter_options(event: Event) -> list[tuple[str, str]]:
    """Values the organiser's table can be filtered by: ('<question id>:<value>', 'label: value')."""
    options = []
    for question in questions_of(event, "registration", include_hidden=True):
        if question.type in CHOICE_TYPES:
            for value in spec_of(question).options:
                options.append((f"{question.id}:{value}",
                                f"{question.label}: {display(question.type, [value])}"))
    return options


def roster_filter_options(event: Event) -> dict:
    """What the organiser's table offers to filter by: municipalities and answers."""
    from ..events.services import municipality_choices

    return {"municipalities": municipality_choices(event), "answers": filter_options(event)}


def answer_filter(event: Event, raw: str | None):
    """A WHERE clause for `registrations_query` from '<question id>:<value>', or None."""
    if not raw or ":" not in raw:
        return None
    qid, _, value = raw.partition(":")
    if not qid.isdigit():
        return None
    question = db.session.get(Question, int(qid))
    if question is None or question.event_id != event.id:
        return None
    return Registration.id.in_(select(Answer.registration_id).where(
        Answer.question_id == question.id, Answer.value == value))


def answer_columns(event: Event, registration_ids: list[int]) -> tuple[list[str], dict[int, list[str]]]:
    """Headers of the registration questions and each registration's answers, for tables and exports."""
    questions = [q for q in questions_of(event, "registration", include_hidden=True, include_old=True)]
    if not questions:
        return [], {}
    headers = [q.label if q.is_current else _l("%(label)s (прежняя версия)", label=q.label) for q in questions]
    by_registration: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    if registration_ids:
        for rid, qid, value in db.session.execute(
                select(Answer.registration_id, Answer.question_id, Answer.value)
                .where(Answer.registration_id.in_(registration_ids),
                       Answer.question_id.in_([q.id for q in questions])).order_by(Answer.id)):
            by_registration[rid][qid].append(value)
    cells = {rid: [display(q.type, answers.get(q.id, [])) for q in questions]
             for rid, answers in by_registration.items()}
    return [str(h) for h in headers], cells
