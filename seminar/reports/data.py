"""The final report as plain values: what the page, the JSON and the PDF show (no Flask, no ORM)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class MunicipalityTurnout:
    name: str
    registered: int
    came: int

    @property
    def turnout(self) -> int:
        """Per cent of the registered who came (0 when nobody registered)."""
        return round(100 * self.came / self.registered) if self.registered else 0


@dataclass(frozen=True)
class SessionLine:
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    room: str
    speakers: tuple[str, ...]
    attended: int
    capacity: int | None


@dataclass(frozen=True)
class SurveyLine:
    """One rating question of the participants' survey, with its average."""

    label: str
    average: float


@dataclass(frozen=True)
class Report:
    title: str
    city: str
    region: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    registered: int
    confirmed: int
    came: int
    municipalities_represented: int
    municipalities_total: int
    speakers: int
    press_text: str
    by_municipality: list[MunicipalityTurnout] = field(default_factory=list)
    sessions: list[SessionLine] = field(default_factory=list)
    survey: list[SurveyLine] = field(default_factory=list)

    @property
    def turnout(self) -> int:
        """Per cent of the confirmed who came (0 when nobody is confirmed)."""
        return round(100 * self.came / self.confirmed) if self.confirmed else 0
