"""Certificates: the participant's PDF, public verification, the organiser's page."""
import tempfile

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..access import managed_event_or_404, managed_registration_or_404
from ..audit.services import record
from ..dbtypes import utcnow
from ..extensions import db
from ..links import public_url
from ..prepared import services as prepared
from ..registration.models import Registration
from ..registration.views import get_registration_or_404
from ..responses import named_file, pdf_response
from ..security import allow_upload
from . import bundles, jobs, services, settings
from .forms import NameForm, SettingsForm
from .images import ImageRejected
from .pdf import first_page_png
from .wording import DEFAULT_WORDING, PLACEHOLDERS, WordingError

bp = Blueprint("certificates", __name__)

#: Why a personal link has no certificate, shown on the 404 page of certificate.pdf.
REASONS = {
    services.NOT_OVER: _l("Сертификат появится после окончания мероприятия."),
    services.NOT_CHECKED_IN: _l("Сертификат выдаётся тем, кто отметился на входе (по QR-коду бейджа). "
                                "Если вы были на мероприятии, но отметки нет, напишите организатору."),
    services.CANCELLED: _l("Регистрация отменена, поэтому сертификата нет."),
    services.REVOKED: _l("Организатор отозвал этот сертификат."),
    services.NO_SURVEY: _l("Сертификат будет доступен после того, как вы ответите на опрос участников."),
}


#: Up to this many people a ZIP is built while the organiser waits; more go to the queue.
ZIP_NOW_LIMIT = 200


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
    data = services.certificates_pdf([certificate], verify_url)
    db.session.commit()  # a number assigned on the first download is kept
    return _pdf_named(data, registration.full_name, download=False)


def _pdf_named(data: bytes, full_name: str, download: bool = True) -> Response:
    """A PDF named by the person's ФИО (Cyrillic in filename*, transliterated in filename)."""
    return named_file(data, "application/pdf", f"{services.file_stem(full_name)}.pdf",
                      f"{services.ascii_stem(full_name)}.pdf", download=download)


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
    page = min(max(request.args.get("page", 1, type=int), 1), 100_000)
    q = request.args.get("q", "")[:100]
    rows = services.certificates_page(event, page, PER_PAGE, q)
    return render_template("certificates/manage.html", event=event, rows=rows, over=event.ends_at <= utcnow(),
                           checked_in=checked_in, eligible=eligible, revoked=revoked, q=q, page=page,
                           printed_name=services.printed_name, bundle=bundles.latest_bundle(event, utcnow()),
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


@bp.post("/manage/events/<slug>/certificates.zip")
@login_required
def download_zip(slug):
    """All certificates as a ZIP of one PDF per person, each named by ФИО; a large event's ZIP
    is built by the queue and offered on the certificates page when ready."""
    event = managed_event_or_404(slug)
    certificates = services.issue_all(event, utcnow())
    if not certificates:
        flash(_("Сертификатов пока нет: их получают отмеченные на входе после окончания мероприятия."), "info")
        return redirect(url_for(".manage_page", slug=slug))
    if len(certificates) > current_app.config.get("CERTIFICATES_ZIP_NOW_LIMIT", ZIP_NOW_LIMIT):
        asked = bundles.request_bundle(event, len(certificates), current_user.id, utcnow())
        db.session.commit()
        if asked.created:
            jobs.build_certificate_zip(asked.file.id)
            flash(_("Архив из %(n)s сертификатов готовится; ссылка на него появится на этой странице.",
                    n=len(certificates)), "info")
        else:
            flash(_("Архив уже готовится, второй раз его собирать не нужно: ссылка появится на этой странице."),
                  "info")
        return redirect(url_for(".manage_page", slug=slug))
    # Large events spill to disk, not memory; send_file closes the file once it is sent.
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 2**20)  # noqa: SIM115
    services.write_zip(certificates, verify_url, spool)
    db.session.commit()
    spool.seek(0)
    return named_file(spool, "application/zip", f"Сертификаты {event.slug}.zip",
                      f"certificates-{event.slug}.zip")


@bp.get("/manage/events/<slug>/certificates/bundle.zip")
@login_required
def download_bundle(slug):
    """The ZIP the queue built for this event."""
    event = managed_event_or_404(slug)
    bundle = bundles.latest_bundle(event, utcnow())
    if bundle is None or bundle.status != prepared.READY:
        abort(404)
    return named_file(prepared.opened(bundle), "application/zip", f"Сертификаты {event.slug}.zip",
                      f"certificates-{event.slug}.zip", size=bundle.size)


@bp.route("/manage/events/<slug>/certificates/<int:registration_id>/name", methods=["GET", "POST"])
@login_required
def correct_name(slug, registration_id):
    """Print one person's name as the organiser corrected it; code and number stay."""
    registration = _checked_in_registration(slug, registration_id)
    existing = services.certificate_of(registration)
    form = NameForm(data=None if request.method == "POST" else
                    {"name_form": services.printed_name(registration, existing)})
    if form.validate_on_submit():
        certificate = services.issue_or_existing(registration, utcnow())
        services.correct_name(certificate, form.name_form.data or "", actor=current_user, ip=request.remote_addr)
        db.session.commit()
        flash(_("Имя в сертификате сохранено: %(name)s.", name=services.printed_name(registration, certificate)),
              "success")
        return redirect(url_for(".manage_page", slug=slug, _anchor=f"r-{registration_id}"))
    return render_template("certificates/name.html", event=registration.event, registration=registration,
                           form=form, automatic=services.printed_name(registration))


@bp.route("/manage/events/<slug>/certificates/settings", methods=["GET", "POST"])
@login_required
def settings_page(slug):
    """The event's certificate settings: organisation, signatory, hours, number, wording, pictures."""
    event = managed_event_or_404(slug)
    allow_upload()
    saved = settings.settings_of(event)
    form = SettingsForm(data=None if request.method == "POST" else vars(settings.initial_input(event)))
    if form.validate_on_submit():
        try:
            settings.save_settings(event, form.to_input(), form.pictures())
        except (WordingError, ImageRejected) as exc:
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            flash(_("Настройки сертификатов сохранены."), "success")
            return redirect(url_for(".settings_page", slug=slug))
    elif form.errors:
        flash(_("Проверьте поля, отмеченные красным: ничего не сохранено."), "error")
    image, signature = settings.has_pictures(saved)
    return render_template("certificates/settings.html", event=event, form=form, saved=saved,
                           has_image=image, has_signature=signature, defaults=DEFAULT_WORDING,
                           placeholders=PLACEHOLDERS, stamp=int(saved.updated_at.timestamp()) if saved else 0)


@bp.get("/manage/events/<slug>/certificates/preview.<any(png, pdf):fmt>")
@login_required
def preview(slug, fmt):
    """A sample certificate with the current settings, as a picture or a PDF."""
    event = managed_event_or_404(slug)
    data = services.preview_pdf(event, verify_url, utcnow())
    if fmt == "pdf":
        return pdf_response(data, f"preview-{event.slug}.pdf")
    response = Response(first_page_png(data), mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-store"
    return response


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
