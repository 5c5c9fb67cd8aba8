"""The participant's rights (download my data, withdraw consent) and the organiser's privacy page."""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access import managed_event_or_404, managed_registration_or_404
from ..dbtypes import utcnow
from ..extensions import db
from ..registration import notify
from ..registration.views import get_registration_or_404
from . import consent, services
from .export import personal_data
from .retention import EventNotOver, anonymise_event, deadline

bp = Blueprint("privacy", __name__)


@bp.get("/r/<token>/my-data.json")
def my_data(token):
    """Everything stored about the person, as a JSON file to save."""
    registration = get_registration_or_404(token)
    body = json.dumps(personal_data(registration, utcnow()), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="my-data-{registration.event.slug}.json"',
        "Cache-Control": "no-store"})


@bp.get("/r/<token>/forget")
def forget_confirm(token):
    """Asks once more before the person's data is deleted for good."""
    registration = get_registration_or_404(token)
    return render_template("privacy/forget.html", registration=registration, event=registration.event)


@bp.post("/r/<token>/forget")
def forget(token):
    """Withdraw consent: the registration is cancelled and anonymised; the link then answers 404."""
    registration = get_registration_or_404(token)
    event = registration.event
    promoted = services.forget(registration, utcnow(), ip=request.remote_addr)
    db.session.commit()
    for other in promoted:
        notify.send_promoted(other)
    return render_template("privacy/forgotten.html", event=event)


@bp.get("/manage/events/<slug>/privacy")
@login_required
def page(slug):
    """Retention date, consent versions and (for admins) anonymising the event now."""
    event = managed_event_or_404(slug)
    preview = anonymise_event(event, utcnow(), force=True, dry_run=True)
    return render_template("privacy/manage.html", event=event, deadline=deadline(event),
                           versions=consent.versions(event), preview=preview,
                           current_text=consent.text_to_show(event), over=event.ends_at <= utcnow())


@bp.post("/manage/events/<slug>/privacy/anonymise")
@login_required
def anonymise(slug):
    """The admin's button: anonymise an ended event now."""
    event = managed_event_or_404(slug)
    if not current_user.is_admin:
        abort(403)
    try:
        report = services.anonymise(event, utcnow(), actor=current_user, ip=request.remote_addr)
    except EventNotOver:
        db.session.commit()  # the refusal stays in the audit log
        flash(_("Мероприятие ещё не закончилось: обезличить его данные нельзя."), "error")
        return redirect(url_for(".page", slug=slug))
    db.session.commit()
    flash(_("Персональные данные обезличены; регистраций: %(n)s.", n=report.registrations), "success")
    return redirect(url_for(".page", slug=slug))


@bp.get("/manage/events/<slug>/registrations/<int:registration_id>/consent")
@login_required
def registration_consent(slug, registration_id):
    """The exact consent text this person agreed to, and when."""
    event = managed_event_or_404(slug)
    registration = managed_registration_or_404(event, registration_id)
    return render_template("privacy/consent.html", event=event, registration=registration,
                           consent=consent.consent_of(registration))
