"""Organiser pages: events, registrations, approvals."""
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access import managed_event_or_404, managed_registration_or_404
from ..audit.web import record_action as _log
from ..checkin.roster import count_rows, event_counts, paginate_rows, registrations_query
from ..checkin.roster_exports import registrations_csv_chunks, registrations_xlsx_file
from ..dbtypes import utcnow
from ..events.editing import EventFields, region_choices, save_event, taken_slugs
from ..extensions import db
from ..people.services import Limits, change_limits
from ..prepared import services as prepared
from ..privacy import consent
from ..questions.services import answer_columns
from ..registration import notify
from ..registration.services import NotCancellable, approve, cancel
from ..responses import XLSX_MIMETYPE, download, download_stream, file_chunks
from . import jobs
from .cloning import clone_event
from .forms import CloneForm, EventForm
from .services import events_for, roster_filters

bp = Blueprint("manage", __name__)


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
    query = registrations_query(event, **_filters(event))
    page = paginate_rows(query, request.args.get("page", 1, type=int), per_page=100)
    answer_headers, answers = answer_columns(event, [r.id for r, _at in page.items])
    return render_template("manage/event.html", event=event, page=page,
                           stats=event_counts(event), args=request.args,
                           answer_headers=answer_headers, answers=answers)


def _filter_args() -> dict:
    """The table's filters from the query string, as plain values (a queue job can take them)."""
    return {"role": request.args.get("role") or None, "status": request.args.get("status") or None,
            "q": request.args.get("q") or None,
            "municipality_id": request.args.get("municipality", type=int) or None,
            "answer": request.args.get("answer") or None}


def _filters(event) -> dict:
    """The table's filters: role, status, search, municipality, an answer to a question."""
    return roster_filters(event, _filter_args())


@bp.get("/manage/events/<slug>/registrations.<any(csv, xlsx):kind>")
def export(slug, kind):
    """The registration list (with the page's filters) for Excel."""
    event = managed_event_or_404(slug)
    plain = _filter_args()
    filters = roster_filters(event, plain)
    # The search text may be a name: the log only notes that there was one.
    _log(f"export.{kind}", event, filters={k: v for k, v in plain.items() if v and k != "q"},
         search=bool(plain["q"]))
    db.session.commit()
    name = f"{slug}-registrations.{kind}"
    if kind == "csv":
        return download_stream(registrations_csv_chunks(event, **filters), name)
    if count_rows(registrations_query(event, **filters)) > jobs.INLINE_XLSX_ROWS:
        # A second click (or a colleague) asking for the same list while it builds waits for that file.
        asked = prepared.request_once(event.id, jobs.KIND, plain, filename=name, mimetype=XLSX_MIMETYPE,
                                      requested_by_id=current_user.id, now=utcnow())
        db.session.commit()
        if asked.created:
            jobs.build_registrations_xlsx(asked.file.id, plain)
        return redirect(url_for(".prepared_export", slug=slug, file_id=asked.file.id))
    return download_stream(file_chunks(registrations_xlsx_file(event, **filters)), name)


@bp.get("/manage/events/<slug>/exports/<int:file_id>")
def prepared_export(slug, file_id):
    """A big XLSX export: the file once the queue has built it, a waiting page until then."""
    event = managed_event_or_404(slug)
    file = prepared.find(event.id, jobs.KIND, file_id, utcnow())
    if file is None:
        abort(404)
    if file.status == prepared.FAILED:
        return render_template("manage/export_waiting.html", event=event, failed=True)
    if file.status != prepared.READY:
        return render_template("manage/export_waiting.html", event=event, failed=False), 202, {"Refresh": "2"}
    return download(prepared.opened(file), file.filename, size=file.size)


def _fields(form: EventForm) -> EventFields:
    return EventFields(
        title=form.title.data, slug=form.slug.data, description=form.description.data or "",
        city=form.city.data, venue=form.venue.data or "", timezone=form.timezone.data,
        starts_at=form.aware_required(form.starts_at.data), ends_at=form.aware_required(form.ends_at.data),
        registration_opens=form.aware(form.registration_opens.data),
        registration_closes=form.aware(form.registration_closes.data),
        capacity=form.capacity.data, municipality_quota=form.municipality_quota.data,
        region_id=form.region_id, moderation=form.moderation.data, status=form.status.data,
        retain_personal_data_until=form.retention_deadline(),
        confirm_email_hours=form.confirm_email_hours.data,
    )


@bp.route("/manage/events/new", methods=["GET", "POST"])
def create_event():
    """A new event; its times are typed in the venue's time zone."""
    if not current_user.can_create_events:
        abort(403)
    form = EventForm(regions=region_choices(), taken_slugs=taken_slugs())
    if form.validate_on_submit():
        event = save_event(None, _fields(form), creator=current_user)
        consent.save_text(event, form.consent_text.data)
        db.session.commit()
        flash(_("Мероприятие создано."), "success")
        return redirect(url_for(".event", slug=event.slug))
    return render_template("manage/event_form.html", form=form, event=None)


@bp.route("/manage/events/<slug>/edit", methods=["GET", "POST"])
def edit_event(slug):
    """Edit an event's details, seats, quota, window and status."""
    event = managed_event_or_404(slug)
    form = EventForm(obj=event, regions=region_choices(), taken_slugs=taken_slugs(event),
                     may_publish=current_user.can_create_events or event.is_published)
    if request.method == "GET":
        for name in ("starts_at", "ends_at", "registration_opens", "registration_closes"):
            value = getattr(event, name)
            getattr(form, name).data = event.local(value).replace(tzinfo=None) if value else None
        form.region.data = str(event.region_id or "")
        until = event.retain_personal_data_until
        form.retain_personal_data_until.data = event.local(until).date() if until else None
        form.consent_text.data = consent.text_to_show(event)
    if form.validate_on_submit():
        previous_default = consent.default_text(event)
        save_event(event, _fields(form))
        consent.save_text(event, form.consent_text.data, previous_default)
        # A raised capacity or quota seats the waitlist at once; a lowered one unseats nobody.
        outcome = change_limits(event, Limits())
        for other in outcome.promoted:
            _log("registration.promote", event, other)
        db.session.commit()
        for other in outcome.promoted:
            notify.send_promoted(other)
        flash(_("Изменения сохранены."), "success")
        if outcome.promoted:
            flash(_("Из листа ожидания получили место: %(n)s.", n=len(outcome.promoted)), "success")
        if outcome.over_capacity:
            flash(_("Подтверждённых участников на %(n)s больше, чем мест: никто не теряет место, "
                    "новые регистрации пойдут в лист ожидания.", n=outcome.over_capacity), "info")
        return redirect(url_for(".event", slug=event.slug))
    return render_template("manage/event_form.html", form=form, event=event)


@bp.post("/manage/events/<slug>/registrations/<int:registration_id>/approve")
def approve_view(slug, registration_id):
    """Approve a pending registration (moderation)."""
    event = managed_event_or_404(slug)
    registration = managed_registration_or_404(event, registration_id)
    if approve(registration):
        _log("registration.approve", event, registration)
        notify.send_approved(registration)
        db.session.commit()
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
    _log("registration.cancel", event, registration)
    for other in promoted:
        _log("registration.promote", event, other)
    notify.send_cancelled(registration)
    for other in promoted:
        notify.send_promoted(other)
    db.session.commit()
    flash(_("Регистрация %(name)s отменена.", name=registration.full_name), "success")
    return redirect(request.referrer or url_for(".event", slug=slug))


@bp.route("/manage/events/<slug>/clone", methods=["GET", "POST"])
def clone_event_view(slug):
    """Next year's forum: a draft copy with the settings, rooms and programme, without people."""
    event = managed_event_or_404(slug)
    if current_user.role == "door":
        abort(403)
    start = event.local(event.starts_at)
    form = CloneForm(taken_slugs=taken_slugs(), data=None if request.method == "POST" else {
        "title": event.title, "slug": f"{event.slug}-copy",
        "starts_on": start.date().replace(year=start.year + 1) if not (start.month == 2 and start.day == 29)
        else start.date() + timedelta(days=365)})
    if form.validate_on_submit():
        copy = clone_event(event, slug=form.slug.data, title=form.title.data, starts_on=form.starts_on.data,
                           creator=current_user)
        _log("event.clone", copy, source_event_id=event.id)
        db.session.commit()
        flash(_("Копия создана как черновик: проверьте даты и опубликуйте."), "success")
        return redirect(url_for(".edit_event", slug=copy.slug))
    return render_template("manage/clone.html", event=event, form=form)
