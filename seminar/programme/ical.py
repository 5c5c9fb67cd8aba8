"""The programme as RFC 5545 iCalendar (no Flask, no ORM).

Times carry TZID=<the event's zone> with a VTIMEZONE block, so a calendar shows
10:00 at the venue as 10:00 Yakutsk time (01:00 UTC). The VTIMEZONE covers only the
years of the event: a zone's whole history since 1970 is written as RDATE lists, of which
Mozilla's ical.js (Thunderbird) reads only the first value, and then puts every session
an hour early. The UID of a session never
changes and SEQUENCE is the session's counter, so calendar apps update an event
after an edit instead of adding a second one.
"""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from icalendar import Calendar, Timezone
from icalendar import Event as VEvent

from .items import EventInfo, SessionItem


def session_uid(event: EventInfo, session: SessionItem) -> str:
    return f"session-{session.id}@{event.slug}.seminar"


def _description(session: SessionItem) -> str:
    parts = [session.kind_label]
    if session.speakers:
        parts.append(", ".join(
            p.name + (f" ({p.position})" if p.position else "") for p in session.speakers))
    if session.description:
        parts.append(session.description)
    return "\n\n".join(parts)


def calendar_bytes(event: EventInfo, sessions: list[SessionItem], *, now: datetime,
                   programme_url: str, name: str) -> bytes:
    """A VCALENDAR with one VEVENT per session."""
    cal = Calendar()
    cal.add("prodid", "-//seminar//programme//RU")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", event.timezone)
    for session in sessions:
        item = VEvent()
        item.add("uid", session_uid(event, session))
        item.add("dtstamp", now)
        item.add("last-modified", session.updated_at)
        item.add("sequence", session.sequence)
        item.add("dtstart", event.local(session.starts_at))
        item.add("dtend", event.local(session.ends_at))
        item.add("summary", session.title)
        item.add("location", ", ".join(p for p in (session.room_name, event.venue, event.city) if p))
        item.add("description", _description(session))
        item.add("url", f"{programme_url}#{session.anchor}")
        item.add("categories", [session.kind_label])
        cal.add_component(item)
    _add_timezones(cal, *_years(event, sessions))
    return cal.to_ical()


def _add_timezones(cal: Calendar, first: date, last: date) -> None:
    """The VTIMEZONE blocks the calendar's times name, first in the calendar (what icalendar's
    `add_missing_timezones` does), each built once per zone and years: building one walks the
    zone's transitions (about 50 ms), and every registration e-mail carries an .ics."""
    for position, tzid in enumerate(sorted(cal.get_missing_tzids())):
        block = _vtimezone(tzid, first, last)
        if block is not None:
            cal.subcomponents.insert(position, Timezone.from_ical(block))


@lru_cache(maxsize=64)
def _vtimezone(tzid: str, first: date, last: date) -> bytes | None:
    try:
        return Timezone.from_tzid(tzid, first_date=first, last_date=last).to_ical()
    except ValueError:  # a zone icalendar does not know: no block, as add_missing_timezones does
        return None


def _years(event: EventInfo, sessions: list[SessionItem]) -> tuple[date, date]:
    """From 1 January of the first year a time falls in to 1 January after the last one."""
    moments = [event.local(t) for t in (event.starts_at, event.ends_at)]
    moments += [event.local(t) for s in sessions for t in (s.starts_at, s.ends_at)]
    return date(min(moments).year, 1, 1), date(max(moments).year + 1, 1, 1)


def event_calendar_bytes(event: EventInfo, *, now: datetime, url: str) -> bytes:
    """The whole event as one VEVENT (the .ics attached to the registration e-mail)."""
    cal = Calendar()
    cal.add("prodid", "-//seminar//event//RU")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    item = VEvent()
    item.add("uid", f"event@{event.slug}.seminar")
    item.add("dtstamp", now)
    item.add("dtstart", event.local(event.starts_at))
    item.add("dtend", event.local(event.ends_at))
    item.add("summary", event.title)
    item.add("location", event.place)
    item.add("url", url)
    cal.add_component(item)
    _add_timezones(cal, *_years(event, []))
    return cal.to_ical()
