"""Plain values of a programme, shared by the pages, JSON, iCalendar and PDF (no ORM, no Flask)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ..dbtypes import VenueClock


@dataclass(frozen=True)
class EventInfo(VenueClock):
    slug: str
    title: str
    venue: str
    city: str
    timezone: str
    starts_at: datetime
    ends_at: datetime

    @property
    def place(self) -> str:
        return ", ".join(p for p in (self.city, self.venue) if p)


@dataclass(frozen=True)
class SpeakerItem:
    id: int
    name: str
    position: str
    organization: str
    bio: str = ""


@dataclass(frozen=True)
class RoomItem:
    id: int
    name: str
    capacity: int | None = None


@dataclass(frozen=True)
class SessionItem:
    id: int
    title: str
    description: str
    kind: str
    kind_label: str
    track: str
    starts_at: datetime  #: aware, UTC
    ends_at: datetime
    room_id: int | None
    room_name: str
    #: A plenary, break or registration without a room: it takes every room.
    all_rooms: bool
    speakers: tuple[SpeakerItem, ...]
    sequence: int
    updated_at: datetime

    @property
    def anchor(self) -> str:
        return f"session-{self.id}"

    def overlaps(self, other: SessionItem) -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at


@dataclass(frozen=True)
class GridCell:
    session: SessionItem
    row: str  #: CSS grid-row, e.g. "3 / 5"
    column: str  #: CSS grid-column, e.g. "2 / -1"


@dataclass
class DayItem:
    day: date
    sessions: list[SessionItem]
    #: Column headings of the wide-screen grid, after the time column.
    columns: list[str] = field(default_factory=list)
    #: (grid row, start time) of each time line of the grid.
    times: list[tuple[int, datetime]] = field(default_factory=list)
    cells: list[GridCell] = field(default_factory=list)


@dataclass
class ProgrammeData:
    event: EventInfo
    rooms: list[RoomItem]
    sessions: list[SessionItem]
    days: list[DayItem]
    current_ids: frozenset[int] = frozenset()
    next_ids: frozenset[int] = frozenset()
