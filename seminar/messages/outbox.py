"""The durable outbox: e-mail rows written with the change that causes them, sent by the queue.

- `add` puts a message in the current transaction; after the commit the queue is woken (an
  SQLAlchemy `after_commit` hook), so nothing is sent for a change that was rolled back.
- `drain` (a queue job) claims a few due rows at a time with a single UPDATE … WHERE status is
  pending, sends each and marks it sent in its own commit. Two workers never send the same row;
  a worker killed mid-send leaves a claim that expires (`lease_until`) and the row is sent then.
- A failure puts the row back with a back-off (30 s, 1 min, 2 min … at most 30 min); after
  MAIL_MAX_ATTEMPTS it is marked failed with the server's answer. The worker's periodic sweep
  picks up whatever a missed wake-up (kill -9 between commit and enqueue) left behind.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message

from flask import current_app
from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

from ..dbtypes import utcnow
from ..extensions import db
from ..mail import Letter, MailSettings, PermanentFailure, TemporaryFailure, Transport, subject_of, wire_bytes
from .models import FAILED, PENDING, SENDING, SENT, OutboundMail

log = logging.getLogger(__name__)

#: session.info keys: rows added in the open transaction, and what to do once it commits.
_ADDED = "seminar.outbox.added"
_AFTER_COMMIT = "seminar.outbox.after_commit"
#: Messages one worker claims at a time.
CLAIM = 20


# ---------------------------------------------------------------- writing

def add(msg: Message, *, kind: str, event_id: int | None = None, registration_id: int | None = None,
        broadcast_id: int | None = None, schedule_id: int | None = None) -> OutboundMail:
    """Keep `msg` in the current transaction; it is sent once the caller commits."""
    return _keep(OutboundMail(**row_values(msg, kind=kind, event_id=event_id, registration_id=registration_id,
                                           broadcast_id=broadcast_id, schedule_id=schedule_id)))


def add_unwritten(to: str, subject: str, letter: str, *, message_id: str, kind: str,
                  event_id: int | None = None, registration_id: int | None = None) -> OutboundMail:
    """Keep a letter the worker writes when it sends it (`mail.send_later`); sent once the caller commits."""
    return _keep(OutboundMail(**_new_row(message_id=message_id, recipient=to, subject=" ".join(subject.split()),
                                         raw=b"", letter=letter, kind=kind, event_id=event_id,
                                         registration_id=registration_id)))


def _keep(row: OutboundMail) -> OutboundMail:
    db.session.add(row)
    db.session.info.setdefault(_ADDED, []).append(row)
    on_commit(wake)
    return row


def _new_row(**values: object) -> dict:
    """`values` and the columns every new message starts with: pending, due now, no attempt yet."""
    now = utcnow()
    return {"status": PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now, "last_error": "",
            **values}


def row_values(msg: Message, **links: object) -> dict:
    """The columns of an outbound_mail row for `msg` (for bulk inserts too)."""
    return _new_row(message_id=str(msg["Message-ID"]).strip("<>"), recipient=str(msg["To"]),
                    subject=subject_of(msg), raw=wire_bytes(msg), **links)


def on_commit(callback: Callable[[], object]) -> None:
    """Run `callback` after the current transaction commits (never if it rolls back)."""
    callbacks = db.session.info.setdefault(_AFTER_COMMIT, [])
    if callback not in callbacks:
        callbacks.append(callback)


def _after_commit(session: Session) -> None:
    session.info.pop(_ADDED, None)
    for callback in session.info.pop(_AFTER_COMMIT, []):
        try:
            callback()
        except Exception:  # noqa: BLE001 - the rows are safe; the sweep sends them later
            log.exception("could not wake the mail queue; the periodic sweep will send the messages")


def _after_rollback(session: Session) -> None:
    session.info.pop(_ADDED, None)
    session.info.pop(_AFTER_COMMIT, None)


def commit_forgotten(exc: BaseException | None) -> None:
    """At the end of a request or command: messages queued after its last commit are committed.

    Code that commits its change and then sends the e-mail (the older pattern) still gets its
    message kept; nothing is written when the request failed.
    """
    session = db.session()
    if exc is None and session.info.get(_ADDED):
        try:
            session.commit()
        except Exception:  # noqa: BLE001
            session.rollback()
            log.exception("queued e-mail could not be saved")


def install_hooks() -> None:
    """The commit hooks on the app's sessions (idempotent: create_app runs once per app)."""
    from sqlalchemy import event

    target = db.session
    if not event.contains(target, "after_commit", _after_commit):
        event.listen(target, "after_commit", _after_commit)
        event.listen(target, "after_rollback", _after_rollback)


def wake(workers: int = 1) -> None:
    """Ask the queue to send what is due (after a commit); the sweep covers a missed call.

    One wake-up queues a drain only when none is queued and not yet started: that one will claim
    this commit's rows too. A burst of registrations then costs the queue one job per drain, not
    one per registration. `workers` > 1 (a group message) queues that many drains in any case.
    """
    from .jobs import drain_job

    if workers == 1 and not _note_drain_queued():
        return
    for _ in range(workers):
        drain_job()


#: The queue's note that a drain is queued and has not started (its time, from time.time()).
DRAIN_QUEUED = "seminar.outbox.drain-queued"
#: A note this old is not trusted (a process died between the note and its job): queue again.
NOTE_STALE_SECONDS = 60.0


def _note_drain_queued() -> bool:
    """True when the caller should queue a drain: no queued drain is noted, or its note is stale."""
    from ..queue import huey

    noted = huey.get(DRAIN_QUEUED, peek=True)
    now = time.time()
    if noted is None:
        return bool(huey.put_if_empty(DRAIN_QUEUED, now))
    if now - float(noted) < NOTE_STALE_SECONDS:
        return False
    huey.put(DRAIN_QUEUED, now)
    return True


def drain_started() -> None:
    """A drain begins: what is committed from now on needs a new wake-up (see `wake`)."""
    from ..queue import huey

    huey.get(DRAIN_QUEUED)  # reads and removes the note


# ---------------------------------------------------------------- sending

def settings() -> MailSettings:
    return MailSettings.from_config(current_app.config)


def _lease(config) -> timedelta:
    """How long a claim holds: a batch still unsent by then is presumed dead and taken over."""
    return timedelta(seconds=config.get("MAIL_TIMEOUT", 10) * 4 + 10)


def backoff(attempts: int, config) -> timedelta:
    """Wait before the next attempt: doubling from MAIL_RETRY_SECONDS, at most 30 minutes."""
    base = config.get("MAIL_RETRY_SECONDS", 30)
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 1800))


def claim(now: datetime, size: int = CLAIM) -> list[OutboundMail]:
    """Take up to `size` due messages for this worker; one UPDATE … WHERE status decides between workers.

    First the pending ones in the order they came due, then claims a killed worker left to expire.
    """
    inner = aliased(OutboundMail)
    kinds = (
        (lambda t: and_(t.status == PENDING, t.next_attempt_at <= now), inner.next_attempt_at),
        (lambda t: and_(t.status == SENDING, t.lease_until < now), inner.lease_until),
    )
    for waiting, order in kinds:
        due = select(inner.id).where(waiting(inner)).order_by(order).limit(size).with_for_update(skip_locked=True)
        ids = list(db.session.scalars(
            update(OutboundMail).where(OutboundMail.id.in_(due.scalar_subquery()), waiting(OutboundMail))
            .values(status=SENDING, lease_until=now + _lease(current_app.config), attempts=OutboundMail.attempts + 1)
            .returning(OutboundMail.id).execution_options(synchronize_session=False)))
        db.session.commit()
        if ids:
            return list(db.session.scalars(select(OutboundMail).where(OutboundMail.id.in_(ids))
                                           .order_by(OutboundMail.id)))
    return []


def release(rows: list[OutboundMail]) -> None:
    """Give back claimed messages this worker will not send now (not counted as an attempt)."""
    for row in rows:
        db.session.execute(update(OutboundMail).where(
            OutboundMail.id == row.id, OutboundMail.status == SENDING, OutboundMail.lease_until == row.lease_until)
            .values(status=PENDING, lease_until=None, attempts=OutboundMail.attempts - 1)
            .execution_options(synchronize_session=False))
    db.session.commit()


def _eml_name(row: OutboundMail) -> str:
    return f"{row.created_at:%Y%m%d-%H%M%S}-{row.id:09d}"


@dataclass
class DrainResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def _finish(row: OutboundMail, result: DrainResult, error: Exception | None, permanent: bool) -> None:
    config = current_app.config
    values: dict = {"lease_until": None}
    if error is None:
        values.update(status=SENT, sent_at=utcnow(), last_error="")
        result.sent += 1
    elif permanent or row.attempts >= config.get("MAIL_MAX_ATTEMPTS", 12):
        values.update(status=FAILED, last_error=str(error)[:500])
        result.failed += 1
        log.error("mail #%s (%s) failed after %s attempts: %s", row.id, row.kind, row.attempts, error)
    else:
        values.update(status=PENDING, last_error=str(error)[:500],
                      next_attempt_at=utcnow() + backoff(row.attempts, config))
        result.retrying += 1
        log.warning("mail #%s (%s) not sent, will retry: %s", row.id, row.kind, error)
    # Only our own claim is finished: a claim that expired and was taken over is left alone.
    db.session.execute(update(OutboundMail).where(OutboundMail.id == row.id, OutboundMail.status == SENDING,
                                                  OutboundMail.lease_until == row.lease_until)
                       .values(**values).execution_options(synchronize_session=False))
    db.session.commit()


def _writers() -> dict[str, Letter]:
    from ..features import features

    return {letter.name: letter for letter in features().hook("mail_letter")}


def _write(row: OutboundMail) -> bool:
    """Write a letter queued unwritten, under this worker's claim; False when it was dropped.

    A writer that fails (a bug, the database away) counts as a failed attempt, so the row is
    retried with the usual back-off and, in the end, shown as failed with the reason.
    """
    try:
        writer = _writers()[row.letter or ""]
        msg = writer.write(row)
    except Exception as exc:  # noqa: BLE001 - kept as the row's error, retried like a refused send
        db.session.rollback()
        log.exception("mail #%s: the letter %r could not be written", row.id, row.letter)
        raise TemporaryFailure(f"letter {row.letter!r} not written: {type(exc).__name__}") from exc
    mine = and_(OutboundMail.id == row.id, OutboundMail.status == SENDING,
                OutboundMail.lease_until == row.lease_until)
    if msg is None:
        db.session.execute(delete(OutboundMail).where(mine).execution_options(synchronize_session=False))
        db.session.commit()
        return False
    set_committed_value(row, "raw", wire_bytes(msg))
    db.session.execute(update(OutboundMail).where(mine).values(raw=row.raw, recipient=str(msg["To"]),
                                                               subject=subject_of(msg))
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return True


def drain(limit: int | None = None) -> DrainResult:
    """Send due messages until none is left (or the mail server stops answering)."""
    result = DrainResult()
    transport = Transport(settings())
    margin = timedelta(seconds=current_app.config.get("MAIL_TIMEOUT", 10) * 2)
    try:
        while limit is None or result.sent + result.failed + result.retrying < limit:
            batch = claim(utcnow())
            if not batch:
                break
            for i, row in enumerate(batch):
                lease = row.lease_until
                if lease is not None and utcnow() + margin > lease:
                    release(batch[i:])  # too little time left to send safely under this claim
                    break
                try:
                    if row.letter and not row.raw and not _write(row):
                        continue  # nothing to say any more: the row is gone
                    transport.deliver(row.raw, row.recipient, _eml_name(row))
                except TemporaryFailure as exc:
                    _finish(row, result, exc, permanent=False)
                    release(batch[i + 1:])
                    return result  # the server is down or busy: the rest waits for the next try
                except PermanentFailure as exc:
                    _finish(row, result, exc, permanent=True)
                else:
                    _finish(row, result, None, permanent=False)
            for row in batch:  # a long run keeps no rows (and their bytes) in memory
                db.session.expunge(row)
    finally:
        transport.close()
    return result


def next_due(now: datetime) -> datetime | None:
    """When the next message waiting for a retry or an expired claim comes due."""
    retry = db.session.scalar(select(func.min(OutboundMail.next_attempt_at)).where(OutboundMail.status == PENDING))
    lease = db.session.scalar(select(func.min(OutboundMail.lease_until)).where(OutboundMail.status == SENDING))
    times = [t for t in (retry, lease) if t is not None]
    return min(times) if times else None


def retry_failed(*, wake_queue: bool = True, **where: object) -> int:
    """Put failed messages back in the queue (all, or those of one broadcast/event); returns how many."""
    conditions = [OutboundMail.status == FAILED]
    conditions += [getattr(OutboundMail, column) == value for column, value in where.items()]
    result = db.session.execute(update(OutboundMail).where(*conditions).values(
        status=PENDING, attempts=0, next_attempt_at=utcnow(), last_error="")
        .execution_options(synchronize_session=False))
    if wake_queue:
        on_commit(wake)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def counts(*where) -> dict[str, int]:
    """Messages by state ({"pending", "sending", "sent", "failed"}) among rows matching `where`."""
    rows = db.session.execute(select(OutboundMail.status, func.count()).where(*where)
                              .group_by(OutboundMail.status))
    found = {status: 0 for status in (PENDING, SENDING, SENT, FAILED)}
    found.update({status: n for status, n in rows})
    return found


def forget_sent(before: datetime) -> int:
    """Drop the text of e-mails sent before `before` (personal data kept no longer than needed)."""
    result = db.session.execute(update(OutboundMail).where(
        OutboundMail.status == SENT, OutboundMail.sent_at < before, func.length(OutboundMail.raw) > 0)
        .values(raw=b"").execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def export_of(registration) -> list[dict]:
    """The e-mails queued or sent to the person, for "download my data" (the text of each while kept)."""
    rows = db.session.scalars(select(OutboundMail).where(OutboundMail.registration_id == registration.id)
                              .order_by(OutboundMail.id))
    return [{"subject": row.subject, "kind": row.kind, "status": row.status,
             "created_at": row.created_at.isoformat() if row.created_at else None,
             "sent_at": row.sent_at.isoformat() if row.sent_at else None} for row in rows]


def erase(registration_ids: list[int]) -> int:
    """Anonymisation: the e-mails to these people go (address and text); the counts stay in broadcasts."""
    if not registration_ids:
        return 0
    result = db.session.execute(delete(OutboundMail).where(OutboundMail.registration_id.in_(registration_ids)))
    return int(getattr(result, "rowcount", 0) or 0)
