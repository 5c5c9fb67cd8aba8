"""Building the programme: rooms, sessions and speakers, with the rules that keep it possible.

Rules (each failure is a ProgrammeError whose message names what it collides with):
- a session ends after it starts and lies between the event's start and end;
- no speaker is in two overlapping sessions;
- no room holds two overlapping sessions. A plenary, break or registration left
  without a room (see ALL_ROOMS_KINDS) takes every room: nothing else may overlap
  it. Given a room, it is an ordinary session of that room, so a workshop may run
  in the small room while the coffee break is in the foyer;
- a session of another kind without a room ("room to be announced") only
  collides with the all-rooms sessions;
- a cancelled registration cannot be a speaker.
Sessions that merely touch (one ends at 11:00, the next starts at 11:00) do not overlap.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import gettext as _
from sqlalchemy import select

from ..events.models import Event
from ..extensions import db
from ..registration.models import Registration, Role, Status
from ..templating import event_datetime, event_time
from .models import ALL_ROOMS_KINDS, Room, Session


class ProgrammeError(Exception):
    """A change the programme cannot take; ``message`` is shown to the organiser."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RoomInUse(ProgrammeError):
    def __init__(self, message: str, sessions: list[Session]):
        super().__init__(message)
        self.sessions = sessions


@dataclass(frozen=True)
class SessionInput:
    """What the organiser typed, times already made aware in the event's zone."""

    title: str
    kind: str
    room_id: int | None
    starts_at: datetime
    ends_at: datetime
    track: str = ""
    description: str = ""
    position: int = 0


@dataclass(frozen=True)
class SessionChange:
    """What moved in a session, for the speakers' e-mail."""

    session: Session
    old_starts_at: datetime
    old_ends_at: datetime
    old_room: str
    new_room: str

    @property
    def time_changed(self) -> bool:
        return (self.old_starts_at, self.old_ends_at) != (self.session.starts_at, self.session.ends_at)

    @property
    def room_changed(self) -> bool:
        return self.old_room != self.new_room


def local_moment(event: Event, day: date, clock: time) -> datetime:
    """A wall-clock time at the venue as an aware datetime (independent of the server's zone)."""
    return datetime.combine(day, clock, tzinfo=event.tz)


def takes_all_rooms(kind: str, room_id: int | None) -> bool:
    return room_id is None and kind in ALL_ROOMS_KINDS


def describe(session: Session) -> str:
    """«Title» (11:00–11:40, Малый зал) — how an error names a session."""
    event = session.event
    where = session.room.name if session.room else (_("все залы") if takes_all_rooms(
        session.kind, session.room_id) else _("зал не указан"))
    return _("«%(title)s» (%(start)s–%(end)s, %(room)s)", title=session.title,
             start=event_time(session.starts_at, event), end=event_time(session.ends_at, event), room=where)


def room_name(room_id: int | None, kind: str) -> str:
    if room_id is None:
        return _("все залы") if kind in ALL_ROOMS_KINDS else _("зал не указан")
    room = db.session.get(Room, room_id)
    return room.name if room else ""


def _overlapping(event: Event, starts_at: datetime, ends_at: datetime, exclude_id: int | None) -> list[Session]:
    query = select(Session).where(Session.event_id == event.id, Session.starts_at < ends_at,
                                  Session.ends_at > starts_at).order_by(Session.starts_at, Session.id)
    if exclude_id is not None:
        query = query.where(Session.id != exclude_id)
    return list(db.session.scalars(query))


def check_session(event: Event, data: SessionInput, speakers: list[Registration],
                  session_id: int | None = None) -> None:
    """Raise ProgrammeError for the first rule the session would break."""
    if not data.title.strip():
        raise ProgrammeError(_("Укажите название секции."))
    if data.ends_at <= data.starts_at:
        raise ProgrammeError(_("Окончание должно быть позже начала."))
    if data.starts_at < event.starts_at or data.ends_at > event.ends_at:
        raise ProgrammeError(_(
            "Секция должна проходить во время мероприятия: с %(start)s до %(end)s (местное время).",
            start=event_datetime(event.starts_at, event), end=event_datetime(event.ends_at, event)))
    if data.room_id is not None:
        room = db.session.get(Room, data.room_id)
        if room is None or room.event_id != event.id:
            raise ProgrammeError(_("Выберите зал из списка."))
    for registration in speakers:
        check_speaker_active(registration)
    others = _overlapping(event, data.starts_at, data.ends_at, session_id)
    mine_all = takes_all_rooms(data.kind, data.room_id)
    for other in others:
        other_all = takes_all_rooms(other.kind, other.room_id)
        if mine_all or other_all:
            raise ProgrammeError(_("В это время идёт %(other)s: она занимает все залы.", other=describe(other))
                                 if other_all else
                                 _("Секция без зала занимает все залы, а в это время идёт %(other)s.",
                                   other=describe(other)))
        if data.room_id is not None and other.room_id == data.room_id and other.room is not None:
            raise ProgrammeError(_("Зал «%(room)s» в это время занят: %(other)s.",
                                   room=other.room.name, other=describe(other)))
    speaker_ids = {r.id for r in speakers}
    for other in others:
        for registration in other.speakers:
            if registration.id in speaker_ids:
                raise ProgrammeError(_("%(name)s в это время выступает: %(other)s.",
                                       name=registration.short_name, other=describe(other)))


def check_speaker_active(registration: Registration) -> None:
    if registration.status == Status.cancelled.value:
        raise ProgrammeError(_("%(name)s отменил(а) регистрацию и не может быть спикером.",
                               name=registration.short_name))


def _apply(session: Session, data: SessionInput) -> None:
    session.title = data.title.strip()
    session.kind = data.kind
    session.room_id = data.room_id
    session.starts_at = data.starts_at
    session.ends_at = data.ends_at
    session.track = data.track.strip()
    session.description = data.description.strip()
    session.position = data.position


def create_session(event: Event, data: SessionInput, speakers: Sequence[Registration] = ()) -> Session:
    """Add a session to the programme after checking every rule."""
    speakers = list(speakers)
    check_session(event, data, speakers)
    session = Session(event=event)
    _apply(session, data)
    session.speakers = speakers
    for registration in speakers:
        _make_speaker(registration)
    db.session.add(session)
    db.session.flush()
    return session


def update_session(session: Session, data: SessionInput) -> SessionChange | None:
    """Change a session; SEQUENCE goes up on any change. Returns what moved (time or room), if anything."""
    check_session(session.event, data, list(session.speakers), session.id)
    old = (session.title, session.kind, session.room_id, session.starts_at, session.ends_at,
           session.track, session.description, session.position)
    old_room = room_name(session.room_id, session.kind)
    change = SessionChange(session, session.starts_at, session.ends_at, old_room,
                           room_name(data.room_id, data.kind))
    _apply(session, data)
    new = (session.title, session.kind, session.room_id, session.starts_at, session.ends_at,
           session.track, session.description, session.position)
    if new != old:
        session.sequence += 1
    db.session.flush()
    return change if (change.time_changed or change.room_changed) else None


def delete_session(session: Session) -> list[Registration]:
    """Remove a session; returns its speakers (to tell them)."""
    speakers = list(session.speakers)
    db.session.delete(session)
    db.session.flush()
    return speakers


def _make_speaker(registration: Registration) -> None:
    registration.role = Role.speaker.value


def add_speaker(session: Session, registration: Registration) -> None:
    """Link a registration to the session as a speaker (its role becomes speaker)."""
    if registration in session.speakers:
        return
    check_speaker_active(registration)
    for other in _overlapping(session.event, session.starts_at, session.ends_at, session.id):
        if registration in other.speakers:
            raise ProgrammeError(_("%(name)s в это время выступает: %(other)s.",
                                   name=registration.short_name, other=describe(other)))
    session.speakers.append(registration)
    _make_speaker(registration)
    session.sequence += 1
    db.session.flush()


def remove_speaker(session: Session, registration: Registration) -> None:
    """Unlink a speaker from the session (their role stays)."""
    if registration in session.speakers:
        session.speakers.remove(registration)
        session.sequence += 1
        db.session.flush()


def update_speaker_profile(registration: Registration, public_name: str, position: str, bio: str) -> None:
    """The name, position and short bio shown on the public programme."""
    registration.public_name = public_name.strip()
    registration.position = position.strip()
    registration.bio = bio.strip()
    db.session.flush()


def rooms_of(event: Event) -> list[Room]:
    return list(db.session.scalars(
        select(Room).where(Room.event_id == event.id).order_by(Room.position, Room.name, Room.id)))


def save_room(event: Event, room: Room | None, name: str, capacity: int | None, position: int = 0) -> Room:
    """Create a room or rename it; names are unique within the event."""
    name = " ".join(name.split())
    if not name:
        raise ProgrammeError(_("Укажите название зала."))
    clash = db.session.scalar(select(Room).where(Room.event_id == event.id, Room.name == name))
    if clash is not None and clash is not room:
        raise ProgrammeError(_("Зал «%(name)s» уже есть.", name=name))
    if room is None:
        room = Room(event=event)
        db.session.add(room)
    else:
        for session in room.sessions:
            session.sequence += 1  # LOCATION changes in every calendar
    room.name, room.capacity, room.position = name, capacity, position
    db.session.flush()
    return room


def delete_room(room: Room) -> None:
    """Remove a room that no session uses."""
    sessions = sorted(room.sessions, key=lambda s: s.starts_at)
    if sessions:
        raise RoomInUse(_("Зал «%(room)s» нельзя удалить: в нём проходят %(sessions)s.", room=room.name,
                          sessions="; ".join(describe(s) for s in sessions)), sessions)
    db.session.delete(room)
    db.session.flush()


def session_of(event: Event, session_id: int) -> Session | None:
    session = db.session.get(Session, session_id)
    return session if session is not None and session.event_id == event.id else None


def room_of(event: Event, room_id: int) -> Room | None:
    room = db.session.get(Room, room_id)
    return room if room is not None and room.event_id == event.id else None
