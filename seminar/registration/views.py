"""Registering for an event, and the participant's personal page."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..dbtypes import utcnow
from ..events.services import get_event_or_404, municipality_choices
from ..extensions import check_csrf, csrf, db, limiter
from . import notify
from .forms import RegistrationForm
from .services import (
    Applicant,
    NotCancellable,
    RegistrationClosed,
    UnknownMunicipality,
    cancel,
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
    form = RegistrationForm(municipalities=municipality_choices(event))
    if state != "open":
        return render_template("registration/closed.html", event=event,
                               message=CLOSED_MESSAGES[state]), (403 if form.is_submitted() else 200)
    if form.validate_on_submit():
        try:
            outcome = register(event, applicant_from(form), now=utcnow(),
                               consent_version=current_app.config["CONSENT_VERSION"])
        except RegistrationClosed as exc:
            return render_template("registration/closed.html", event=event,
                                   message=CLOSED_MESSAGES[exc.state]), 403
        except UnknownMunicipality:
            form.municipality.errors = [_("Выберите муниципальное образование из списка.")]
        else:
            # The e-mail is queued in the registration's own transaction: both are kept, or neither.
            if not outcome.created:
                notify.send_link_again(outcome.registration)
                db.session.commit()
                return render_template("registration/already.html", event=event,
                                       email=outcome.registration.email)
            notify.send_registered(outcome.registration)
            db.session.commit()
            return redirect(url_for(".personal", token=outcome.registration.access_token, new=1))
    return render_template("registration/form.html", event=event, form=form,
                           consent_version=current_app.config["CONSENT_VERSION"])


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
