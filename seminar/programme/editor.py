"""The organiser's programme editor: rooms, sessions, speakers."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..access import managed_event_or_404, managed_registration_or_404
from ..checkin.roster import registrations_query
from ..extensions import db
from . import notify
from .forms import RoomForm, SessionForm, SpeakerProfileForm
from .queries import programme_data, session_item
from .services import (
    ProgrammeError,
    SessionInput,
    add_speaker,
    create_session,
    delete_room,
    delete_session,
    local_moment,
    remove_speaker,
    room_of,
    rooms_of,
    save_room,
    session_of,
    update_session,
    update_speaker_profile,
)

bp = Blueprint("programme_editor", __name__)


def _session_or_404(event, session_id):
    return _found(session_of(event, session_id))


def _room_or_404(event, room_id):
    return _found(room_of(event, room_id))


def _found(obj):
    if obj is None:
        abort(404)
    return obj


@bp.get("/manage/events/<slug>/programme")
@login_required
def editor(slug):
    """Rooms and sessions of the event, with links to edit them."""
    event = managed_event_or_404(slug)
    return render_template("programme/editor.html", event=event, rooms=rooms_of(event),
                           data=programme_data(event))


@bp.route("/manage/events/<slug>/programme/rooms/new", methods=["GET", "POST"])
@bp.route("/manage/events/<slug>/programme/rooms/<int:room_id>", methods=["GET", "POST"])
@login_required
def room_form(slug, room_id=None):
    """Add or rename a room."""
    event = managed_event_or_404(slug)
    room = _room_or_404(event, room_id) if room_id else None
    form = RoomForm(obj=room)
    if form.validate_on_submit():
        try:
            save_room(event, room, form.name.data, form.capacity.data, form.position.data or 0)
        except ProgrammeError as exc:
            form.name.errors = [exc.message]
        else:
            db.session.commit()
            flash(_("Зал сохранён."), "success")
            return redirect(url_for(".editor", slug=slug))
    return render_template("programme/room_form.html", event=event, form=form, room=room)


@bp.post("/manage/events/<slug>/programme/rooms/<int:room_id>/delete")
@login_required
def room_delete(slug, room_id):
    """Delete a room unless a session uses it."""
    event = managed_event_or_404(slug)
    try:
        delete_room(_room_or_404(event, room_id))
    except ProgrammeError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Зал удалён."), "success")
    return redirect(url_for(".editor", slug=slug))


def _input(event, form: SessionForm) -> SessionInput:
    return SessionInput(
        title=form.title.data, kind=form.kind.data, room_id=form.room_id,
        starts_at=local_moment(event, form.day.data, form.starts.data),
        ends_at=local_moment(event, form.day.data, form.ends.data),
        track=form.track.data or "", description=form.description.data or "",
        position=form.position.data or 0)


def _fill(form: SessionForm, event, session) -> None:
    """Put a session's values into the form, times as the venue's wall clock."""
    start, end = event.local(session.starts_at), event.local(session.ends_at)
    form.title.data, form.kind.data, form.track.data = session.title, session.kind, session.track
    form.room.data = str(session.room_id) if session.room_id else ""
    form.day.data, form.starts.data, form.ends.data = start.date(), start.time(), end.time()
    form.description.data, form.position.data = session.description, session.position


@bp.route("/manage/events/<slug>/programme/sessions/new", methods=["GET", "POST"])
@bp.route("/manage/events/<slug>/programme/sessions/<int:session_id>", methods=["GET", "POST"])
@login_required
def session_form(slug, session_id=None):
    """Add or edit a session; on the edit page, find and link speakers."""
    event = managed_event_or_404(slug)
    session = _session_or_404(event, session_id) if session_id else None
    form = SessionForm(rooms=[(r.id, r.name) for r in rooms_of(event)])
    error = None
    if form.validate_on_submit():
        try:
            if session is None:
                session = create_session(event, _input(event, form))
                change = None
            else:
                change = update_session(session, _input(event, form))
        except ProgrammeError as exc:
            db.session.rollback()
            error = exc.message
            session = _session_or_404(event, session_id) if session_id else None
        else:
            told = notify.send_session_changed(change) if change else 0
            db.session.commit()
            if change:
                flash(_("Секция сохранена. Спикерам отправлено писем: %(n)s.", n=told), "success")
            else:
                flash(_("Секция сохранена."), "success")
            return redirect(url_for(".session_form", slug=slug, session_id=session.id))
    elif request.method == "GET":
        if session is not None:
            _fill(form, event, session)
        else:
            form.day.data = event.local(event.starts_at).date()
    q = request.args.get("q", "").strip()
    found = []
    if session is not None and q:
        found = [r for r, _checked in db.session.execute(registrations_query(event, q=q).limit(20))]
    return render_template("programme/session_form.html", event=event, form=form, session=session,
                           error=error, q=q, found=found,
                           item=session_item(session) if session else None)


@bp.post("/manage/events/<slug>/programme/sessions/<int:session_id>/delete")
@login_required
def session_delete(slug, session_id):
    """Take a session off the programme and tell its speakers."""
    event = managed_event_or_404(slug)
    session = _session_or_404(event, session_id)
    item = session_item(session)
    speakers = delete_session(session)
    notify.send_session_removed(event, item, speakers)
    db.session.commit()
    flash(_("Секция «%(title)s» удалена.", title=item.title), "success")
    return redirect(url_for(".editor", slug=slug))


@bp.post("/manage/events/<slug>/programme/sessions/<int:session_id>/speakers")
@login_required
def speaker_add(slug, session_id):
    """Link a registration found by search as a speaker of the session."""
    event = managed_event_or_404(slug)
    session = _session_or_404(event, session_id)
    registration = managed_registration_or_404(event, request.form.get("registration_id", type=int) or 0)
    try:
        add_speaker(session, registration)
    except ProgrammeError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("%(name)s — спикер секции.", name=registration.short_name), "success")
    return redirect(url_for(".session_form", slug=slug, session_id=session_id, q=request.form.get("q", "")))


@bp.post("/manage/events/<slug>/programme/sessions/<int:session_id>/speakers/<int:registration_id>/remove")
@login_required
def speaker_remove(slug, session_id, registration_id):
    """Unlink a speaker from the session."""
    event = managed_event_or_404(slug)
    session = _session_or_404(event, session_id)
    remove_speaker(session, managed_registration_or_404(event, registration_id))
    db.session.commit()
    return redirect(url_for(".session_form", slug=slug, session_id=session_id))


@bp.route("/manage/events/<slug>/programme/speakers/<int:registration_id>", methods=["GET", "POST"])
@login_required
def speaker_profile(slug, registration_id):
    """The speaker's public name, position and short bio."""
    event = managed_event_or_404(slug)
    registration = managed_registration_or_404(event, registration_id)
    form = SpeakerProfileForm(obj=registration)
    if form.validate_on_submit():
        update_speaker_profile(registration, form.public_name.data or "", form.position.data or "",
                               form.bio.data or "")
        db.session.commit()
        flash(_("Профиль спикера сохранён."), "success")
        back = request.args.get("session_id", type=int)
        return redirect(url_for(".session_form", slug=slug, session_id=back) if back
                        else url_for(".editor", slug=slug))
    return render_template("programme/speaker_form.html", event=event, form=form, registration=registration)
