"""The consent text of an event (152-FZ): a default that matches the retention, and versions.

Every change of the text is a new stored version; a registration points at the version its
person agreed to, so the organiser can always read what exactly was accepted.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..dbtypes import utcnow
from ..events.models import Event
from ..extensions import db
from ..registration.extras import Consent, ConsentSource
from ..registration.models import Registration
from .models import ConsentText
from .retention import deadline, explicit_deadline

DEFAULT_TEXT = (
    "Я даю согласие организатору мероприятия «{title}» на обработку моих персональных данных "
    "(фамилия, имя, отчество, адрес электронной почты, телефон, муниципальное образование, "
    "организация, должность) в целях регистрации, подготовки бейджа, учёта присутствия и выдачи "
    "сертификата в соответствии с Федеральным законом от 27.07.2006 № 152-ФЗ "
    "«О персональных данных». {term} Согласие может быть отозвано в любой момент на моей личной "
    "странице участника (кнопка «Отозвать согласие и удалить мои данные») или письменным "
    "заявлением организатору."
)
TERM_DEFAULT = "Согласие действует до окончания мероприятия и 1 года после него."
TERM_UNTIL = "Согласие действует до {date} включительно."


def default_text(event: Event) -> str:
    """The Russian default text, with the event's retention term."""
    if explicit_deadline(event) is not None:
        term = TERM_UNTIL.format(date=event.local(deadline(event)).strftime("%d.%m.%Y"))
    else:
        term = TERM_DEFAULT
    return DEFAULT_TEXT.format(title=event.title, term=term)


def normalise(text: str) -> str:
    """Line ends and surrounding blanks do not make a new version."""
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n"))


def latest(event: Event) -> ConsentText | None:
    return db.session.scalar(select(ConsentText).where(ConsentText.event_id == event.id)
                             .order_by(ConsentText.version.desc()).limit(1))


def text_to_show(event: Event) -> str:
    """What the registration form shows now: the latest version, or the default."""
    current = latest(event)
    return current.text if current is not None else default_text(event)


def current_consent(event: Event) -> ConsentText:
    """The version a registration made now agrees to (the default is stored as version 1)."""
    current = latest(event)
    if current is not None:
        return current
    # Two first registrations at once: the UNIQUE (event, version) keeps one version 1.
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(ConsentText).values(
        event_id=event.id, version=1, text=default_text(event), created_at=utcnow()
    ).on_conflict_do_nothing(index_elements=["event_id", "version"]))
    stored = latest(event)
    assert stored is not None
    return stored


def save_text(event: Event, text: str | None, previous_default: str | None = None) -> ConsentText | None:
    """Store the organiser's text as a new version when it differs from the current one.

    An untouched default (`previous_default`, before the event was changed) follows the event:
    a new retention date gives a new default text.
    """
    text = normalise(text or "")
    if not text or (previous_default is not None and text == normalise(previous_default)):
        text = default_text(event)
    current = latest(event)
    if current is not None and normalise(current.text) == text:
        return None
    if current is None and text == default_text(event):
        return None  # the default is stored with the first registration
    version = (current.version if current is not None else 0) + 1
    consent = ConsentText(event_id=event.id, version=version, text=text)
    db.session.add(consent)
    db.session.flush()
    return consent


def versions(event: Event) -> list[tuple[ConsentText, int]]:
    """Every version of the event's text with how many registrations agreed to it, newest first."""
    counts: dict[int | None, int] = {
        consent_id: n for consent_id, n in db.session.execute(
            select(Registration.consent_text_id, func.count(Registration.id))
            .where(Registration.event_id == event.id).group_by(Registration.consent_text_id))}
    rows = db.session.scalars(select(ConsentText).where(ConsentText.event_id == event.id)
                              .order_by(ConsentText.version.desc()))
    return [(consent, counts.get(consent.id, 0)) for consent in rows]


def consent_of(registration: Registration) -> ConsentText | None:
    """The text this person agreed to."""
    if registration.consent_text_id is None:
        return None
    return db.session.get(ConsentText, registration.consent_text_id)


def _agreed(event: Event) -> Consent:
    # Every registration asks: the latest version's number and id, without loading its text.
    current = db.session.execute(select(ConsentText.version, ConsentText.id).where(ConsentText.event_id == event.id)
                                 .order_by(ConsentText.version.desc()).limit(1)).first() or current_consent(event)
    return Consent(str(current.version), current.id)


#: The registration form's consent: the stored versions (registration.extras).
SOURCE = ConsentSource(current=_agreed, text=text_to_show)
