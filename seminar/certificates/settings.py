"""An event's certificate settings: signatory, organisation, hours, numbering, wording, pictures."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from ..events.models import Event
from ..extensions import db
from .images import PNG, check_image
from .models import CertificateSettings
from .pdf import CertificateDesign
from .wording import check_number_pattern, check_wording

LOGO = "logo"
BACKGROUND = "background"


@dataclass(frozen=True)
class SettingsInput:
    """What the organiser typed on the settings page (pictures travel separately)."""

    organisation: str = ""
    signatory_name: str = ""
    signatory_position: str = ""
    academic_hours: int | None = None
    number_pattern: str = ""
    wording_participant: str = ""
    wording_speaker: str = ""
    wording_organiser: str = ""
    image_kind: str = LOGO


@dataclass(frozen=True)
class Pictures:
    """New picture bytes (already checked) or a request to remove one; None leaves it as it is."""

    image: bytes | None = None
    signature: bytes | None = None
    remove_image: bool = False
    remove_signature: bool = False


def settings_of(event: Event) -> CertificateSettings | None:
    """The event's saved settings, or None while the organiser has saved none."""
    return db.session.scalar(select(CertificateSettings).where(CertificateSettings.event_id == event.id))


def organiser_line(event: Event) -> str:
    """The "Организаторы: …" sentence of the event description, without the label.

    Used only until the organiser saves the issuing organisation on the settings page.
    """
    for line in re.split(r"[\r\n]+", event.description or ""):
        match = re.match(r"\s*Организатор(?:ы)?\s*[:—–-]\s*(.+)", line)
        if match:
            return match.group(1).strip().rstrip(".")
    return ""


def initial_input(event: Event) -> SettingsInput:
    """What the settings form shows: the saved values, or a start taken from the event."""
    saved = settings_of(event)
    if saved is None:
        return SettingsInput(organisation=organiser_line(event))
    return SettingsInput(
        organisation=saved.organisation, signatory_name=saved.signatory_name,
        signatory_position=saved.signatory_position, academic_hours=saved.academic_hours,
        number_pattern=saved.number_pattern, wording_participant=saved.wording_participant,
        wording_speaker=saved.wording_speaker, wording_organiser=saved.wording_organiser,
        image_kind=saved.image_kind)


def save_settings(event: Event, data: SettingsInput, pictures: Pictures = Pictures()) -> CertificateSettings:
    """Store the settings (raises WordingError / ImageRejected for what cannot be used).

    The number counter is never reset: a changed pattern numbers new certificates onwards.
    """
    pattern = check_number_pattern(data.number_pattern)
    wordings = [check_wording(w) for w in (data.wording_participant, data.wording_speaker,
                                           data.wording_organiser)]
    if pictures.image is not None:
        check_image(pictures.image)
    if pictures.signature is not None:
        check_image(pictures.signature, PNG)
    settings = settings_of(event)
    if settings is None:
        settings = CertificateSettings(event_id=event.id, last_number=0)
        db.session.add(settings)
    settings.organisation = " ".join(data.organisation.split())
    settings.signatory_name = " ".join(data.signatory_name.split())
    settings.signatory_position = " ".join(data.signatory_position.split())
    settings.academic_hours = data.academic_hours or None
    settings.number_pattern = pattern
    settings.wording_participant, settings.wording_speaker, settings.wording_organiser = wordings
    settings.image_kind = BACKGROUND if data.image_kind == BACKGROUND else LOGO
    if pictures.remove_image:
        settings.image = None
    elif pictures.image is not None:
        settings.image = pictures.image
    if pictures.remove_signature:
        settings.signature_png = None
    elif pictures.signature is not None:
        settings.signature_png = pictures.signature
    db.session.flush()
    return settings


def design_of(settings: CertificateSettings | None) -> CertificateDesign:
    """The pictures to print (loaded from the database only here)."""
    if settings is None:
        return CertificateDesign()
    image = settings.image
    return CertificateDesign(
        background=image if settings.image_kind == BACKGROUND else None,
        logo=image if settings.image_kind != BACKGROUND else None,
        signature=settings.signature_png,
    )


def has_pictures(settings: CertificateSettings | None) -> tuple[bool, bool]:
    """(an image is stored, a signature is stored), without loading the bytes."""
    if settings is None:
        return False, False
    row = db.session.execute(
        select(CertificateSettings.image.is_not(None), CertificateSettings.signature_png.is_not(None))
        .where(CertificateSettings.id == settings.id)).one()
    return bool(row[0]), bool(row[1])
