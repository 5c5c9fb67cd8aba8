"""E-mails to speakers when their session moves or is removed."""
from __future__ import annotations

from flask_babel import gettext as _

from ..events.models import Event
from ..links import public_url
from ..registration.models import Registration
from ..registration.notify import greeting, personal_url, send_to
from ..templating import event_datetime, event_time
from .items import SessionItem
from .services import SessionChange


def _when(session_or_times, event) -> str:
    starts_at, ends_at = session_or_times
    return f"{event_datetime(starts_at, event)}–{event_time(ends_at, event)}"


def send_session_changed(change: SessionChange) -> int:
    """Tell each active speaker of the session what changed; returns how many were told."""
    session = change.session
    event = session.event
    lines = []
    if change.time_changed:
        lines.append(_("Время: было %(old)s, стало %(new)s (местное время).",
                       old=_when((change.old_starts_at, change.old_ends_at), event),
                       new=_when((session.starts_at, session.ends_at), event)))
    if change.room_changed:
        lines.append(_("Зал: был «%(old)s», стал «%(new)s».", old=change.old_room, new=change.new_room))
    sent = 0
    for speaker in session.speakers:
        if not speaker.is_active:
            continue
        sent += 1
        send_to(speaker, _("Изменение в программе: %(title)s", title=session.title), [
            greeting(speaker), "",
            _("В программе «%(event)s» изменилась ваша секция «%(title)s».",
              event=event.title, title=session.title), "",
            *lines, "",
            _("Программа: %(url)s", url=public_url("programme.programme", slug=event.slug,
                                                  _anchor=f"session-{session.id}")),
            _("Ваше расписание (обновите календарь): %(url)s", url=_schedule_url(speaker)),
        ])
    return sent


def send_session_removed(event: Event, session: SessionItem, speakers: list[Registration]) -> int:
    """Tell each active speaker that their session was taken off the programme."""
    sent = 0
    for speaker in speakers:
        if not speaker.is_active:
            continue  # a cancelled registration hears nothing more about the programme
        sent += 1
        send_to(speaker, _("Секция снята с программы: %(title)s", title=session.title), [
            greeting(speaker), "",
            _("Секция «%(title)s» (%(when)s) снята с программы «%(event)s».", title=session.title,
              when=_when((session.starts_at, session.ends_at), event), event=event.title), "",
            _("Ваша личная страница: %(url)s", url=personal_url(speaker)),
        ])
    return sent


def _schedule_url(registration: Registration) -> str:
    return personal_url(registration).rstrip("/") + "/schedule.ics"
