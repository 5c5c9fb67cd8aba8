"""The survey's results for the report: an XLSX workbook and the one-page PDF's data."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..checkin.models import CheckIn
from ..events.models import Event
from ..extensions import db
from ..spreadsheets import workbook_bytes
from ..templating import event_date
from .models import Answer, SurveyResponse
from .pdf import Bar, Chart, SessionMark, SummaryData
from .pdf import summary_pdf as render_summary
from .services import display, questions_of
from .survey import results


def results_xlsx(event: Event) -> bytes:
    """Sheet 1: a row per response, a column per question; sheet 2: counts and averages."""
    questions = questions_of(event, "survey", include_hidden=True, include_old=True)
    rows: dict[int, dict[int, list[str]]] = {}
    for rid, qid, value in db.session.execute(
            select(Answer.response_id, Answer.question_id, Answer.value)
            .join(SurveyResponse, SurveyResponse.id == Answer.response_id)
            .where(SurveyResponse.event_id == event.id).order_by(Answer.response_id, Answer.id)):
        rows.setdefault(rid, {}).setdefault(qid, []).append(value)
    responses = [[number] + [display(q.type, answers.get(q.id, [])) for q in questions]
                 for number, answers in enumerate(rows.values(), start=1)]
    summary: list[list] = []
    for result in results(event).questions:
        if result.counts:
            summary += [[result.label, display(result.type, [option]), n, result.average]
                        for option, n in result.counts]
        elif result.average is not None:
            summary.append([result.label, "", result.answered, result.average])
    return workbook_bytes([
        (_("Ответы"), [_("№")] + [q.label for q in questions], responses, (8,) + (40,) * len(questions)),
        (_("Итоги"), [_("Вопрос"), _("Вариант"), _("Ответов"), _("Средняя оценка")], summary, (40, 30, 10, 14)),
    ])


def summary_data(event: Event) -> SummaryData:
    """What the one-page summary shows, in the visitor's language."""
    data = results(event)
    came = db.session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.event_id == event.id)) or 0
    sessions = tuple(SessionMark(q.label, q.average, q.answered) for q in data.sessions_ranked)
    charts = []
    for q in data.questions:
        if q.session_id or not q.counts:
            continue
        # Several choices: the share of people who ticked it, not of ticks.
        total = (q.answered if q.type == "multi" else sum(n for _o, n in q.counts)) or 1
        charts.append(Chart(q.label, q.answered, tuple(Bar(display(q.type, [o]), n, n / total)
                                                       for o, n in q.counts), q.average))
    quotes = tuple(text for q in data.questions if q.type == "textarea" for text in q.texts)
    first, last = event_date(event.starts_at, event), event_date(event.ends_at, event)
    when = first if first == last else f"{first} — {last}"
    return SummaryData(
        event_title=event.title, when_where=", ".join(p for p in (when, event.city, event.venue) if p),
        responses=data.responses, came=came, sessions=sessions, charts=tuple(charts), quotes=quotes,
        labels={
            "title": _("Итоги опроса участников"),
            "responses": _("Ответили на опрос: {n} из {came} пришедших."),
            "sessions": _("Оценки сессий (1–5), по убыванию"),
            "answers": _("Ответы на вопросы"),
            "quotes": _("Из отзывов"),
            "more": _("…и ещё {n}: полные результаты — в XLSX."),
            "empty": _("Ответов пока нет."),
        })


def summary_pdf(event: Event) -> bytes:
    return render_summary(summary_data(event))
