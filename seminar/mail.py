"""Outgoing e-mail: messages are built here and kept in the database until a queue worker sends them.

`send(...)` adds one `outbound_mail` row to the current transaction and returns at once: the
caller's commit makes the message durable, and after the commit the queue is woken to send it
(see seminar/messages/outbox.py). The transport is SMTP when SEMINAR_MAIL_URL is set, otherwise
an .eml file per message in the outbox folder.
"""
from __future__ import annotations

import base64
import email
import email.policy
import smtplib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email import encoders
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from .files import private_dir, write_private

if TYPE_CHECKING:
    from .messages.models import OutboundMail

#: How messages are written: CRLF line ends, long lines folded by the headers themselves.
WIRE = email.policy.compat32.clone(linesep="\r\n")
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


def _subject(value: str) -> str:
    """The Subject header's value as it goes on the wire: ASCII as is, otherwise folded encoded words."""
    if value.isascii():
        return value
    return "\r\n ".join(encoded_words(value))


def message_domain(public_base: str) -> str:
    """The host of the public URL, the right-hand side of every Message-ID."""
    return urlsplit(public_base).hostname or "seminar.local"


def _part(item: Attachment | tuple) -> Message:
    part = item if isinstance(item, Attachment) else Attachment(*item)
    maintype, subtype = part.mimetype.split("/", 1)
    mime = MIMEBase(maintype, subtype)
    mime.set_payload(part.data)
    encoders.encode_base64(mime)
    if part.cid:
        mime["Content-ID"] = f"<{part.cid}>"
        mime.add_header("Content-Disposition", "inline", filename=part.filename)
    else:
        mime.add_header("Content-Disposition", "attachment", filename=part.filename)
    return mime


def build_message(settings: MailSettings, to: str, subject: str, body: str,
                  attachments: tuple = (), *, html: str | None = None,
                  domain: str = "seminar.local", message_id: str | None = None) -> Message:
    """A message with a plain-text part, an optional HTML alternative and attachments.

    `attachments` holds `Attachment`s or (filename, mimetype, bytes) tuples. Built with the
    classic email.mime classes: three times faster than EmailMessage, which counts for 5,000.
    """
    # Boundaries of our own (base64 bodies never hold "_"): the generator would otherwise compile
    # a regular expression per message to find one.
    boundary = f"=_seminar_{uuid.uuid4().hex}"
    msg: Message = MIMEText(body, "plain", "utf-8")
    if html is not None:
        msg = MIMEMultipart("alternative", boundary + "_a", [msg, MIMEText(html, "html", "utf-8")])
    if attachments:
        msg = MIMEMultipart("mixed", boundary + "_m", [msg, *(_part(a) for a in attachments)])
    name, address = parseaddr(settings.sender)
    msg["From"] = formataddr((name, address), charset="utf-8")
    msg["To"] = to
    msg["Subject"] = _subject(" ".join(subject.split()))
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = f"<{message_id}>" if message_id else make_msgid(domain=domain)
    return msg


def wire_bytes(msg: Message) -> bytes:
    """The message as it goes to the mail server (CRLF line ends)."""
    return msg.as_bytes(policy=WIRE)


def subject_of(msg: Message) -> str:
    """The Subject header, decoded."""
    return str(make_header(decode_header(msg["Subject"] or "")))


def parsed(msg: Message) -> EmailMessage:
    """The message as a reader sees it (email.policy.default: get_body, decoded headers)."""
    return email.message_from_bytes(wire_bytes(msg), policy=email.policy.default)


def compose(settings: MailSettings, to: str, subject: str, body: str, attachments: tuple = (), *,
            html: str | None = None, message_id: str | None = None) -> Message:
    """The finished message, its Message-ID on the public URL's domain (or `message_id`, a row's
    own, when the worker writes a letter that was queued unwritten).

    Without `html`, the HTML part is the text laid out by templates/mail/layout.html.
    """
    from .links import public_base
    from .messages.render import html_from_text

    if html is None:
        html = html_from_text(body, subject=subject, images=attachments)
    return build_message(settings, to, subject, body, attachments, html=html,
                         domain=message_domain(public_base()), message_id=message_id)


def send(settings: MailSettings, to: str, subject: str, body: str, attachments: tuple = (), *,
         html: str | None = None, kind: str = "notice", event_id: int | None = None,
         registration_id: int | None = None) -> OutboundMail:
    """Queue one message in the current transaction; the caller's commit makes it durable."""
    from .messages import outbox

    msg = compose(settings, to, subject, body, attachments, html=html)
    return outbox.add(msg, kind=kind, event_id=event_id, registration_id=registration_id)


@dataclass(frozen=True)
class Letter:
    """A letter the queue worker writes when it sends it (extension point "mail_letter").

    `send_later` keeps only its address, subject and name in the caller's transaction (one small
    INSERT, no rendering, no attachments); the worker calls `write(row)` for the finished message,
    which must carry the row's Message-ID (`compose(..., message_id=row.message_id)`), or None
    when there is nothing to say any more (the registration is gone): the row is dropped then.
    """

    name: str
    write: Callable[[OutboundMail], Message | None]


def send_later(to: str, subject: str, letter: str, *, kind: str = "notice", event_id: int | None = None,
               registration_id: int | None = None) -> OutboundMail:
    """Queue a letter the worker writes (see `Letter`): for a request that must answer quickly,
    like the registration form's confirmation with its QR and .ics."""
    from .links import public_base
    from .messages import outbox

    message_id = make_msgid(domain=message_domain(public_base())).strip("<>")
    return outbox.add_unwritten(to, subject, letter, message_id=message_id, kind=kind, event_id=event_id,
                                registration_id=registration_id)


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
            folder = private_dir(self.settings.outbox)
            # Named after the row: writing it again after a crash replaces the file, never doubles it.
            write_private(folder / f"{name}.eml", raw)
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
