"""Messages to a group: who receives them, placeholders, preview, test, sending, the delivery log."""
from __future__ import annotations

import json
import string
from dataclasses import asdict, dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..checkin.models import CheckIn
from ..dbtypes import utcnow
from ..events.models import Event, Municipality
from ..extensions import db
from ..registration.models import Registration, Role, Status
from ..registration.notify import personal_url
from . import outbox
from .letters import event_facts, message_to
from .models import FAILED, PENDING, SENDING, SENT, Broadcast, OutboundMail

MAX_SUBJECT = 200
#: A text body; far longer than any real announcement, small enough for 5,000 copies.
MAX_BODY = 20_000
#: Recipients written per transaction when a message is fanned out.
CHUNK = 500
PLACEHOLDERS = ("first_name", "last_name", "middle_name", "full_name", "personal_url",
                "event_title", "event_date", "event_time", "event_place")
STATUSES = tuple(s.value for s in Status)
ROLES = tuple(r.value for r in Role)


class MessageError(Exception):
    """The message cannot be sent as written; `message` says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NoRecipients(MessageError):
    """Nobody matches the filter."""


@dataclass(frozen=True)
class RecipientFilter:
    """Who receives a message; an empty tuple means any. Without a status: everyone not cancelled."""

    status: tuple[str, ...] = ()
    role: tuple[str, ...] = ()
    #: Municipality ids or names.
    municipality: tuple[int | str, ...] = ()
    checked_in: bool | None = None

    def to_json(self) -> str:
        return json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()
                           if v not in ((), None)}, ensure_ascii=False)

    @classmethod
    def from_json(cls, value: str) -> RecipientFilter:
        data = json.loads(value or "{}")
        return cls(tuple(data.get("status", ())), tuple(data.get("role", ())), tuple(data.get("municipality", ())),
                   data.get("checked_in"))


@dataclass(frozen=True)
class Draft:
    subject: str
    body: str
    filter: RecipientFilter = field(default_factory=RecipientFilter)


def check_placeholders(text: str) -> None:
    """Raise MessageError for an unknown placeholder or a stray brace."""
    try:
        fields = [name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None]
    except ValueError:
        raise MessageError(_("Непарная фигурная скобка. Чтобы написать саму скобку, удвойте её: {{ или }}.")) from None
    for name in fields:
        if name not in PLACEHOLDERS:
            raise MessageError(_("Неизвестная подстановка {%(name)s}. Можно: %(known)s.", name=name,
                                 known=", ".join(f"{{{p}}}" for p in PLACEHOLDERS)))


def check_draft(draft: Draft) -> None:
    """Everything about a message except its recipients; raises MessageError."""
    subject, body = draft.subject.strip(), draft.body.strip()
    if not subject:
        raise MessageError(_("Напишите тему письма."))
    if not body:
        raise MessageError(_("Напишите текст письма."))
    if len(subject) > MAX_SUBJECT:
        raise MessageError(_("Тема длиннее %(n)s символов.", n=MAX_SUBJECT))
    if len(draft.body) > MAX_BODY:
        raise MessageError(_("Текст длиннее %(n)s символов: сократите его или дайте ссылку на страницу.",
                             n=MAX_BODY))
    check_placeholders(subject)
    check_placeholders(body)


def recipients_query(event: Event, flt: RecipientFilter) -> Select:
    """The registrations a message goes to, oldest first (anonymised ones have no address)."""
    query = select(Registration).where(Registration.event_id == event.id, Registration.email != "")
    statuses = flt.status or tuple(s for s in STATUSES if s != Status.cancelled.value)
    query = query.where(Registration.status.in_(statuses))
    if flt.role:
        query = query.where(Registration.role.in_(flt.role))
    if flt.municipality:
        ids = [m for m in flt.municipality if isinstance(m, int)]
        names = [m for m in flt.municipality if isinstance(m, str)]
        query = query.where(Registration.municipality_id.in_(
            select(Municipality.id).where(Municipality.id.in_(ids) | Municipality.name.in_(names))))
    if flt.checked_in is not None:
        came = exists().where(CheckIn.registration_id == Registration.id)
        query = query.where(came if flt.checked_in else ~came)
    return query.order_by(Registration.id)


def count_recipients(event: Event, flt: RecipientFilter) -> int:
    return db.session.scalar(select(func.count()).select_from(recipients_query(event, flt).subquery())) or 0


def placeholder_values(registration: Registration, facts: dict[str, str] | None = None) -> dict[str, str]:
    """What the placeholders stand for, for one registration (`facts`: the event's, computed once)."""
    facts = facts or event_facts(registration.event)
    return {"first_name": registration.first_name, "last_name": registration.last_name,
            "middle_name": registration.middle_name or "", "full_name": registration.full_name,
            "personal_url": personal_url(registration), **{k: facts[k] for k in (
                "event_title", "event_date", "event_time", "event_place")}}


def personalise(draft: Draft, registration: Registration, facts: dict[str, str] | None = None) -> tuple[str, str]:
    """(subject, body) as this registration receives them."""
    values = placeholder_values(registration, facts)
    return draft.subject.strip().format_map(values), draft.body.strip().format_map(values) + "\n"


def preview(draft: Draft, registration: Registration):
    """The message exactly as `registration` would get it (an EmailMessage, not queued)."""
    check_draft(draft)
    subject, body = personalise(draft, registration)
    return message_to(registration, subject, body)


def send_test(event: Event, draft: Draft, registration: Registration, to: str) -> OutboundMail:
    """The message as `registration` would get it, sent to the organiser's own address."""
    msg = preview(draft, registration)
    msg.replace_header("To", to)
    return outbox.add(msg, kind="test", event_id=event.id)


def create(event: Event, draft: Draft, user_id: int | None) -> Broadcast:
    """Record the message; after the commit the queue writes one e-mail per recipient and sends them."""
    check_draft(draft)
    recipients = count_recipients(event, draft.filter)
    if not recipients:
        raise NoRecipients(_("Под выбранные условия не подходит ни один участник: письмо не отправлено."))
    broadcast = Broadcast(event_id=event.id, subject=draft.subject.strip(), body=draft.body.strip(),
                          filter_json=draft.filter.to_json(), recipients=recipients, created_by_id=user_id)
    db.session.add(broadcast)
    db.session.flush()
    broadcast_id = broadcast.id

    def start() -> None:
        from .jobs import fan_out_job

        fan_out_job(broadcast_id)

    outbox.on_commit(start)
    return broadcast


def insert_ignoring_duplicates(rows: list[dict]) -> None:
    """Insert outbound rows; one that exists already (same message to the same person) is skipped."""
    if rows:
        insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        db.session.execute(insert(OutboundMail).on_conflict_do_nothing(), rows)


def fan_out(broadcast_id: int, chunk: int = CHUNK) -> int:
    """Write the e-mails of a group message, `chunk` per commit; safe to run again after a crash."""
    broadcast = db.session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.fanned_out_at is not None:
        return 0
    draft = Draft(broadcast.subject, broadcast.body, RecipientFilter.from_json(broadcast.filter_json))
    event_id = broadcast.event_id
    not_yet = ~exists().where(OutboundMail.broadcast_id == broadcast_id,
                              OutboundMail.registration_id == Registration.id)
    written, last_id = 0, 0
    while True:
        event = db.session.get(Event, event_id)
        assert event is not None
        batch = list(db.session.scalars(recipients_query(event, draft.filter)
                                        .where(Registration.id > last_id, not_yet).limit(chunk)))
        if not batch:
            break
        rows = []
        facts = event_facts(event)
        for registration in batch:
            subject, body = personalise(draft, registration, facts)
            rows.append(outbox.row_values(message_to(registration, subject, body), kind="broadcast",
                                          event_id=event_id, registration_id=registration.id,
                                          broadcast_id=broadcast_id))
        insert_ignoring_duplicates(rows)
        last_id = batch[-1].id
        written += len(rows)
        outbox.on_commit(lambda: outbox.wake(2))
        db.session.commit()
    broadcast = db.session.get(Broadcast, broadcast_id)
    if broadcast is not None:
        broadcast.fanned_out_at = utcnow()
    db.session.commit()
    return written


def unfinished(created_before: datetime) -> list[int]:
    """Group messages whose e-mails are not all written yet, sent before `created_before`."""
    return list(db.session.scalars(select(Broadcast.id).where(
        Broadcast.fanned_out_at.is_(None), Broadcast.created_at < created_before)))


@dataclass(frozen=True)
class Delivery:
    id: int
    recipients: int
    sent: int
    failed: int
    pending: int


def delivery(broadcast: Broadcast) -> Delivery:
    """How far a group message has got: those not yet written count as pending."""
    found = outbox.counts(OutboundMail.broadcast_id == broadcast.id)
    sent, failed = found[SENT], found[FAILED]
    pending = max(broadcast.recipients - sent - failed, found[PENDING] + found[SENDING])
    return Delivery(broadcast.id, sent + failed + pending, sent, failed, pending)


def broadcasts_of(event: Event) -> list[tuple[Broadcast, Delivery]]:
    items = db.session.scalars(select(Broadcast).where(Broadcast.event_id == event.id)
                               .order_by(Broadcast.created_at.desc(), Broadcast.id.desc()))
    return [(b, delivery(b)) for b in items]


def delivery_log(broadcast: Broadcast, status: str | None = None) -> Select:
    """Each recipient's e-mail of a group message with its state, failed first."""
    query = (select(OutboundMail, Registration)
             .join(Registration, Registration.id == OutboundMail.registration_id, isouter=True)
             .where(OutboundMail.broadcast_id == broadcast.id))
    if status in (PENDING, SENT, FAILED):
        states = (PENDING, SENDING) if status == PENDING else (status,)
        query = query.where(OutboundMail.status.in_(states))
    order = (OutboundMail.status != FAILED, OutboundMail.status != PENDING, OutboundMail.id)
    return query.order_by(*order)


def resend_failed(broadcast: Broadcast) -> int:
    """Put the group message's failed e-mails back in the queue."""
    return outbox.retry_failed(broadcast_id=broadcast.id)
