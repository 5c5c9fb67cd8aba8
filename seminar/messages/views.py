"""The organiser's messages page: the queue's state, scheduled messages, writing to a group, delivery logs."""
from __future__ import annotations

import base64

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..access import managed_event_or_404
from ..checkin.roster import paginate_rows
from ..dbtypes import utcnow
from ..events.models import Event, Municipality
from ..extensions import db
from ..mail import parsed
from ..templating import ROLE_LABELS, STATUS_LABELS
from . import broadcasts, outbox, schedules
from .broadcasts import Draft, MessageError, RecipientFilter
from .forms import MessageForm, ScheduleForm
from .models import Broadcast, OutboundMail

bp = Blueprint("messages", __name__)
#: Recipients offered in the preview's select.
PREVIEW_CHOICES = 200


@bp.before_request
@login_required
def require_login():
    """Every page here needs a signed-in staff account."""


def queue_state(event: Event) -> dict[str, int]:
    """The event's e-mail waiting to go out and failed (for the event card and this page)."""
    found = outbox.counts(OutboundMail.event_id == event.id)
    return {"pending": found["pending"] + found["sending"], "failed": found["failed"], "sent": found["sent"]}


@bp.get("/manage/events/<slug>/messages/")
def index(slug):
    """The queue's state, the scheduled messages with their next time, the messages sent to groups."""
    event = managed_event_or_404(slug)
    views = schedules.views_of(event, utcnow())
    db.session.commit()  # the default schedules, created on first sight
    forms = {v.schedule.kind: ScheduleForm(prefix=v.schedule.kind, obj=v.schedule) for v in views}
    return render_template("messages/index.html", event=event, state=queue_state(event), schedules=views,
                           schedule_forms=forms, sent=broadcasts.broadcasts_of(event))


@bp.post("/manage/events/<slug>/messages/schedules/<kind>")
def schedule_update(slug, kind):
    """Switch a scheduled message off or on, or move it."""
    event = managed_event_or_404(slug)
    schedule = next((s for s in schedules.schedules_of(event) if s.kind == kind), None)
    if schedule is None:
        abort(404)
    form = ScheduleForm(prefix=kind)
    if form.validate_on_submit():
        schedules.update_schedule(schedule, form.enabled.data, form.offset_hours.data)
        db.session.commit()
        flash(_("Расписание сохранено."), "success")
    else:
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
    return redirect(url_for(".index", slug=slug))


@bp.post("/manage/events/<slug>/messages/retry")
def retry_all(slug):
    """Send the event's failed e-mails again."""
    event = managed_event_or_404(slug)
    n = outbox.retry_failed(event_id=event.id)
    db.session.commit()
    flash(_("Снова в очереди писем: %(n)s.", n=n), "success")
    return redirect(url_for(".index", slug=slug))


def _filter(form: MessageForm) -> RecipientFilter:
    came = {"yes": True, "no": False}.get(form.checked_in.data or "")
    return RecipientFilter(tuple(form.status.data or ()), tuple(form.role.data or ()),
                           tuple(form.municipality.data or ()), came)


def _municipalities(event: Event) -> list[Municipality]:
    from ..registration.models import Registration

    used = select(Registration.municipality_id).where(Registration.event_id == event.id)
    return list(db.session.scalars(select(Municipality).where(Municipality.id.in_(used)).order_by(Municipality.name)))


@bp.route("/manage/events/<slug>/messages/new", methods=["GET", "POST"])
def compose(slug):
    """Write to a group: filter, count, preview as one person, test to yourself, send."""
    event = managed_event_or_404(slug)
    form = MessageForm(status_labels=STATUS_LABELS, role_labels=ROLE_LABELS, municipalities=_municipalities(event))
    if request.method == "GET":
        form.status.data = ["confirmed"]
    flt = _filter(form)
    draft = Draft(form.subject.data or "", form.body.data or "", flt)
    people = list(db.session.scalars(broadcasts.recipients_query(event, flt).limit(PREVIEW_CHOICES)))
    form.preview_as.choices = [(r.id, f"{r.full_name} <{r.email}>") for r in people]
    chosen = next((r for r in people if r.id == form.preview_as.data), people[0] if people else None)
    count = broadcasts.count_recipients(event, flt)
    preview, error = None, None
    if form.validate_on_submit():
        action = request.form.get("action", "preview")
        try:
            if action == "send":
                broadcast = broadcasts.create(event, draft, current_user.id)
                db.session.commit()
                flash(_("Письмо поставлено в очередь: получателей %(n)s.", n=broadcast.recipients), "success")
                return redirect(url_for(".log", slug=slug, broadcast_id=broadcast.id))
            if chosen is None:
                raise broadcasts.NoRecipients(_("Под выбранные условия не подходит ни один участник."))
            preview = broadcasts.preview(draft, chosen)
            if action == "test":
                broadcasts.send_test(event, draft, chosen, current_user.email)
                db.session.commit()
                flash(_("Пробное письмо отправлено на %(email)s.", email=current_user.email), "success")
        except MessageError as exc:
            error = exc.message
    return render_template("messages/compose.html", event=event, form=form, count=count, error=error,
                           preview=_preview_parts(preview), chosen=chosen)


def _preview_parts(msg) -> dict | None:
    if msg is None:
        return None
    msg = parsed(msg)
    html = msg.get_body(preferencelist=("html",)).get_content()
    for part in msg.walk():  # inline images shown in the page, as a mail client would
        if part["Content-ID"]:
            data = base64.b64encode(part.get_content()).decode()
            uri = f"data:{part.get_content_type()};base64,{data}"
            html = html.replace(f"cid:{part['Content-ID'].strip('<>')}", uri)
    return {"subject": str(msg["Subject"]), "to": str(msg["To"]),
            "text": msg.get_body(preferencelist=("plain",)).get_content(), "html": html}


def _broadcast_or_404(event: Event, broadcast_id: int) -> Broadcast:
    broadcast = db.session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.event_id != event.id:
        abort(404)
    return broadcast


@bp.get("/manage/events/<slug>/messages/<int:broadcast_id>")
def log(slug, broadcast_id):
    """The delivery log of a group message: sent, failed with the reason, pending."""
    event = managed_event_or_404(slug)
    broadcast = _broadcast_or_404(event, broadcast_id)
    status = request.args.get("status") or None
    page = paginate_rows(broadcasts.delivery_log(broadcast, status), request.args.get("page", 1, type=int),
                         per_page=100)
    return render_template("messages/log.html", event=event, broadcast=broadcast,
                           delivery=broadcasts.delivery(broadcast), page=page, status=status)


@bp.post("/manage/events/<slug>/messages/<int:broadcast_id>/resend")
def resend(slug, broadcast_id):
    """Send the failed e-mails of a group message again."""
    event = managed_event_or_404(slug)
    n = broadcasts.resend_failed(_broadcast_or_404(event, broadcast_id))
    db.session.commit()
    flash(_("Снова в очереди писем: %(n)s.", n=n), "success")
    return redirect(url_for(".log", slug=slug, broadcast_id=broadcast_id))


