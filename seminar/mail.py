"""Outgoing e-mail: SMTP when SEMINAR_MAIL_URL is set, otherwise .eml files in the outbox.

A mail server that is down never loses or blocks a registration: the failure
is logged and the message is kept in <outbox>/failed/ to be sent by hand.
"""
from __future__ import annotations

import logging
import smtplib
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailSettings:
    url: str | None
    sender: str
    outbox: str
    timeout: float = 10

    @classmethod
    def from_config(cls, config) -> "MailSettings":
        return cls(config.get("MAIL_URL"), config["MAIL_FROM"], config["OUTBOX_DIR"],
                   config.get("MAIL_TIMEOUT", 10))


def build_message(settings: MailSettings, to: str, subject: str, body: str,
                  attachments: tuple[tuple[str, str, bytes], ...] = ()) -> EmailMessage:
    msg = EmailMessage()
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
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(msg))
    return path


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


def send(settings: MailSettings, to: str, subject: str, body: str,
         attachments: tuple[tuple[str, str, bytes], ...] = ()) -> bool:
    """Send one message; True when it left (or was written to the outbox)."""
    msg = build_message(settings, to, subject, body, attachments)
    if not settings.url:
        _write_eml(Path(settings.outbox), msg)
        return True
    try:
        _send_smtp(settings.url, msg, settings.timeout)
        return True
    except (OSError, smtplib.SMTPException) as exc:
        kept = _write_eml(Path(settings.outbox) / "failed", msg)
        log.error("mail to %s failed (%s); kept in %s", to, exc, kept)
        return False
