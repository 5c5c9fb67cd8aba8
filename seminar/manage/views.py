"""Organiser pages: events, registrations, approvals."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..dbtypes import utcnow
from ..extensions import db
from ..registration import notify
from ..registration.queries import event_stats, paginate_rows, registrations_query
from ..registration.services import NotCancellable, approve, cancel
from . import bp
from .services import events_for, managed_event_or_404, managed_registration_or_404


@bp.before_request
@login_required
def require_login():
    """Every organiser page needs a signed-in staff account."""


@bp.get("/manage/")
def index():
    """The events this account works on."""
    return render_template("manage/index.html", events=events_for(current_user))


@bp.get("/manage/events/<slug>/")
def event(slug):
    """Registrations of an event, searchable and filterable."""
    event = managed_event_or_404(slug)
    query = registrations_query(event, role=request.args.get("role") or None,
                                status=request.args.get("status") or None,
                                q=request.args.get("q") or None)
    page = paginate_rows(query, request.args.get("page", 1, type=int), per_page=100)
    return render_template("manage/event.html", event=event, page=page,
                           stats=event_stats(event), args=request.args)


@bp.post("/manage/events/<slug>/registrations/<int:registration_id>/approve")
def approve_view(slug, registration_id):
    """Approve a pending registration (moderation)."""
    event = managed_event_or_404(slug)
    registration = managed_registration_or_404(event, registration_id)
    if approve(registration):
        db.session.commit()
        notify.send_approved(registration)
        flash(_("Заявка %(name)s подтверждена.", name=registration.full_name), "success")
    return redirect(request.referrer or url_for(".event", slug=slug))


@bp.post("/manage/events/<slug>/registrations/<int:registration_id>/cancel")
def cancel_view(slug, registration_id):
    """Cancel a registration; the waitlist moves up."""
    event = managed_event_or_404(slug)
    registration = managed_registration_or_404(event, registration_id)
    try:
        promoted = cancel(registration, now=utcnow())
    except NotCancellable:
        return redirect(request.referrer or url_for(".event", slug=slug))
    db.session.commit()
    notify.send_cancelled(registration)
    for other in promoted:
        notify.send_promoted(other)
    flash(_("Регистрация %(name)s отменена.", name=registration.full_name), "success")
    return redirect(request.referrer or url_for(".event", slug=slug))
