"""The demo forum's programme (filled in by the programme feature)."""
from __future__ import annotations

from ..events.models import Event


def add_demo_programme(event: Event) -> None:
    """Rooms, sessions and speakers of the Belogorsk day."""
