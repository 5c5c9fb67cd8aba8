"""What e-mails about an event share: its date, local time and address, the badge QR, the .ics."""
from __future__ import annotations

from flask import current_app

from .. import mail
from ..dbtypes import utcnow
from ..events.models import Event
from ..links import public_url
from ..mail import Attachment
from ..programme.ical import event_calendar_bytes
from ..programme.queries import event_info
from ..registration.models import Registration
from ..templating import event_date, event_time, tz_label
from .render import html_from_text, qr_png, render_text

BADGE_QR_CID = "badge-qr"


def event_facts(event: Event) -> dict[str, str]:
    """The event as the e-mail templates print it: date, local time with its zone, the address."""
    return {
        "event_title": event.title,
        "event_date": event_date(event.starts_at, event),
        "event_time": f"{event_time(event.starts_at, event)}–{event_time(event.ends_at, event)}",
        "event_zone": tz_label(event),
        "event_place": ", ".join(p for p in (event.venue, event.city) if p),
        "event_url": public_url("events.detail", slug=event.slug),
    }


def badge_qr(registration: Registration) -> Attachment:
    """The badge QR (an opaque code, no personal data) as an image shown in the HTML part."""
    return Attachment("badge-qr.png", "image/png", qr_png(registration.badge_code), cid=BADGE_QR_CID)


def event_ics(event: Event) -> Attachment:
    data = event_calendar_bytes(event_info(event), now=utcnow(),
                                url=public_url("events.detail", slug=event.slug))
    return Attachment(f"{event.slug}.ics", "text/calendar", data)


def message_to(registration: Registration, subject: str, text: str, attachments: tuple = ()):
    """The finished message (text, HTML, attachments) for one registration, not yet queued."""
    return mail.compose(mail.MailSettings.from_config(current_app.config), registration.email, subject,
                        text, attachments, html=html_from_text(text, subject=subject, images=attachments))


def confirmation(registration: Registration, *, greeting: str, status_line: str,
                 personal_url: str) -> tuple[list[str], tuple[Attachment, ...]]:
    """The registration's confirmation letter (registration.notify's hook "confirmation_letter"):
    its lines of text, and the badge QR (when the seat is confirmed) and the event's .ics."""
    event = registration.event
    confirmed = registration.status == "confirmed"
    text = render_text("confirmation", greeting=greeting, status_line=status_line, personal_url=personal_url,
                       confirmed=confirmed, **event_facts(event))
    attachments = ((badge_qr(registration),) if confirmed else ()) + (event_ics(event),)
    return text.rstrip("\n").split("\n"), attachments
