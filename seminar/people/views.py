"""Organiser pages: add and edit a person, seat by hand, bulk actions on the list, import a list."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access import managed_event_or_404, managed_registration_or_404
from ..audit.web import record_action as log
from ..checkin.roster import registrations_query
from ..dbtypes import utcnow
from ..events.models import Event
from ..events.services import municipality_choices
from ..extensions import db
from ..prepared import services as prepared
from ..registration import notify
from ..registration.editing import DuplicateEmail, edit_registration
from ..registration.services import UnknownMunicipality
from ..security import allow_upload
from . import bulk as bulk_actions
from .forms import BULK_ACTIONS, BulkForm, ImportForm, PersonForm
from .importing import ImportRefused, apply, preview
from .jobs import send_personal_links
from .reading import MAX_BYTES, UnreadableFile
from .services import SeatRefused, add_registration, seat

bp = Blueprint("people", __name__)


@bp.before_request
@login_required
def require_login():
    """Every page here needs a signed-in staff account."""


def _back(event: Event):
    return redirect(request.form.get("next") or request.referrer or url_for("manage.event", slug=event.slug))


@bp.route("/manage/events/<slug>/registrations/new", methods=["GET", "POST"])
def add(slug):
    """Add a person of any role (an invited official, a journalist, a speaker)."""
    event = managed_event_or_404(slug)
    form = PersonForm(municipalities=municipality_choices(event))
    if form.validate_on_submit():
        try:
            registration = add_registration(event, form.applicant(), now=utcnow(),
                                            override=form.override.data)
        except DuplicateEmail:
            form.email.errors = [_("Этот адрес уже зарегистрирован на мероприятие.")]
        except UnknownMunicipality:
            form.municipality.errors = [_("Выберите муниципальное образование из списка.")]
        else:
            log("registration.add", event, registration, role=registration.role,
                status=registration.status, override=form.override.data)
            db.session.commit()
            notify.send_registered(registration)
            flash(_("Добавлен(а): %(name)s — %(status)s.", name=registration.full_name,
                    status=_status_label(registration.status)), "success")
            return redirect(url_for("manage.event", slug=slug, q=registration.last_name))
    return render_template("people/person_form.html", event=event, form=form, registration=None)


def _status_label(status: str) -> str:
    from ..templating import STATUS_LABELS

    return str(STATUS_LABELS[status])


@bp.route("/manage/events/<slug>/registrations/<int:registration_id>/edit", methods=["GET", "POST"])
def edit(slug, registration_id):
    """Fix any field of a registration; the seat is kept."""
    event = managed_event_or_404(slug)
    registration = managed_registration_or_404(event, registration_id)
    form = PersonForm(obj=registration, municipalities=municipality_choices(event))
    if request.method == "GET":
        form.municipality.data = str(registration.municipality_id or "")
    if form.validate_on_submit():
        try:
            result = edit_registration(registration, form.changes())
        except DuplicateEmail:
            form.email.errors = [_("Этот адрес уже есть у другой регистрации этого мероприятия.")]
        except UnknownMunicipality:
            form.municipality.errors = [_("Выберите муниципальное образование из списка.")]
        else:
            if result.changed:
                log("registration.edit", event, registration, fields=result.changed)
            db.session.commit()
            flash(_("Изменения сохранены.") + (" " + _("Бейдж нужно перепечатать.") if result.badge_reprint
                                               else ""), "success")
            return redirect(url_for("manage.event", slug=slug, q=registration.last_name))
    return render_template("people/person_form.html", event=event, form=form, registration=registration)


@bp.post("/manage/events/<slug>/registrations/<int:registration_id>/seat")
def seat_view(slug, registration_id):
    """Seat a chosen person from the waitlist now (above the limits only when asked explicitly)."""
    event = managed_event_or_404(slug)
    registration = managed_registration_or_404(event, registration_id)
    override = request.form.get("override") == "1"
    try:
        seated = seat(registration, override=override)
    except SeatRefused as exc:
        db.session.rollback()
        flash(_("Отменённую регистрацию нельзя посадить вручную.") if exc.reason == "cancelled" else
              _("Свободных мест нет (или квота муниципального образования исчерпана). Чтобы посадить "
                "сверх лимита, отметьте «сверх лимита»."), "error")
        return _back(event)
    if seated:
        log("registration.seat", event, registration, override=override)
        db.session.commit()
        notify.send_promoted(registration)
        flash(_("%(name)s получает место.", name=registration.full_name), "success")
    return _back(event)


@bp.post("/manage/events/<slug>/registrations/bulk")
def bulk(slug):
    """Approve, cancel, change role, mark badges printed or resend links for the selection."""
    event = managed_event_or_404(slug)
    form = BulkForm()
    if not form.validate_on_submit():
        flash(_("Выберите действие."), "error")
        return _back(event)
    if form.everything.data:
        query = registrations_query(event, role=request.form.get("f_role") or None,
                                    status=request.form.get("f_status") or None,
                                    q=request.form.get("f_q") or None)
        registrations = [row[0] for row in db.session.execute(query)]
    else:
        ids = [int(i) for i in form.ids.data or [] if str(i).isdigit()]
        registrations = bulk_actions.selected(event, ids)
    if not registrations:
        flash(_("Никто не выбран."), "error")
        return _back(event)
    done = bulk_actions.run(event, registrations, form.action.data, role=form.role.data, now=utcnow())
    log(f"bulk.{form.action.data}", event, count=done.count, role=form.role.data
        if form.action.data == "role" else None, ids=[r.id for r in done.changed][:1000])
    db.session.commit()
    done.notify()
    flash(_("%(action)s: %(n)s из %(m)s.", action=BULK_ACTIONS[form.action.data], n=done.count,
            m=len(registrations)), "success")
    return _back(event)


# ---------------------------------------------------------------- import

#: The kind of prepared file a previewed list is kept as until its "Import" click (in the database,
#: so the click may reach another app server; deleted after prepared.services.KEEP: personal data).
UPLOAD_KIND = "import-upload"


def _read_upload() -> tuple[bytes, str] | None:
    """The uploaded file's bytes, or None with a message flashed (too big, missing)."""
    if (request.content_length or 0) > MAX_BYTES + 64 * 1024:
        flash(_("Файл больше 10 МБ. Разделите список на части."), "error")
        return None
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Выберите файл XLSX или CSV."), "error")
        return None
    data = upload.stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        flash(_("Файл больше 10 МБ. Разделите список на части."), "error")
        return None
    return data, upload.filename


@bp.route("/manage/events/<slug>/import", methods=["GET", "POST"])
def import_list(slug):
    """Upload a delegation list; the preview shows every row's problems before anything is added."""
    event = managed_event_or_404(slug)
    allow_upload()
    form = ImportForm()
    if request.method == "POST" and form.validate_on_submit():
        upload = _read_upload()
        if upload is not None:
            data, filename = upload
            try:
                result = preview(event, data, filename)
            except (UnreadableFile, ImportRefused) as exc:
                flash(str(exc.message), "error")
            else:
                kept = prepared.keep(event.id, UPLOAD_KIND, data, filename=filename[:200],
                                     mimetype="application/octet-stream",
                                     requested_by_id=current_user.id, now=utcnow())
                db.session.commit()
                return render_template("people/import_preview.html", event=event, form=form,
                                       result=result, key=str(kept.id), filename=filename)
    return render_template("people/import.html", event=event, form=form, max_mb=MAX_BYTES // 2**20)


@bp.post("/manage/events/<slug>/import/<key>")
def import_apply(slug, key):
    """Add every previewed row in one transaction (or none), then e-mail the personal links."""
    event = managed_event_or_404(slug)
    form = ImportForm()
    kept = prepared.find(event.id, UPLOAD_KIND, int(key), utcnow()) if key.isdigit() and len(key) < 10 else None
    if not form.validate_on_submit() or kept is None or kept.data is None:
        abort(404)
    try:
        applied = apply(event, preview(event, kept.data, kept.filename), now=utcnow())
    except (UnreadableFile, ImportRefused) as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for(".import_list", slug=slug))
    log("registration.import", event, rows=len(applied.ids), links=form.send_links.data)
    db.session.delete(kept)
    db.session.commit()
    if form.send_links.data:
        send_personal_links(applied.ids)
    flash(_("Импортировано: %(n)s (мест получили %(c)s, в листе ожидания %(w)s).",
            n=len(applied.ids), c=applied.count("confirmed") + applied.count("pending"),
            w=applied.count("waitlisted")), "success")
    return redirect(url_for("manage.event", slug=slug))
