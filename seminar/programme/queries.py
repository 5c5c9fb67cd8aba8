"""Reading the programme into plain values (items.py) for pages, JSON, iCalendar and PDF."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..events.models import Event
from ..extensions import db
from ..registration.models import Registration
from .items import DayItem, EventInfo, GridCell, ProgrammeData, RoomItem, SessionItem, SpeakerItem
from .models import Session, session_speaker
from .services import rooms_of, takes_all_rooms

KIND_LABELS = {
    "talk": _l("Доклад"),
    "panel": _l("Панельная дискуссия"),
    "workshop": _l("Практикум"),
    "break": _l("Перерыв"),
    "registration": _l("Регистрация"),
    "plenary": _l("Пленарное заседание"),
}


def event_info(event: Event) -> EventInfo:
    return EventInfo(event.slug, event.title, event.venue, event.city, event.timezone,
                     event.starts_at, event.ends_at)


def speaker_item(registration: Registration) -> SpeakerItem:
    return SpeakerItem(registration.id, registration.display_name, registration.position,
                       registration.organization, registration.bio)


def session_item(session: Session) -> SessionItem:
    """One session as plain values; cancelled speakers are left out."""
    all_rooms = takes_all_rooms(session.kind, session.room_id)
    room = session.room.name if session.room else (str(_l("Все залы")) if all_rooms else "")
    return SessionItem(
        id=session.id, title=session.title, description=session.description, kind=session.kind,
        kind_label=str(KIND_LABELS.get(session.kind, session.kind)), track=session.track,
        starts_at=session.starts_at, ends_at=session.ends_at, room_id=session.room_id,
        room_name=room, all_rooms=all_rooms,
        speakers=tuple(speaker_item(r) for r in session.speakers if r.is_active),
        sequence=session.sequence, updated_at=session.updated_at,
    )


def _sessions(event: Event) -> list[Session]:
    return list(db.session.scalars(
        select(Session).where(Session.event_id == event.id)
        .options(selectinload(Session.speakers), selectinload(Session.room))
        .order_by(Session.starts_at, Session.position, Session.id)))


def _room_order(rooms: list[RoomItem]) -> dict[int, int]:
    return {room.id: i for i, room in enumerate(rooms)}


def layout_day(day: DayItem, rooms: list[RoomItem]) -> None:
    """Place the day's sessions on a grid: a column per room, a row per time boundary."""
    used = {s.room_id for s in day.sessions if s.room_id is not None}
    day_rooms = [r for r in rooms if r.id in used]
    loose = any(s.room_id is None and not s.all_rooms for s in day.sessions)
    day.columns = [r.name for r in day_rooms] + ([str(_l("Зал не указан"))] if loose else [])
    if not day.columns:
        day.columns = [""]
    column_of = {r.id: i + 2 for i, r in enumerate(day_rooms)}
    loose_column = len(day_rooms) + 2
    bounds = sorted({s.starts_at for s in day.sessions} | {s.ends_at for s in day.sessions})
    row_of = {moment: i + 2 for i, moment in enumerate(bounds)}  # row 1 holds the room names
    day.times = [(row_of[m], m) for m in sorted({s.starts_at for s in day.sessions})]
    for s in day.sessions:
        if s.all_rooms:
            column = "2 / -1"
        else:
            start = column_of.get(s.room_id, loose_column) if s.room_id is not None else loose_column
            column = f"{start} / {start + 1}"
        day.cells.append(GridCell(s, f"{row_of[s.starts_at]} / {row_of[s.ends_at]}", column))


def marks(event: EventInfo, sessions: list[SessionItem], now: datetime) -> tuple[frozenset, frozenset]:
    """(current, next) session ids: only on a day of the programme, in the event's time zone."""
    days = {event.local(s.starts_at).date() for s in sessions}
    if event.local(now).date() not in days:
        return frozenset(), frozenset()
    current = frozenset(s.id for s in sessions if s.starts_at <= now < s.ends_at)
    upcoming = [s for s in sessions if s.starts_at > now and event.local(s.starts_at).date()
                == event.local(now).date()]
    if not upcoming:
        return current, frozenset()
    first = min(s.starts_at for s in upcoming)
    return current, frozenset(s.id for s in upcoming if s.starts_at == first)


def programme_data(event: Event, now: datetime | None = None) -> ProgrammeData:
    """The whole programme by day; with ``now``, the current and next sessions are marked."""
    info = event_info(event)
    rooms = [RoomItem(r.id, r.name, r.capacity) for r in rooms_of(event)]
    order = _room_order(rooms)
    sessions = [session_item(s) for s in _sessions(event)]
    sessions.sort(key=lambda s: (s.starts_at, order.get(s.room_id, -1) if s.room_id is not None else -1, s.id))
    days: list[DayItem] = []
    for s in sessions:
        day = info.local(s.starts_at).date()
        if not days or days[-1].day != day:
            days.append(DayItem(day, []))
        days[-1].sessions.append(s)
    for day_item in days:
        layout_day(day_item, rooms)
    current, upcoming = marks(info, sessions, now) if now else (frozenset(), frozenset())
    return ProgrammeData(info, rooms, sessions, days, current, upcoming)


def speakers_of(event: Event) -> list[tuple[SpeakerItem, list[SessionItem]]]:
    """Active speakers of the event with their sessions, by last name."""
    sessions = [session_item(s) for s in _sessions(event)]
    by_id: dict[int, list[SessionItem]] = {}
    for s in sessions:
        for speaker in s.speakers:
            by_id.setdefault(speaker.id, []).append(s)
    if not by_id:
        return []
    registrations = db.session.scalars(
        select(Registration).where(Registration.id.in_(by_id))
        .order_by(Registration.last_name_key, Registration.first_name))
    return [(speaker_item(r), by_id[r.id]) for r in registrations]


def speaker_sessions(registration: Registration) -> list[SessionItem]:
    """The sessions where this registration speaks, in time order."""
    sessions = db.session.scalars(
        select(Session).join(session_speaker, session_speaker.c.session_id == Session.id)
        .where(session_speaker.c.registration_id == registration.id)
        .options(selectinload(Session.speakers), selectinload(Session.room))
        .order_by(Session.starts_at, Session.id))
    return [session_item(s) for s in sessions]


def programme_json(data: ProgrammeData, programme_url: str) -> dict:
    """The shape documented in seminar/api/openapi.py (ProgrammeJson)."""
    ev = data.event

    def iso(moment: datetime) -> str:
        return ev.local(moment).isoformat()

    return {
        "event": {"slug": ev.slug, "title": ev.title, "timezone": ev.timezone, "city": ev.city,
                  "venue": ev.venue, "starts_at": iso(ev.starts_at), "ends_at": iso(ev.ends_at)},
        "rooms": [{"id": r.id, "name": r.name, "capacity": r.capacity} for r in data.rooms],
        "sessions": [{
            "id": s.id, "url": f"{programme_url}#{s.anchor}", "title": s.title,
            "description": s.description, "kind": s.kind, "track": s.track,
            "starts_at": iso(s.starts_at), "ends_at": iso(s.ends_at),
            "room": ({"id": s.room_id, "name": s.room_name} if s.room_id is not None else None),
            "all_rooms": s.all_rooms, "sequence": s.sequence,
            "speakers": [{"id": p.id, "name": p.name, "position": p.position,
                          "organization": p.organization} for p in s.speakers],
        } for s in data.sessions],
    }
