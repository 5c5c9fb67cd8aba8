"""Outgoing e-mail: messages are built here and kept in the database until a queue worker sends them.

`send(...)` adds one `outbound_mail` row to the current transaction and returns at once: the
caller's commit makes the message durable, and after the commit the queue is woken to send it
(see seminar/messages/outbox.py). The transport is SMTP when SEMINAR_MAIL_URL is set, otherwise
an .eml file per message in the outbox folder.
"""
from __future__ import annotations

import base64
import email.policy
import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from .messages.models import OutboundMail

POLICY = email.policy.SMTP
#: RFC 2047: an encoded word is at most 75 characters, a line holding one at most 76.
ENCODED_WORD_MAX = 75
_LINE_MAX = 76
_PREFIX, _SUFFIX = "=?utf-8?b?", "?="


@dataclass(frozen=True)
class MailSettings:
    url: str | None
    sender: str
    outbox: str
    timeout: float = 10

    @classmethod
    def from_config(cls, config) -> MailSettings:
        return cls(config.get("MAIL_URL"), config["MAIL_FROM"], config["OUTBOX_DIR"],
                   config.get("MAIL_TIMEOUT", 10))


@dataclass(frozen=True)
class Attachment:
    filename: str
    mimetype: str
    data: bytes
    #: Set for an image the HTML part shows in place (<img src="cid:...">).
    cid: str | None = None


def encoded_words(text: str, first_line_room: int = _LINE_MAX - len("Subject: ")) -> list[str]:
    """`text` as base64 encoded words, each within RFC 2047's limits, never splitting a character.

    Spaces travel inside the words: a decoder drops the whitespace between two encoded words,
    which is how Python's own folding lost the space in "в социальных".
    """
    words: list[str] = []
    chunk = b""
    room = first_line_room
    for char in text:
        data = char.encode()
        if chunk and len(_PREFIX) + len(_SUFFIX) + 4 * -(-(len(chunk) + len(data)) // 3) > room:
            words.append(_PREFIX + base64.b64encode(chunk).decode() + _SUFFIX)
            chunk, room = b"", min(ENCODED_WORD_MAX, _LINE_MAX - 1)
        chunk += data
    if chunk or not words:
        words.append(_PREFIX + base64.b64encode(chunk).decode() + _SUFFIX)
    return words


class EncodedHeader(str):
    """A header value that folds itself into encoded words (email's policy uses `fold`)."""

    def __new__(cls, name: str, value: str):
        obj = super().__new__(cls, value)
        obj.name = name
        return obj

    name: str

    def fold(self, *, policy) -> str:
        words = encoded_words(str(self), _LINE_MAX - len(self.name) - 2)
        return f"{self.name}: " + (policy.linesep + " ").join(words) + policy.linesep


def _subject(value: str) -> str:
    return value if value.isascii() else EncodedHeader("Subject", value)


def message_domain(public_base: str) -> str:
    """The host of the public URL, the right-hand side of every Message-ID."""
    return urlsplit(public_base).hostname or "seminar.local"


def build_message(settings: MailSettings, to: str, subject: str, body: str,
                  attachments: tuple = (), *, html: str | None = None,
                  domain: str = "seminar.local") -> EmailMessage:
    """A message with a plain-text part, an optional HTML alternative and attachments.

    `attachments` holds `Attachment`s or (filename, mimetype, bytes) tuples.
    """
    msg = EmailMessage(policy=POLICY)
    msg["From"] = settings.sender
    msg["To"] = to
    msg["Subject"] = _subject(" ".join(subject.split()))
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=domain)
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for item in attachments:
        part = item if isinstance(item, Attachment) else Attachment(*item)
        maintype, subtype = part.mimetype.split("/", 1)
        if part.cid:
            msg.add_attachment(part.data, maintype=maintype, subtype=subtype, filename=part.filename,
                               disposition="inline", cid=f"<{part.cid}>")
        else:
            msg.add_attachment(part.data, maintype=maintype, subtype=subtype, filename=part.filename)
    return msg


def compose(settings: MailSettings, to: str, subject: str, body: str, attachments: tuple = (), *,
            html: str | None = None) -> EmailMessage:
    """The finished message, its Message-ID on the public URL's domain.

    Without `html`, the HTML part is the text laid out by templates/mail/layout.html.
    """
    from .links import public_base
    from .messages.render import html_from_text

    if html is None:
        html = html_from_text(body, subject=subject, images=attachments)
    return build_message(settings, to, subject, body, attachments, html=html,
                         domain=message_domain(public_base()))


def send(settings: MailSettings, to: str, subject: str, body: str, attachments: tuple = (), *,
         html: str | None = None, kind: str = "notice", event_id: int | None = None,
         registration_id: int | None = None) -> OutboundMail:
    """Queue one message in the current transaction; the caller's commit makes it durable."""
    from .messages import outbox

    msg = compose(settings, to, subject, body, attachments, html=html)
    return outbox.add(msg, kind=kind, event_id=event_id, registration_id=registration_id)


class TemporaryFailure(Exception):
    """The mail server could not be reached or asked us to try later: the message waits."""


class PermanentFailure(Exception):
    """The mail server refused this message for good (5xx): retrying will not help."""


class Transport:
    """Where messages go: one SMTP connection reused for a run of messages, or .eml files."""

    def __init__(self, settings: MailSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def deliver(self, raw: bytes, recipient: str, name: str) -> None:
        """Hand one message over; raises TemporaryFailure or PermanentFailure."""
        if not self.settings.url:
            folder = Path(self.settings.outbox)
            folder.mkdir(parents=True, exist_ok=True)
            # Named after the row: writing it again after a crash replaces the file, never doubles it.
            (folder / f"{name}.eml").write_bytes(raw)
            return
        try:
            smtp = self._smtp or self._connect()
            smtp.sendmail(parseaddr(self.settings.sender)[1], [recipient], raw)
        except smtplib.SMTPResponseException as exc:
            self.close()
            if exc.smtp_code >= 500:
                raise PermanentFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise TemporaryFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            raise PermanentFailure("; ".join(f"{code} {msg!r}" for code, msg in exc.recipients.values())) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc

    def _connect(self) -> smtplib.SMTP:
        parts = urlsplit(self.settings.url or "")
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
        smtp_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
        smtp = smtp_class(parts.hostname or "127.0.0.1", port, timeout=self.settings.timeout)
        if parts.scheme == "smtp+starttls":
            smtp.starttls()
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        self._smtp = smtp
        return smtp

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None
