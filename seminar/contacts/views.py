"""The participant's contacts page: the consent, the directory, scanning a badge, «мои контакты» (.vcf)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..checkin.services import decode_codes
from ..dbtypes import utcnow
from ..extensions import db, limiter
from ..registration.models import Registration, Status
from ..registration.services import get_by_token
from . import services
from .forms import ContactConsentForm, DirectorySearchForm
from .vcard import vcard_file

bp = Blueprint("contacts", __name__)

UNAVAILABLE = _l("Контакт недоступен")
MAX_FRAME_BYTES = 1024 * 1024


def _limit() -> str:
    return current_app.config.get("RATELIMIT_CONTACTS", "30 per minute")


def _by_token() -> str:
    """Rate limits count per personal link (page views and scans together): nobody pages through everyone."""
    return "contacts:" + str((request.view_args or {}).get("token", ""))


def _participant_or_404(token: str) -> Registration:
    registration = get_by_token(token)
    if registration is None or registration.status == Status.cancelled.value:
        abort(404)
    return registration


@bp.get("/r/<token>/contacts")
@limiter.shared_limit(_limit, scope="contacts", key_func=_by_token)
def page(token):
    """The consent, and for those who opted in: the directory, the badge scanner and «мои контакты»."""
    registration = _participant_or_404(token)
    consent = services.consent_of(registration)
    form = ContactConsentForm(obj=consent, consent=consent is not None and consent.active)
    directory = search = None
    if services.is_open(registration):
        search = DirectorySearchForm(request.args, municipalities=services.directory_municipalities(registration))
        search.validate()
        directory = services.directory(registration, q=search.q.data or "", municipality_id=search.municipality_id,
                                       page=search.page.data or 1)
    return render_template("contacts/page.html", registration=registration, event=registration.event,
                           form=form, consent=consent, directory=directory, search=search,
                           contacts=services.my_contacts(registration) if directory is not None else [])


@bp.post("/r/<token>/contacts/consent")
def consent(token):
    """Give, change or withdraw the consent to show one's contacts to the forum's participants."""
    registration = _participant_or_404(token)
    form = ContactConsentForm()
    if form.consent.data:
        services.opt_in(registration, services.ContactFields(
            form.show_position.data, form.show_organization.data, form.show_email.data, form.show_phone.data),
            now=utcnow())
        record("contacts.consent", actor="participant", event_id=registration.event_id,
               registration_id=registration.id, detail={"version": services.CONSENT_VERSION})
        flash(_("Ваши контакты видны участникам, которые тоже согласились ими делиться."), "success")
    else:
        services.withdraw(registration, now=utcnow())
        record("contacts.withdraw", actor="participant", event_id=registration.event_id,
               registration_id=registration.id)
        flash(_("Согласие отозвано: ваших контактов больше нет в списке участников и в файлах контактов."), "info")
    db.session.commit()
    return redirect(url_for(".page", token=token))


@bp.post("/r/<token>/contacts/scan")
@limiter.shared_limit(_limit, scope="contacts", key_func=_by_token)
def scan(token):
    """A scanned badge: the contact when both opted in, otherwise only «контакт недоступен»."""
    registration = _participant_or_404(token)
    body = request.get_json(silent=True) or {}
    code = body.get("code") if isinstance(body, dict) else None
    if not isinstance(code, str) or not 0 < len(code) <= 64:
        return jsonify({"status": "unavailable", "message": str(UNAVAILABLE)}), 404
    try:
        card = services.exchange(registration, code, now=utcnow())
    except services.ContactUnavailable:
        return jsonify({"status": "unavailable", "message": str(UNAVAILABLE)}), 404
    db.session.commit()
    return jsonify({"status": "added", "message": _("Контакт добавлен: %(name)s", name=card.full_name),
                    "contact": {"full_name": card.full_name, "municipality": card.municipality}})


@bp.post("/r/<token>/contacts/decode")
@limiter.limit("120 per minute", key_func=_by_token)
def decode(token):
    """Badge codes in one camera frame, for phones without BarcodeDetector (the door's decoder)."""
    _participant_or_404(token)
    data = request.stream.read(MAX_FRAME_BYTES + 1)
    if not data or len(data) > MAX_FRAME_BYTES:
        return jsonify({"codes": []}), 400
    try:
        return jsonify({"codes": decode_codes(data)})
    except ValueError:
        return jsonify({"codes": []}), 400


@bp.get("/r/<token>/contacts.vcf")
def vcf(token):
    """«Мои контакты» as a .vcf file for the phone's address book."""
    registration = _participant_or_404(token)
    if not services.is_open(registration):
        abort(404)
    body = vcard_file(services.my_contacts(registration), registration.event.title)
    return Response(body, mimetype="text/vcard", headers={
        "Content-Disposition": f'attachment; filename="{registration.event.slug}-contacts.vcf"'})
