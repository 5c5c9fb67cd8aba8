"""Certificates: the participant's PDF, public verification, the organiser's page."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..audit.services import record
from ..dbtypes import utcnow
from ..extensions import db
from ..links import public_url
from ..manage.services import managed_event_or_404, managed_registration_or_404
from ..registration.models import Registration
from ..registration.views import get_registration_or_404
from ..responses import pdf_response
from . import services

bp = Blueprint("certificates", __name__)

#: Why a personal link has no certificate, shown on the 404 page of certificate.pdf.
REASONS = {
    services.NOT_OVER: _l("Сертификат появится после окончания мероприятия."),
    services.NOT_CHECKED_IN: _l("Сертификат выдаётся тем, кто отметился на входе (по QR-коду бейджа). "
                                "Если вы были на мероприятии, но отметки нет, напишите организатору."),
    services.CANCELLED: _l("Регистрация отменена, поэтому сертификата нет."),
    services.REVOKED: _l("Организатор отозвал этот сертификат."),
}


def verify_url(code: str) -> str:
    """The absolute /verify address printed as the certificate's QR."""
    return public_url("certificates.verify", code=code)


@bp.get("/r/<token>/certificate.pdf")
def personal_certificate(token):
    """The participant's certificate, issued on first download; otherwise why there is none."""
    registration = get_registration_or_404(token)
    try:
        certificate = services.issue(registration, utcnow())
    except services.NoCertificate as exc:
        return render_template("certificates/unavailable.html", registration=registration,
                               event=registration.event, reason=REASONS[exc.reason]), 404
    db.session.commit()
    return pdf_response(services.certificates_pdf([certificate], verify_url),
                        f"certificate-{certificate.code[:8]}.pdf")


@bp.get("/verify/<code>")
def verify(code):
    """Public check of a certificate: valid, revoked or not found (no e-mail or phone shown)."""
    certificate = services.find(code)
    status = 200 if certificate is not None else 404
    return render_template("certificates/verify.html", certificate=certificate,
                           code=services.normalise_code(code)[:32]), status


@bp.get("/manage/events/<slug>/certificates")
@login_required
def manage_page(slug):
    """The organiser's list: who is eligible, issued and revoked certificates, bulk download."""
    event = managed_event_or_404(slug)
    checked_in, eligible, revoked = services.certificate_counts(event)
    page = max(request.args.get("page", 1, type=int), 1)
    q = request.args.get("q", "")[:100]
    rows = services.certificates_page(event, page, PER_PAGE, q)
    return render_template("certificates/manage.html", event=event, rows=rows, over=event.ends_at <= utcnow(),
                           checked_in=checked_in, eligible=eligible, revoked=revoked, q=q, page=page,
                           pages=max((checked_in + PER_PAGE - 1) // PER_PAGE, 1))


#: Rows of the certificates table per page (20,000 at once made an 18 MB page).
PER_PAGE = 100


@bp.post("/manage/events/<slug>/certificates.pdf")
@login_required
def download_all(slug):
    """All certificates of the event in one PDF (missing ones are issued now)."""
    event = managed_event_or_404(slug)
    certificates = services.issue_all(event, utcnow())
    if not certificates:
        flash(_("Сертификатов пока нет: их получают отмеченные на входе после окончания мероприятия."), "info")
        return redirect(url_for(".manage_page", slug=slug))
    data = services.certificates_pdf(certificates, verify_url)
    db.session.commit()
    return pdf_response(data, f"certificates-{event.slug}.pdf", download=True)


def _checked_in_registration(slug: str, registration_id: int) -> Registration:
    event = managed_event_or_404(slug)
    registration = managed_registration_or_404(event, registration_id)
    if services.certificate_state(registration, utcnow()) not in (services.AVAILABLE, services.REVOKED):
        abort(404)
    return registration


@bp.post("/manage/events/<slug>/certificates/<int:registration_id>/revoke")
@login_required
def revoke(slug, registration_id):
    """Revoke one certificate (issuing it first if needed): /verify then says it is not valid."""
    registration = _checked_in_registration(slug, registration_id)
    services.revoke(services.issue_or_existing(registration, utcnow()), utcnow())
    record("certificate.revoke", actor=current_user._get_current_object(), event_id=registration.event_id,
           registration_id=registration.id, ip=request.remote_addr)
    db.session.commit()
    flash(_("Сертификат %(name)s отозван.", name=registration.full_name), "success")
    return redirect(url_for(".manage_page", slug=slug, _anchor=f"r-{registration_id}"))


@bp.post("/manage/events/<slug>/certificates/<int:registration_id>/restore")
@login_required
def restore(slug, registration_id):
    """Make a revoked certificate valid again, with the same code."""
    registration = _checked_in_registration(slug, registration_id)
    services.restore(services.issue_or_existing(registration, utcnow()))
    record("certificate.restore", actor=current_user._get_current_object(), event_id=registration.event_id,
           registration_id=registration.id, ip=request.remote_addr)
    db.session.commit()
    flash(_("Сертификат %(name)s снова действителен.", name=registration.full_name), "success")
    return redirect(url_for(".manage_page", slug=slug, _anchor=f"r-{registration_id}"))


@bp.app_template_global()
def certificate_state(registration, now):
    """available / not_over / not_checked_in / cancelled / revoked, for the personal page."""
    return services.certificate_state(registration, now)
