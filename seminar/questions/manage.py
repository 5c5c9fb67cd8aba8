"""The organiser's pages: build the questions of the form and the survey, see the survey's results."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..access import managed_event_or_404
from ..extensions import db
from ..responses import download, pdf_response
from . import survey
from .charts import bar_chart
from .forms import TYPE_LABELS, QuestionForm, SurveySettingsForm
from .models import CHOICE_TYPES, Question
from .report import results_xlsx, summary_pdf
from .services import (
    QuestionFields,
    QuestionInvalid,
    create_question,
    display,
    has_answers,
    move,
    questions_of,
    set_hidden,
    spec_of,
    update_question,
)

bp = Blueprint("questions_manage", __name__)


@bp.before_request
@login_required
def require_login():
    """Every page here needs a signed-in staff account."""


def _kind() -> str:
    kind = request.values.get("kind")
    return kind if kind in ("registration", "survey") else "registration"


def _question_or_404(event, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.event_id != event.id or not question.is_current:
        abort(404)
    return question


def _conditions(event, kind: str, before: Question | None) -> list[tuple[str, str]]:
    """Answers of earlier questions a question may depend on: ('<id>=<value>', 'label: value')."""
    options = []
    for question in questions_of(event, kind, include_hidden=True):
        if before is not None and (question.position, question.id) >= (before.position, before.id):
            break
        if question.type in CHOICE_TYPES:
            for value in spec_of(question).options:
                options.append((f"{question.id}={value}", f"{question.label}: {display(question.type, [value])}"))
    return options


def _fields(form: QuestionForm, kind: str) -> QuestionFields | None:
    limits = form.parsed_limits()
    if limits is None:
        return None
    parent, _sep, value = (form.show_if.data or "").partition("=")
    return QuestionFields(
        kind=kind, type=form.type.data, label=form.label.data, required=form.required.data,
        help_text=form.help_text.data or "", choices=tuple((form.choices.data or "").splitlines()),
        limits=limits, show_if_question=int(parent) if parent.isdigit() else None,
        show_if_value=value if parent.isdigit() else None,
        min_value=form.min_value.data, max_value=form.max_value.data,
    )


def _save(form: QuestionForm, action) -> Question | None:
    """Run `action(fields)`; a refusal becomes a message next to the field it names."""
    fields = _fields(form, form.kind)
    if fields is None:
        return None
    try:
        return action(fields)
    except QuestionInvalid as exc:
        db.session.rollback()
        target = {"show_if": "show_if", "choices": "choices", "limits": "limits",
                  "min_value": "min_value", "help_text": "help_text"}.get(exc.field, "label")
        form[target].errors = [str(exc.message)]
        return None


@bp.route("/manage/events/<slug>/questions", methods=["GET", "POST"])
def manage_page(slug):
    """The questions of the registration form or of the survey: add, order, hide, edit."""
    event = managed_event_or_404(slug)
    kind = _kind()
    form = QuestionForm(conditions=_conditions(event, kind, None))
    form.kind = kind
    if form.validate_on_submit():
        question = _save(form, lambda fields: create_question(event, fields))
        if question is not None:
            db.session.commit()
            flash(_("Вопрос добавлен."), "success")
            return redirect(url_for(".manage_page", slug=slug, kind=kind, _anchor=f"q-{question.id}"))
    settings = survey.settings_of(event)
    return render_template(
        "questions/manage.html", event=event, kind=kind, form=form, type_labels=TYPE_LABELS,
        questions=questions_of(event, kind, include_hidden=True), display=display,
        settings_form=SurveySettingsForm(obj=settings, formdata=None), settings=settings)


@bp.route("/manage/events/<slug>/questions/<int:question_id>/edit", methods=["GET", "POST"])
def edit(slug, question_id):
    """Edit a question; a changed type or choices on an answered one makes a new version."""
    event = managed_event_or_404(slug)
    question = _question_or_404(event, question_id)
    form = QuestionForm(obj=question, conditions=_conditions(event, question.kind, question))
    form.kind = question.kind
    if not form.is_submitted():
        form.choices.data = "\n".join(question.choices or [])
        form.limits.data = "\n".join(f"{c} = {n}" for c, n in (question.limits or {}).items())
        form.show_if.data = (f"{question.show_if_question_id}={question.show_if_value}"
                             if question.show_if_question_id else "")
    if form.validate_on_submit():
        saved = _save(form, lambda fields: update_question(question, fields))
        if saved is not None:
            db.session.commit()
            flash(_("Вопрос сохранён как новая версия: прежние ответы остались при старой.")
                  if saved.id != question.id else _("Вопрос сохранён."), "success")
            return redirect(url_for(".manage_page", slug=slug, kind=saved.kind, _anchor=f"q-{saved.id}"))
    return render_template("questions/edit.html", event=event, question=question, form=form,
                           answered=has_answers(question))


@bp.post("/manage/events/<slug>/questions/<int:question_id>/move")
def move_view(slug, question_id):
    """One place up or down."""
    event = managed_event_or_404(slug)
    question = _question_or_404(event, question_id)
    move(question, -1 if request.values.get("step") == "up" else 1)
    db.session.commit()
    return redirect(url_for(".manage_page", slug=slug, kind=question.kind, _anchor=f"q-{question.id}"))


@bp.post("/manage/events/<slug>/questions/<int:question_id>/hide")
def hide_view(slug, question_id):
    """Hide a question from its form (its answers stay), or show it again."""
    event = managed_event_or_404(slug)
    question = _question_or_404(event, question_id)
    set_hidden(question, not question.hidden)
    db.session.commit()
    flash(_("Вопрос скрыт.") if question.hidden else _("Вопрос снова показывается."), "success")
    return redirect(url_for(".manage_page", slug=slug, kind=question.kind, _anchor=f"q-{question.id}"))


@bp.post("/manage/events/<slug>/survey/marks")
def session_marks(slug):
    """Add a 1–5 mark for every session of the programme that has none."""
    event = managed_event_or_404(slug)
    added = survey.generate_session_marks(event)
    db.session.commit()
    flash(_("Добавлено оценок сессий: %(n)s.", n=added), "success")
    return redirect(url_for(".manage_page", slug=slug, kind="survey"))


@bp.post("/manage/events/<slug>/survey/settings")
def survey_settings(slug):
    """Anonymity, the certificate condition and how long the survey stays open."""
    event = managed_event_or_404(slug)
    form = SurveySettingsForm()
    if form.validate_on_submit():
        survey.save_settings(event, anonymous=form.anonymous.data,
                             certificate_after_survey=form.certificate_after_survey.data,
                             open_days=form.open_days.data)
        db.session.commit()
        flash(_("Настройки опроса сохранены."), "success")
    else:
        flash(_("Настройки не сохранены: число дней — от 1 до 365."), "error")
    return redirect(url_for(".manage_page", slug=slug, kind="survey"))


@bp.get("/manage/events/<slug>/survey")
def results_page(slug):
    """The survey's results: counts and a chart per choice and mark, text answers, sessions ranked."""
    event = managed_event_or_404(slug)
    data = survey.results(event)
    return render_template("questions/results.html", event=event, data=data, bar_chart=bar_chart,
                           display=display, closes_at=survey.closes_at(event), chart_counts=_chart_counts)


def _chart_counts(result: survey.QuestionResult) -> list[tuple[str, int]]:
    return [(display(result.type, [option]), n) for option, n in result.counts]


@bp.get("/manage/events/<slug>/survey.xlsx")
def results_xlsx_view(slug):
    """Every response as a row, and a sheet of counts, for Excel."""
    event = managed_event_or_404(slug)
    return download(results_xlsx(event), f"{slug}-survey.xlsx")


@bp.get("/manage/events/<slug>/survey.pdf")
def results_pdf_view(slug):
    """A one-page summary to attach to the association's report."""
    event = managed_event_or_404(slug)
    return pdf_response(summary_pdf(event), f"{slug}-survey.pdf")
