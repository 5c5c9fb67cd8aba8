"""Outgoing e-mail: SMTP when SEMINAR_MAIL_URL is set, otherwise .eml files in the outbox.

A mail server that is down never loses or blocks a registration: the failure
is logged and the message is kept in <outbox>/failed/ to be sent by hand.
"""
from __future__ import annotations

import email.policy
import logging
import smtplib
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .files import private_dir, write_private

log = logging.getLogger(__name__)

#: Long lines rather than folded ones: Python folds a long Cyrillic subject into encoded
#: words in a way that loses the space between two of them ("в социальных" → "всоциальных").
POLICY = email.policy.SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class MailSettings:
    url: str | None
    sender: str
    outbox: str
    timeout: float = 10
    #: SMTP in a background thread (off in tests that read the result at once).
    background: bool = True

    @classmethod
    def from_config(cls, config) -> MailSettings:
        return cls(config.get("MAIL_URL"), config["MAIL_FROM"], config["OUTBOX_DIR"],
                   config.get("MAIL_TIMEOUT", 10), config.get("MAIL_BACKGROUND", True))


def build_message(settings: MailSettings, to: str, subject: str, body: str,
                  attachments: tuple[tuple[str, str, bytes], ...] = ()) -> EmailMessage:
    msg = EmailMessage(policy=POLICY)
    msg["From"] = settings.sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="seminar.local")
    msg.set_content(body)
    for filename, mimetype, data in attachments:
        maintype, subtype = mimetype.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def _write_eml(folder: Path, msg: EmailMessage) -> Path:
    private_dir(folder)
    # Names sort in the order the messages were written (nanoseconds), like an inbox.
    path = folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns()}-{uuid.uuid4().hex[:6]}.eml"
    return write_private(path, bytes(msg))


def _send_smtp(url: str, msg: EmailMessage, timeout: float) -> None:
    parts = urlsplit(url)
    port = parts.port or (465 if parts.scheme == "smtps" else 25)
    smtp_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    with smtp_class(parts.hostname or "127.0.0.1", port, timeout=timeout) as smtp:
        if parts.scheme == "smtp+starttls":
            smtp.starttls()
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(msg)


#: SMTP happens beside the request: a slow or hanging mail server never holds up a registration.
_sender = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mail")


def send(settings: MailSettings, to: str, subject: str, body: str,
         attachments: tuple[tuple[str, str, bytes], ...] = ()) -> None:
    """Send one message: an .eml in the outbox, or SMTP in the background."""
    msg = build_message(settings, to, subject, body, attachments)
    if not settings.url:
        _write_eml(Path(settings.outbox), msg)
    elif settings.background:
        _sender.submit(deliver, settings, msg)
    else:
        deliver(settings, msg)


def deliver(settings: MailSettings, msg: EmailMessage) -> bool:
    """SMTP now; on failure the message is logged and kept in <outbox>/failed/."""
    try:
        _send_smtp(settings.url or "", msg, settings.timeout)
        return True
    except (OSError, smtplib.SMTPException) as exc:
        kept = _write_eml(Path(settings.outbox) / "failed", msg)
        # The message id, never the address: application logs hold no personal data.
        log.error("mail %s failed (%s); kept in %s", msg["Message-ID"], _reason(exc), kept.name)
        return False


def _reason(exc: Exception) -> str:
    """Why sending failed, without the addresses some SMTP errors carry."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "recipients refused"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP {exc.smtp_code}"
    return str(exc)


def resend_failed(settings: MailSettings) -> tuple[int, int]:
    """Send the messages kept in <outbox>/failed/ again; returns (sent, still failing)."""
    import email
    from email import policy

    sent = failed = 0
    for path in sorted((Path(settings.outbox) / "failed").glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        try:
            _send_smtp(settings.url or "", msg, settings.timeout)
        except (OSError, smtplib.SMTPException) as exc:
            log.error("mail %s failed again (%s)", path.name, _reason(exc))
            failed += 1
        else:
            path.unlink()
            sent += 1
    return sent, failed
