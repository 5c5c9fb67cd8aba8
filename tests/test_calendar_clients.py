"""programme.ics and schedule.ics as calendar programs read them: Mozilla's ical.js (inside
Thunderbird) run by Node, and python icalendar."""
from __future__ import annotations

import json
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from seminar.extensions import db
from seminar.programme.services import SessionInput, create_session, save_room
from tests.conftest import run_node

#: Reads an .ics on stdin the way Thunderbird does; prints {summary: [start, end]} in UTC.
ICAL_JS = """
const ICAL = require("ical.js");
const comp = new ICAL.Component(ICAL.parse(require("fs").readFileSync(0, "utf8")));
for (const zone of comp.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(zone);
const out = {};
for (const item of comp.getAllSubcomponents("vevent")) {
  const e = new ICAL.Event(item);
  out[e.summary] = [e.startDate.toJSDate().toISOString(), e.endDate.toJSDate().toISOString()];
}
console.log(JSON.stringify(out));
"""


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def forums(app, make_event, make_registration):
    """The 2022 forum in Yakutsk (a zone with a long history) and a summer day in Berlin (DST)."""
    made = []
    for slug, zone, day in (("yakutsk", "Asia/Yakutsk", (2022, 8, 30)), ("berlin", "Europe/Berlin", (2031, 7, 1))):
        tz = ZoneInfo(zone)
        start = datetime(*day, 10, 0, tzinfo=tz)
        event = make_event(slug=slug, timezone=zone, starts_at=start, ends_at=start.replace(hour=18))
        speaker = make_registration(event)
        with app.test_request_context():
            room = save_room(event, None, "Большой зал", 100, 0)
            for title, hour in (("Открытие", 10), ("Итоги", 17)):
                create_session(event, SessionInput(
                    title=title, kind="talk", room_id=room.id,
                    starts_at=datetime.combine(start.date(), time(hour), tz),
                    ends_at=datetime.combine(start.date(), time(hour, 30), tz)), [speaker])
        db.session.commit()
        made.append((event, speaker, tz))
    return made


def expected(event, tz) -> dict[str, list[datetime]]:
    day = event.starts_at.astimezone(tz).date()
    return {title: [datetime.combine(day, time(hour, m), tz).astimezone(UTC) for m in (0, 30)]
            for title, hour in (("Открытие", 10), ("Итоги", 17))}


def calendars(client, event, speaker) -> list[bytes]:
    return [client.get(f"/events/{event.slug}/programme.ics").data,
            client.get(f"/r/{speaker.access_token}/schedule.ics").data]


def test_ical_js_shows_every_session_at_its_local_time(forums, client, node_modules):
    for event, speaker, tz in forums:
        for ics in calendars(client, event, speaker):
            parsed = json.loads(run_node(node_modules, ICAL_JS, input=ics.decode()))
            assert {k: [utc(v) for v in times] for k, times in parsed.items()} == expected(event, tz)


def test_python_icalendar_shows_every_session_at_its_local_time(forums, client):
    for event, speaker, tz in forums:
        for ics in calendars(client, event, speaker):
            cal = Calendar.from_ical(ics)
            got = {str(e["summary"]): [e.decoded(k).astimezone(UTC) for k in ("dtstart", "dtend")]
                   for e in cal.walk("VEVENT")}
            assert got == expected(event, tz)


def test_vtimezone_covers_only_the_years_of_the_event(forums, client):
    event, speaker, _tz = forums[0]
    ics = client.get(f"/events/{event.slug}/programme.ics").data.decode()
    zone = ics[ics.index("BEGIN:VTIMEZONE"):ics.index("END:VTIMEZONE")]
    assert "RDATE" not in zone and "DTSTART:1970" not in zone
