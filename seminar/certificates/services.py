"""Certificates: who may have one, issuing (idempotent, race-safe), revoking, verifying.

A registration earns a certificate once its event has ended and it was checked
in at the door. Issuing inserts with ON CONFLICT DO NOTHING on the UNIQUE
registration_id, so two requests at once end with one row and one code.
"""
from __future__ import annotations

import re
import secrets
import zipfile
from collections.abc import Callable
from datetime import datetime
from typing import IO, Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value

from ..audit.services import record
from ..checkin.models import CheckIn
from ..events.models import Event
from ..extensions import db
from ..features import features
from ..programme.models import Session, session_speaker
from ..registration.models import BADGE_ALPHABET, Registration, Role, Status, name_key
from . import wording
from .models import Certificate, CertificateSettings
from .names import dative_name, transliterate
from .pdf import CertificateData, format_city, format_dates, hours_line, render_certificates
from .settings import design_of, organiser_line, settings_of

#: 30 symbols × 28 characters ≈ 137 bits; the column holds 32.
CODE_LENGTH = 28
AVAILABLE = "available"
NOT_OVER = "not_over"
NOT_CHECKED_IN = "not_checked_in"
CANCELLED = "cancelled"
REVOKED = "revoked"
#: What /verify and the API say instead of the name once the holder's data is anonymised.
ANONYMOUS_HOLDER = "выдан участнику мероприятия"
#: The event issues certificates only to those who answered its survey.
NO_SURVEY = "no_survey"


class NoCertificate(Exception):
    """This registration has no certificate (yet); ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def new_certificate_code() -> str:
    """An opaque, unguessable code, independent of the badge code."""
    return "".join(secrets.choice(BADGE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """What a person typed from paper: spaces, dashes and case do not matter."""
    return re.sub(r"[\s\-]", "", code).upper()


def _is_over(event: Event, now: datetime) -> bool:
    return event.ends_at <= now


def certificate_of(registration: Registration) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.registration_id == registration.id))


def certificate_state(registration: Registration, now: datetime) -> str:
    """available, not_over, not_checked_in, cancelled or revoked (for the personal page)."""
    if registration.status == Status.cancelled.value:
        return CANCELLED
    if not _is_over(registration.event, now):
        return NOT_OVER
    existing = certificate_of(registration)
    if existing is not None:
        return REVOKED if existing.revoked_at else AVAILABLE
    checked_in = db.session.scalar(select(CheckIn.id).where(CheckIn.registration_id == registration.id))
    if not checked_in:
        return NOT_CHECKED_IN
    return NO_SURVEY if _waits(registration) else AVAILABLE


def eligible_query(event: Event) -> Select:
    """Registrations of the event that were checked in and not cancelled, by name."""
    return (
        select(Registration)
        .join(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.event_id == event.id, Registration.status != Status.cancelled.value)
        .order_by(Registration.last_name_key, Registration.first_name, Registration.id)
    )


def eligible(event: Event, now: datetime) -> list[Registration]:
    """Who gets a certificate: nobody before the event ends."""
    if not _is_over(event, now):
        return []
    return [r for r in db.session.scalars(eligible_query(event)) if not _waits(r)]


#: Rows per INSERT: 3 parameters each, so 3,000 parameters a statement.
INSERT_CHUNK = 1000


def _insert_missing(registration_ids: list[int], now: datetime) -> None:
    """Create certificates for these registrations unless they have one; safe under races."""
    if not registration_ids:
        return
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # Chunks keep each statement far below the parameter limits (PostgreSQL: 65,535 per statement).
    for start in range(0, len(registration_ids), INSERT_CHUNK):
        rows = [{"registration_id": rid, "code": new_certificate_code(), "issued_at": now}
                for rid in registration_ids[start:start + INSERT_CHUNK]]
        db.session.execute(insert(Certificate).values(rows).on_conflict_do_nothing(
            index_elements=["registration_id"]))


def issue(registration: Registration, now: datetime) -> Certificate:
    """The registration's certificate, created on first request; the same code every time."""
    state = certificate_state(registration, now)
    if state != AVAILABLE:
        raise NoCertificate(state)
    existing = certificate_of(registration)
    if existing is not None:
        return existing
    _insert_missing([registration.id], now)
    issued = certificate_of(registration)
    assert issued is not None
    return issued


def issue_or_existing(registration: Registration, now: datetime) -> Certificate:
    """The certificate, revoked or not, for an organiser acting on it (issued if missing)."""
    existing = certificate_of(registration)
    return existing if existing is not None else issue(registration, now)


def issue_all(event: Event, now: datetime) -> list[Certificate]:
    """Certificates of everyone eligible (issuing the missing ones), revoked ones left out."""
    people = eligible(event, now)
    _insert_missing([r.id for r in people], now)
    by_registration = {c.registration_id: c for c in db.session.scalars(
        select(Certificate).join(Registration, Registration.id == Certificate.registration_id)
        .where(Registration.event_id == event.id))}  # a join, not an IN list of thousands
    return [by_registration[r.id] for r in people if not by_registration[r.id].revoked_at]


def event_certificates(event: Event) -> list[tuple[Registration, Certificate | None]]:
    """Everyone checked in at the event with their certificate, if issued, for the organiser."""
    rows = db.session.execute(
        eligible_query(event).add_columns(Certificate)
        .outerjoin(Certificate, Certificate.registration_id == Registration.id))
    return [(registration, certificate) for registration, certificate in rows]


def certificate_counts(event: Event) -> tuple[int, int, int]:
    """Checked in (not cancelled), of them getting a certificate, and revoked: counted by the database."""
    checked_in = db.session.scalar(eligible_query(event).with_only_columns(func.count()).order_by(None)) or 0
    revoked = db.session.scalar(
        select(func.count(Certificate.id)).join(Registration, Registration.id == Certificate.registration_id)
        .join(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.event_id == event.id, Registration.status != Status.cancelled.value,
               Certificate.revoked_at.is_not(None))) or 0
    return checked_in, checked_in - revoked, revoked


def certificates_page(event: Event, page: int, per_page: int, q: str | None = None
                      ) -> list[tuple[Registration, Certificate | None]]:
    """One page of `event_certificates`, optionally by last-name prefix."""
    query = eligible_query(event).add_columns(Certificate).outerjoin(
        Certificate, Certificate.registration_id == Registration.id)
    if q and q.strip():
        query = query.where(Registration.last_name_key.like(name_key(q).replace("%", "") + "%"))
    rows = db.session.execute(query.limit(per_page).offset((max(page, 1) - 1) * per_page))
    return [(registration, certificate) for registration, certificate in rows]


def find(code: str) -> Certificate | None:
    """The certificate with this code (as typed or scanned), or None."""
    code = normalise_code(code)
    if not code or len(code) > 32:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def revoke(certificate: Certificate, now: datetime) -> None:
    """The certificate stops being valid; /verify says it was revoked."""
    if certificate.revoked_at is None:
        certificate.revoked_at = now


def restore(certificate: Certificate) -> None:
    """Undo a revocation; the certificate keeps its code."""
    certificate.revoked_at = None


def assign_numbers(settings: CertificateSettings | None, certificates: list[Certificate]) -> None:
    """Give each certificate without a number the next ones from the event's counter.

    The counter row is raised in one UPDATE (a row lock: concurrent downloads get disjoint
    ranges) and a number is written only where none is yet, so a certificate keeps its
    first number; a number lost to a race is skipped, never handed out twice.
    """
    if settings is None or not settings.number_pattern:
        return
    missing = [c for c in certificates if c.number is None]
    if not missing:
        return
    last = db.session.execute(
        update(CertificateSettings).where(CertificateSettings.id == settings.id)
        .values(last_number=CertificateSettings.last_number + len(missing))
        .returning(CertificateSettings.last_number)).scalar_one()
    set_committed_value(settings, "last_number", last)
    first = last - len(missing) + 1
    for offset, certificate in enumerate(missing):
        number = wording.format_number(settings.number_pattern, first + offset)
        written = db.session.execute(
            update(Certificate).where(Certificate.id == certificate.id, Certificate.number.is_(None))
            .values(number=number).execution_options(synchronize_session=False))
        if written.rowcount:  # type: ignore[attr-defined]
            set_committed_value(certificate, "number", number)
        else:
            db.session.refresh(certificate, ["number"])


def talks_by_speaker(event: Event) -> dict[int, list[str]]:
    """Registration id → the titles of the sessions where they speak, in programme order."""
    rows = db.session.execute(
        select(session_speaker.c.registration_id, Session.title)
        .join(Session, Session.id == session_speaker.c.session_id)
        .where(Session.event_id == event.id, Session.kind.not_in(("break", "registration")))
        .order_by(Session.starts_at, Session.position, Session.id))
    talks: dict[int, list[str]] = {}
    for registration_id, title in rows:
        talks.setdefault(registration_id, []).append(title)
    return talks


def printed_name(registration: Registration, certificate: Certificate | None = None) -> str:
    """The name after "выдан": the organiser's correction, else the dative, else as typed."""
    if certificate is not None and certificate.name_form:
        return certificate.name_form
    return (dative_name(registration.last_name, registration.first_name, registration.middle_name or "")
            or registration.full_name)


def correct_name(certificate: Certificate, name_form: str, *, actor: Any = None, ip: str | None = None) -> None:
    """Print this person's name as the organiser wrote it (empty: back to the automatic form);
    the certificate keeps its code and number, and the change goes into the audit log."""
    name_form = " ".join(name_form.split())[:400]
    automatic = printed_name(certificate.registration)
    certificate.name_form = name_form if name_form and name_form != automatic else None
    registration = certificate.registration
    record("certificate.name_form", actor=actor, event_id=registration.event_id,
           registration_id=registration.id, ip=ip,
           detail={"fields": ["name_form"], "reset": certificate.name_form is None})


def _kind(registration: Registration, talks: list[str]) -> str:
    if registration.role == Role.organiser.value:
        return wording.ORGANISER
    if talks:
        return wording.SPEAKER
    return wording.PARTICIPANT


def _own_wording(settings: CertificateSettings | None, kind: str) -> str:
    return getattr(settings, f"wording_{kind}", "") if settings is not None else ""


def _wording(own: str, kind: str, values: dict[str, str], several: bool) -> str:
    """The organiser's wording for this kind, else ours; placeholders filled."""
    if own:
        text = own
    elif kind == wording.SPEAKER and several:
        text = wording.DEFAULT_SPEAKER_PLURAL
    else:
        text = wording.DEFAULT_WORDING[kind]
    return wording.fill_wording(text, values)


def certificate_data(certificate: Certificate, verify_url: str, settings: CertificateSettings | None = None,
                     talks: list[str] | None = None) -> CertificateData:
    """What the certificate of one registration shows."""
    registration = certificate.registration
    return _compose(registration.event, registration, certificate, verify_url, settings, talks or [])


def _compose(event: Event, registration: Registration, certificate: Certificate, verify_url: str,
             settings: CertificateSettings | None, talks: list[str]) -> CertificateData:
    kind = _kind(registration, talks)
    starts_on, ends_on = event.local(event.starts_at).date(), event.local(event.ends_at).date()
    hours: float | None = settings.academic_hours if settings is not None else None
    values = {"event": event.title, "talks": wording.quoted_titles(talks),
              "dates": format_dates(starts_on, ends_on), "city": format_city(event.city or ""),
              "hours": hours_line(hours)}
    own = _own_wording(settings, kind)
    sessions, counted_hours = _attended(registration)
    hours = hours or counted_hours
    values["hours"] = hours_line(hours)
    return CertificateData(
        code=certificate.code,
        verify_url=verify_url,
        full_name=registration.full_name,
        name_line=printed_name(registration, certificate),
        kind=kind,
        wording=_wording(own, kind, values, len(talks) > 1),
        event_title=event.title,
        starts_on=starts_on,
        ends_on=ends_on,
        city=event.city or "",
        organiser=settings.organisation if settings is not None else organiser_line(event),
        issued_on=event.local(certificate.issued_at).date(),
        number=certificate.number or "",
        hours=None if "{hours}" in own else hours,
        signatory_name=settings.signatory_name if settings is not None else "",
        signatory_position=settings.signatory_position if settings is not None else "",
        sessions=sessions,
    )


def _waits(registration: Registration) -> bool:
    """Whether another feature holds the certificate back (the survey, when the event asks for it)."""
    return any(hook(registration) for hook in features().hook("certificate_waits"))


def _attended(registration: Registration) -> tuple[tuple[str, ...], float | None]:
    """The sessions attended and their academic hours, when a feature offers them (attendance)."""
    if registration.id is None:  # the settings page's sample person attended nothing
        return (), None
    for hook in features().hook("certificate_sessions"):
        listed = hook(registration)
        if listed is not None:
            return tuple(s.title for s in listed.sessions), listed.academic_hours or None
    return (), None


def _prepared(certificates: list[Certificate], verify_url: Callable[[str], str]):
    """The data of each certificate and the event's design; numbers are assigned first."""
    if not certificates:
        return [], design_of(None)
    event = certificates[0].registration.event
    settings = settings_of(event)
    assign_numbers(settings, certificates)
    talks = talks_by_speaker(event)
    data = [certificate_data(c, verify_url(c.code), settings, talks.get(c.registration_id))
            for c in certificates]
    return data, design_of(settings)


def certificates_pdf(certificates: list[Certificate], verify_url: Callable[[str], str]) -> bytes:
    """One PDF, a page per certificate; ``verify_url(code)`` gives the QR's absolute address.
    Numbers still missing are assigned: the caller commits."""
    data, design = _prepared(certificates, verify_url)
    return render_certificates(data, design)


_UNSAFE = re.compile(r"[\\/:*?\"<>|\x00-\x1f]+")


def file_stem(full_name: str) -> str:
    """A file name from a ФИО: the Cyrillic kept, characters no file system accepts removed."""
    return " ".join(_UNSAFE.sub(" ", full_name).split()).strip(" .")[:150] or "certificate"


def ascii_stem(full_name: str) -> str:
    """The ASCII fallback: Воробьёва Алёна Фёдоровна → Vorobeva_Alena_Fedorovna."""
    latin = re.sub(r"[^A-Za-z0-9.-]+", "_", transliterate(file_stem(full_name))).strip("_.")
    return latin[:150] or "certificate"


def write_zip(certificates: list[Certificate], verify_url: Callable[[str], str], out: IO[bytes]) -> int:
    """A ZIP with one PDF per person, named by ФИО (UTF-8 names); returns how many files."""
    data, design = _prepared(certificates, verify_url)
    taken: set[str] = set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for item in data:
            stem = file_stem(item.full_name)
            name, n = f"{stem}.pdf", 1
            while name.lower() in taken:
                n += 1
                name = f"{stem} ({n}).pdf"
            taken.add(name.lower())
            archive.writestr(name, render_certificates([item], design))
    return len(data)


def verification(certificate: Certificate | None) -> dict:
    """The public answer about a code: valid or not, whose, for which event, when issued."""
    if certificate is None:
        return {"valid": False, "status": "not_found", "full_name": None, "event": None, "issued_at": None}
    registration = certificate.registration
    anonymised = registration.anonymised_at is not None
    return {
        "valid": certificate.revoked_at is None,
        "status": "revoked" if certificate.revoked_at else "valid",
        # After anonymisation (152-FZ) the code still answers, without the name.
        "full_name": None if anonymised else registration.full_name,
        "issued_to": ANONYMOUS_HOLDER if anonymised else registration.full_name,
        "event": registration.event.title,
        "issued_at": certificate.issued_at.isoformat(),
        "number": certificate.number,
        "revoked_at": certificate.revoked_at.isoformat() if certificate.revoked_at else None,
    }


#: Who the settings page's preview is made out to.
SAMPLE_NAME = ("Воробьёва", "Алёна", "Фёдоровна")
SAMPLE_CODE = "PREVIEW2345678ABCDEFGHJKMNPQ"


def preview_pdf(event: Event, verify_url: Callable[[str], str], today: datetime) -> bytes:
    """A sample certificate with the event's current settings (a speaker's, if the programme has
    talks), without issuing anything or using up a number."""
    settings = settings_of(event)
    talks = min(talks_by_speaker(event).values(), key=len, default=[])
    sample = Registration(last_name=SAMPLE_NAME[0], first_name=SAMPLE_NAME[1], middle_name=SAMPLE_NAME[2],
                          role=Role.participant.value)  # transient: never added to the session
    number = ""
    if settings is not None and settings.number_pattern:
        number = wording.format_number(settings.number_pattern, settings.last_number + 1)
    certificate = Certificate(code=SAMPLE_CODE, issued_at=today, number=number)
    data = _compose(event, sample, certificate, verify_url(SAMPLE_CODE), settings, talks)
    return render_certificates([data], design_of(settings))
