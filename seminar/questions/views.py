"""The participant's side: answers on the personal page, and the feedback survey."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from ..dbtypes import utcnow
from ..extensions import db
from ..registration.models import Registration
from ..registration.views import get_registration_or_404
from . import survey
from .forms import (
    SurveyForm,
    prefill,
    question_answers,
    refuse_choice,
    registration_form,
    store_answers,
    with_questions,
)
from .services import ChoiceFull, answers_of, specs_for

bp = Blueprint("questions", __name__)

SURVEY_REFUSALS = {
    survey.NOT_YET: _l("Опрос откроется после окончания мероприятия."),
    survey.CLOSED: _l("Опрос закрыт. Спасибо!"),
    "not_checked_in": _l("Опрос доступен тем, кто был на мероприятии и отметился на входе."),
    "no_questions": _l("Организатор ещё не подготовил вопросы опроса."),
    "answered": _l("Вы уже ответили на опрос. Ответы анонимные, поэтому изменить их нельзя. Спасибо!"),
}


class AnswersForm(FlaskForm):
    """The answers to the registration questions, edited on the personal page."""


def answers_editable(registration: Registration) -> bool:
    """Until registration closes, and while the registration is active."""
    return registration.is_active and registration.event.registration_state(utcnow()) == "open"


@bp.route("/r/<token>/answers", methods=["GET", "POST"])
def edit_answers(token):
    """The participant changes their answers to the organiser's questions."""
    registration = get_registration_or_404(token)
    event = registration.event
    if not answers_editable(registration):
        flash(_("Ответы можно менять, пока открыта регистрация."), "info")
        return redirect(url_for("registration.personal", token=token))
    form = registration_form(AnswersForm, event)()
    if not form.is_submitted():
        prefill(form, answers_of(registration))
    if form.validate_on_submit():
        try:
            store_answers(form, registration)
        except ChoiceFull as exc:
            db.session.rollback()
            refuse_choice(form, exc)
        else:
            db.session.commit()
            flash(_("Ответы сохранены."), "success")
            return redirect(url_for("registration.personal", token=token, _anchor="answers"))
    return render_template("questions/answers.html", form=form, registration=registration, event=event)


@bp.route("/r/<token>/survey", methods=["GET", "POST"])
def survey_page(token):
    """The feedback survey after the event: checked-in people, one response each."""
    registration = get_registration_or_404(token)
    event = registration.event
    now = utcnow()
    reason = survey.access(registration, now)
    if reason != survey.OPEN:
        return render_template("questions/survey_closed.html", event=event, registration=registration,
                               message=SURVEY_REFUSALS[reason]), 200
    form = with_questions(SurveyForm, specs_for(event, "survey"))()
    if not form.is_submitted():
        prefill(form, survey.own_answers(registration))
    if form.validate_on_submit():
        try:
            survey.submit(registration, form.question_specs, question_answers(form), now)
        except survey.SurveyRefused as exc:
            db.session.rollback()
            flash(str(SURVEY_REFUSALS[exc.reason]), "info")
        else:
            db.session.commit()
            flash(_("Спасибо! Ваши ответы сохранены."), "success")
        return redirect(url_for("registration.personal", token=token, _anchor="survey"))
    return render_template("questions/survey.html", form=form, registration=registration, event=event,
                           settings=survey.settings_of(event), closes_at=survey.closes_at(event),
                           answered=survey.has_answered(registration))


def personal_questions(registration: Registration) -> dict:
    """What the personal page shows of this feature: answers, whether editable, the survey's state."""
    from .services import answered_questions, display

    now = utcnow()
    return {
        "answers": [(q, display(q.type, values)) for q, values in answered_questions(registration)],
        "has_questions": bool(specs_for(registration.event, "registration")),
        "editable": answers_editable(registration),
        "survey": survey.access(registration, now),
        "answered": survey.has_answered(registration),
        "closes_at": survey.closes_at(registration.event),
    }
