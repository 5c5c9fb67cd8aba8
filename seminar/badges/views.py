"""Badge PDFs: a participant's own, a single reprint at the desk, and bulk sheets."""
from dataclasses import asdict

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access import managed_event_or_404, managed_registration_or_404
from ..dbtypes import utcnow
from ..events.services import municipality_choices
from ..extensions import db
from ..prepared import services as prepared
from ..registration.models import Status
from ..registration.views import get_registration_or_404
from ..responses import pdf_response
from ..security import MAX_ID
from . import jobs
from .forms import BulkBadgesForm
from .render import group_code as render_group_code
from .services import (
    BadgeBatch,
    badges_count,
    badges_pdf,
    badges_to_print,
    badges_to_print_count,
    mark_printed,
    qr_svg,
    regenerate_badge_code,
)

bp = Blueprint("badges", __name__)


@bp.get("/r/<token>/badge.pdf")
def personal_badge(token):
    """The participant's own badge, one per page (for a confirmed registration)."""
    registration = get_registration_or_404(token)
    if registration.status != Status.confirmed.value:
        abort(404)
    return pdf_response(badges_pdf([registration], "single"), f"badge-{registration.id}.pdf")


#: Up to this many badges the bulk sheet is drawn in the request itself: about 0.2 s, and a
#: 120-person forum gets its PDF in one click without waiting for the queue (or needing it to
#: run). A bigger batch goes through the queue, which keeps the web worker small and the door's
#: scans on the same server fast; the page then shows its progress and the download.
INLINE_BADGES = 200


@bp.route("/manage/events/<slug>/badges", methods=["GET", "POST"])
@login_required
def bulk(slug):
    """Bulk badge sheets: layout, order, filters; optionally mark the batch printed."""
    event = managed_event_or_404(slug)
    form = BulkBadgesForm(municipalities=municipality_choices(event))
    if form.validate_on_submit():
        batch = BadgeBatch(layout=form.layout.data, sort=form.sort.data, role=form.role.data or None,
                           municipality_id=form.municipality_id, not_printed=form.not_printed.data,
                           mark_printed=form.mark_printed.data)
        count = badges_to_print_count(event, **batch.filters())
        if not count:
            flash(_("Под эти условия не попал ни один подтверждённый участник."), "info")
        elif count <= INLINE_BADGES:
            return _badges_now(event, batch)
        else:
            return _badges_later(event, batch, count)
    file = _shown_file(event)
    if not form.is_submitted() and (asked := prepared.options_of(file)):
        form.fill(BadgeBatch(**asked))  # the options of the sheet shown above the form
    preparing = file is not None and file.status in (prepared.QUEUED, prepared.RUNNING)
    return render_template("badges/bulk.html", event=event, form=form, count=badges_count(event),
                           not_printed=badges_count(event, not_printed=True), file=file,
                           preparing=preparing, inline_badges=INLINE_BADGES)


def _badges_later(event, batch: BadgeBatch, count: int):
    """A big batch goes to the queue, once: the same options while their sheet is still being
    built (a second click, a reload, a colleague) lead to that sheet's progress."""
    asked = prepared.request_once(event.id, jobs.KIND, asdict(batch), filename=f"badges-{event.slug}.pdf",
                                  mimetype="application/pdf", requested_by_id=current_user.id,
                                  now=utcnow(), total=count)
    db.session.commit()
    if asked.created:
        jobs.build_badges_pdf(asked.file.id, asdict(batch))
        flash(_("Бейджей много (%(n)s): файл готовится в фоне, ссылка появится на этой странице.",
                n=count), "info")
    else:
        flash(_("PDF с этими же условиями уже готовится — ниже видно, сколько собрано. "
                "Запускать его второй раз не нужно."), "info")
    return redirect(url_for(".bulk", slug=event.slug, file=asked.file.id))


def _shown_file(event):
    """The sheet the page shows: the one asked for in `?file=` (just queued or joined), else the newest."""
    file_id = request.args.get("file", type=int)
    now = utcnow()
    asked = prepared.find(event.id, jobs.KIND, file_id, now) if file_id and 0 < file_id <= MAX_ID else None
    return asked or prepared.latest(event.id, jobs.KIND, now)


def _badges_now(event, batch: BadgeBatch):
    """A small batch's PDF straight in the answer."""
    registrations = badges_to_print(event, **batch.filters())
    data = badges_pdf(registrations, batch.layout)
    if batch.mark_printed:
        mark_printed([r.id for r in registrations], utcnow())
        db.session.commit()
    return pdf_response(data, f"badges-{event.slug}.pdf", download=True)


@bp.get("/manage/events/<slug>/badges/prepared/<int:file_id>.pdf")
@login_required
def prepared_badges(slug, file_id):
    """A bulk sheet the queue has built."""
    event = managed_event_or_404(slug)
    file = prepared.find(event.id, jobs.KIND, file_id, utcnow())
    if file is None or file.status != prepared.READY:
        abort(404)
    return pdf_response(prepared.opened(file), file.filename, download=True, size=file.size)


@bp.get("/manage/events/<slug>/registrations/<int:registration_id>/badge.pdf")
@login_required
def reprint(slug, registration_id):
    """Reprint one badge at the desk."""
    event = managed_event_or_404(slug)
    registration = managed_registration_or_404(event, registration_id)
    return pdf_response(badges_pdf([registration], "single"), f"badge-{registration.id}.pdf")


@bp.post("/manage/events/<slug>/registrations/<int:registration_id>/badge-code")
@login_required
def new_code(slug, registration_id):
    """Give a lost badge a new code; the old one answers 'unknown' at the door."""
    event = managed_event_or_404(slug)
    registration = managed_registration_or_404(event, registration_id)
    regenerate_badge_code(registration)
    db.session.commit()
    flash(_("Новый код бейджа для %(name)s. Старый бейдж больше не действует: напечатайте новый.",
            name=registration.full_name), "success")
    return redirect(request.referrer or url_for("manage.event", slug=slug))


@bp.app_template_global()
def badge_qr_svg(code: str):
    """Inline SVG of a badge QR for the personal page."""
    from markupsafe import Markup

    return Markup(qr_svg(code))


@bp.app_template_filter()
def group_code(code: str) -> str:
    """7KQ2 M9XH …: easier to read out and type at the door."""
    return render_group_code(code)
