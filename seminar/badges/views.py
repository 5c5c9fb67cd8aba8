"""Badge PDFs: a participant's own, a single reprint at the desk, and bulk sheets."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..access import managed_event_or_404, managed_registration_or_404
from ..dbtypes import utcnow
from ..events.services import municipality_choices
from ..extensions import db
from ..registration.models import Status
from ..registration.views import get_registration_or_404
from ..responses import pdf_response
from .forms import BulkBadgesForm
from .render import group_code as render_group_code
from .services import badges_count, badges_pdf, badges_to_print, mark_printed, qr_svg, regenerate_badge_code

bp = Blueprint("badges", __name__)


@bp.get("/r/<token>/badge.pdf")
def personal_badge(token):
    """The participant's own badge, one per page (for a confirmed registration)."""
    registration = get_registration_or_404(token)
    if registration.status != Status.confirmed.value:
        abort(404)
    return pdf_response(badges_pdf([registration], "single"), f"badge-{registration.id}.pdf")


@bp.route("/manage/events/<slug>/badges", methods=["GET", "POST"])
@login_required
def bulk(slug):
    """Bulk badge sheets: layout, order, filters; optionally mark the batch printed."""
    event = managed_event_or_404(slug)
    form = BulkBadgesForm(municipalities=municipality_choices(event))
    if form.validate_on_submit():
        registrations = badges_to_print(event, sort=form.sort.data, role=form.role.data or None,
                                        municipality_id=form.municipality_id,
                                        not_printed=form.not_printed.data)
        if not registrations:
            flash(_("Под эти условия не попал ни один подтверждённый участник."), "info")
            return render_template("badges/bulk.html", event=event, form=form, count=None)
        data = badges_pdf(registrations, form.layout.data)
        if form.mark_printed.data:
            mark_printed(registrations, utcnow())
            db.session.commit()
        return pdf_response(data, f"badges-{event.slug}.pdf", download=True)
    count = badges_count(event)
    not_printed = badges_count(event, not_printed=True)
    return render_template("badges/bulk.html", event=event, form=form, count=count,
                           not_printed=not_printed)


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
