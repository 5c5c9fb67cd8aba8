"""Registering for an event, and the participant's personal page."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..dbtypes import utcnow
from ..events.services import get_event_or_404, municipality_choices
from ..extensions import check_csrf, csrf, db, limiter
from . import extras, notify
from .forms import DetailsForm, RegistrationForm
from .models import Status
from .selfedit import BadData, DuplicateEmail, confirm_email_change, edit_own_details, send_email_confirmation
from .services import (
    Applicant,
    NotCancellable,
    RegistrationClosed,
    UnknownMunicipality,
    cancel,
    confirm_email,
    get_by_token,
    register,
)

bp = Blueprint("registration", __name__)

CLOSED_MESSAGES = {
    "not_yet": _l("Регистрация ещё не открыта."),
    "closed": _l("Регистрация закрыта."),
    "unavailable": _l("Регистрация на это мероприятие недоступна."),
}


def _register_limit():
    return current_app.config["RATELIMIT_REGISTER"]


def applicant_from(form: RegistrationForm) -> Applicant:
    return Applicant(
        last_name=form.last_name.data, first_name=form.first_name.data,
        middle_name=form.middle_name.data or "", email=form.email.data, phone=form.phone.data or "",
        municipality_id=form.municipality_id, organization=form.organization.data,
        position=form.position.data,
    )


@bp.route("/events/<slug>/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
@csrf.exempt  # checked below, after the rate limit, so refused forms count too
def register_view(slug):
    """The registration form; on success, the personal page."""
    check_csrf()
    event = get_event_or_404(slug)
    state = event.registration_state(utcnow())
    form = extras.form_class(RegistrationForm, event)(municipalities=municipality_choices(event))
    if state != "open":
        return render_template("registration/closed.html", event=event,
                               message=CLOSED_MESSAGES[state]), (403 if form.is_submitted() else 200)
    if form.validate_on_submit():
        try:
            consent = extras.current_consent(event)
            outcome = register(event, applicant_from(form), now=utcnow(),
                               consent_version=consent.version, consent_text_id=consent.text_id)
            if outcome.created:
                extras.store(form, outcome.registration)
        except extras.FieldRefused as exc:
            db.session.rollback()
            extras.refuse(form, exc)
        except RegistrationClosed as exc:
            return render_template("registration/closed.html", event=event,
                                   message=CLOSED_MESSAGES[exc.state]), 403
        except UnknownMunicipality:
            form.municipality.errors = [_("Выберите муниципальное образование из списка.")]
        else:
            # The e-mail is queued in the registration's own transaction: both are kept, or neither.
            if event.confirm_email_hours:
                # The same page whether or not the address was known: the link goes only by mail.
                (notify.send_confirm_email if outcome.created else notify.send_link_again)(outcome.registration)
                db.session.commit()
                return render_template("registration/check_mail.html", event=event,
                                       email=outcome.registration.email)
            if not outcome.created:
                notify.send_link_again(outcome.registration)
                db.session.commit()
                return render_template("registration/already.html", event=event,
                                       email=outcome.registration.email)
            notify.send_registered(outcome.registration)
            token = outcome.registration.access_token  # read before the commit expires the row
            db.session.commit()
            return redirect(url_for(".personal", token=token, new=1))
    return render_template("registration/form.html", event=event, form=form,
                           consent_text=extras.consent_text(event))


def get_registration_or_404(token: str):
    """The registration behind a personal link; 404 without a hint otherwise."""
    registration = get_by_token(token)
    if registration is None:
        abort(404)
    return registration


@bp.get("/r/<token>")
def personal(token):
    """The participant's own page: status, details, badge, sessions, cancel."""
    registration = get_registration_or_404(token)
    if registration.status == Status.unconfirmed.value or (
            registration.event.confirm_email_hours and registration.email_confirmed_at is None):
        if confirm_email(registration, now=utcnow()):
            flash(_("Адрес подтверждён: место за вами."), "success")
        elif registration.status == Status.cancelled.value:
            flash(_("Время на подтверждение адреса вышло, и место перешло другому. "
                    "Зарегистрируйтесь снова, если места ещё есть."), "error")
        db.session.commit()
    return render_template("registration/personal.html", registration=registration,
                           event=registration.event, now=utcnow())


@bp.post("/r/<token>/cancel")
def cancel_view(token):
    """The participant gives up their seat; the first on the waitlist gets it."""
    registration = get_registration_or_404(token)
    try:
        promoted = cancel(registration, now=utcnow())
    except NotCancellable:
        flash(_("Регистрация уже отменена."), "info")
        return redirect(url_for(".personal", token=token))
    notify.send_cancelled(registration)
    for other in promoted:
        notify.send_promoted(other)
    db.session.commit()
    flash(_("Ваша регистрация отменена."), "success")
    return redirect(url_for(".personal", token=token))


@bp.route("/r/<token>/edit", methods=["GET", "POST"])
def edit_details(token):
    """The participant fixes a typo in their details; the seat is kept."""

    registration = get_registration_or_404(token)
    if not registration.is_active:
        flash(_("Регистрация отменена: изменить данные нельзя."), "info")
        return redirect(url_for(".personal", token=token))
    event = registration.event
    # The organiser's questions (q_<id>) come with the details; answers change while registration is open.
    answers_open = event.registration_state(utcnow()) == "open"
    form_class = extras.form_class(DetailsForm, event) if answers_open else DetailsForm
    form = form_class(obj=registration, municipalities=municipality_choices(event))
    if request.method == "GET":
        form.municipality.data = str(registration.municipality_id or "")
        if answers_open:
            extras.prefill(form, registration)
    if form.validate_on_submit():
        try:
            result = edit_own_details(registration, {**applicant_from(form).__dict__})
        except DuplicateEmail:
            form.email.errors = [_("Этот адрес уже зарегистрирован на мероприятие.")]
        except UnknownMunicipality:
            form.municipality.errors = [_("Выберите муниципальное образование из списка.")]
        else:
            if result.edit.changed:
                record("registration.edit", actor="participant", event_id=event.id,
                       registration_id=registration.id, detail={"fields": result.edit.changed},
                       ip=request.remote_addr)
            try:
                if answers_open:
                    extras.store(form, registration)
            except extras.FieldRefused as exc:
                db.session.rollback()
                extras.refuse(form, exc)
                return render_template("registration/edit.html", event=event, form=form,
                                       registration=registration)
            db.session.commit()
            if result.pending_email:
                send_email_confirmation(registration, result.pending_email)
                flash(_("На новый адрес отправлена ссылка: адрес изменится, когда вы её откроете."), "info")
            if result.edit.changed or not result.pending_email:
                flash(_("Данные сохранены."), "success")
            return redirect(url_for(".personal", token=token))
    return render_template("registration/edit.html", event=event, form=form, registration=registration)


@bp.get("/r/<token>/email/<signed>")
def confirm_new_email(token, signed):
    """The link from the new address: from now on letters go there."""

    registration = get_registration_or_404(token)
    try:
        confirm_email_change(registration, signed)
    except BadData:
        flash(_("Ссылка устарела или уже использована. Измените адрес ещё раз."), "error")
        return redirect(url_for(".personal", token=token))
    except DuplicateEmail:
        flash(_("Этот адрес уже зарегистрирован на мероприятие."), "error")
        return redirect(url_for(".personal", token=token))
    record("registration.email", actor="participant", event_id=registration.event_id,
           registration_id=registration.id, detail={"fields": ["email"]}, ip=request.remote_addr)
    db.session.commit()
    flash(_("Адрес подтверждён: письма будут приходить на %(email)s.", email=registration.email), "success")
    return redirect(url_for(".personal", token=token))
