"""Pages of session attendance: the room doors, and the organiser's overview with seats and the certificate option."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..access import managed_event_or_404
from ..checkin.views import _api_base
from ..extensions import db
from ..templating import ROLE_LABELS
from . import services
from .api import counts_json
from .forms import CertificatePolicyForm, SessionCapacityForm

bp = Blueprint("attendance", __name__)


def _session_or_404(event, session_id):
    session = services.session_of(event, session_id)
    if session is None:
        abort(404)
    return session


@bp.get("/manage/events/<slug>/checkin/sessions")
@login_required
def doors(slug):
    """Pick a room and session: its door page records who came to it."""
    event = managed_event_or_404(slug, "check_in")
    return render_template("attendance/doors.html", event=event, sessions=services.session_counts(event))


@bp.get("/manage/events/<slug>/checkin/sessions/<int:session_id>")
@login_required
def session_door(slug, session_id):
    """The door page of one session: the same scanner, recording attendance at this session."""
    event = managed_event_or_404(slug, "check_in")
    session = _session_or_404(event, session_id)
    api = _api_base(slug)
    return render_template("checkin/door.html", event=event, stats=counts_json(event, session),
                           api_base=api, door_session=session,
                           door_session_paths={
                               "scan": f"/sessions/{session.id}/attendance",
                               "stats": f"/sessions/{session.id}/attendance",
                               "snapshot": f"/sessions/{session.id}/door/snapshot",
                               "store": f"{slug}/session-{session.id}",
                           },
                           door_capacity=services.session_capacity(session),
                           roles={k: str(v) for k, v in ROLE_LABELS.items()})


@bp.route("/manage/events/<slug>/attendance", methods=["GET", "POST"])
@login_required
def overview(slug):
    """Attendance per session, and whether certificates list the sessions attended."""
    event = managed_event_or_404(slug)
    policy = services.policy_of(event)
    form = CertificatePolicyForm(obj=policy)
    if form.validate_on_submit():
        services.save_policy(event, sessions_on_certificate=form.sessions_on_certificate.data,
                             academic_hour_minutes=form.academic_hour_minutes.data)
        db.session.commit()
        flash(_("Настройки посещаемости сохранены."), "success")
        return redirect(url_for(".overview", slug=slug))
    return render_template("attendance/overview.html", event=event, form=form,
                           sessions=services.session_counts(event))


@bp.route("/manage/events/<slug>/attendance/<int:session_id>", methods=["GET", "POST"])
@login_required
def session_page(slug, session_id):
    """Who came to one session; the session's own number of seats."""
    event = managed_event_or_404(slug)
    session = _session_or_404(event, session_id)
    form = SessionCapacityForm(capacity=session.capacity)
    if form.validate_on_submit():
        services.set_session_capacity(session, form.capacity.data)
        db.session.commit()
        flash(_("Настройки посещаемости сохранены."), "success")
        return redirect(url_for(".session_page", slug=slug, session_id=session_id))
    return render_template("attendance/session.html", event=event, session=session, form=form,
                           capacity=services.session_capacity(session),
                           attendees=services.attendees(session))
