"""Organiser pages: events, registrations, approvals."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..checkin.roster import event_stats, paginate_rows, registrations_query
from ..checkin.roster_exports import registrations_csv, registrations_xlsx
from ..dbtypes import utcnow
from ..events.editing import EventFields, region_choices, save_event, taken_slugs
from ..extensions import db
from ..registration import notify
from ..registration.services import NotCancellable, approve, cancel
from ..responses import download
from .forms import EventForm
from .services import events_for, managed_event_or_404, managed_registration_or_404

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
    query = registrations_query(event, role=request.args.get("role") or None,
                                status=request.args.get("status") or None,
                                q=request.args.get("q") or None)
    page = paginate_rows(query, request.args.get("page", 1, type=int), per_page=100)
    return render_template("manage/event.html", event=event, page=page,
                           stats=event_stats(event), args=request.args)


@bp.get("/manage/events/<slug>/registrations.<any(csv, xlsx):kind>")
def export(slug, kind):
    """The registration list (with the page's filters) for Excel."""
    event = managed_event_or_404(slug)
    filters = {"role": request.args.get("role") or None, "status": request.args.get("status") or None,
               "q": request.args.get("q") or None}
    body = (registrations_csv if kind == "csv" else registrations_xlsx)(event, **filters)
    return download(body, f"{slug}-registrations.{kind}")


def _fields(form: EventForm) -> EventFields:
    return EventFields(
        title=form.title.data, slug=form.slug.data, description=form.description.data or "",
        city=form.city.data, venue=form.venue.data or "", timezone=form.timezone.data,
        starts_at=form.aware_required(form.starts_at.data), ends_at=form.aware_required(form.ends_at.data),
        registration_opens=form.aware(form.registration_opens.data),
        registration_closes=form.aware(form.registration_closes.data),
        capacity=form.capacity.data, municipality_quota=form.municipality_quota.data,
        region_id=form.region_id, moderation=form.moderation.data, status=form.status.data,
    )


@bp.route("/manage/events/new", methods=["GET", "POST"])
def create_event():
    """A new event; its times are typed in the venue's time zone."""
    if current_user.role == "door":
        abort(403)
    form = EventForm(regions=region_choices(), taken_slugs=taken_slugs())
    if form.validate_on_submit():
        event = save_event(None, _fields(form), creator=current_user)
        db.session.commit()
        flash(_("Мероприятие создано."), "success")
        return redirect(url_for(".event", slug=event.slug))
    return render_template("manage/event_form.html", form=form, event=None)


@bp.route("/manage/events/<slug>/edit", methods=["GET", "POST"])
def edit_event(slug):
    """Edit an event's details, seats, quota, window and status."""
    event = managed_event_or_404(slug)
    form = EventForm(obj=event, regions=region_choices(), taken_slugs=taken_slugs(event))
    if request.method == "GET":
        for name in ("starts_at", "ends_at", "registration_opens", "registration_closes"):
            value = getattr(event, name)
            getattr(form, name).data = event.local(value).replace(tzinfo=None) if value else None
        form.region.data = str(event.region_id or "")
    if form.validate_on_submit():
        save_event(event, _fields(form))
        db.session.commit()
        flash(_("Изменения сохранены."), "success")
        return redirect(url_for(".event", slug=event.slug))
    return render_template("manage/event_form.html", form=form, event=event)


@bp.post("/manage/events/<slug>/registrations/<int:registration_id>/approve")
def approve_view(slug, registration_id):
    """Approve a pending registration (moderation)."""
    event = managed_event_or_404(slug)
    registration = managed_registration_or_404(event, registration_id)
    if approve(registration):
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
    notify.send_cancelled(registration)
    for other in promoted:
        notify.send_promoted(other)
    db.session.commit()
    flash(_("Регистрация %(name)s отменена.", name=registration.full_name), "success")
    return redirect(request.referrer or url_for(".event", slug=slug))
