"""Badges: choosing whom to print, building BadgeData, marking printed, new codes."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import selectinload

from ..events.models import Event, Municipality
from ..extensions import db
from ..pdf.qr import QUIET_ZONE, dark_runs, qr_matrix
from ..registration.models import Registration, Status, new_badge_code
from .render import BadgeData, BadgeSheets, render_badges

SORTS = ("name", "municipality")
#: A big batch is loaded and drawn this many badges at a time; progress is reported after each.
CHUNK = 200


def badge_data(registration: Registration) -> BadgeData:
    """What the badge of one registration shows."""
    return BadgeData(
        event_title=registration.event.title,
        last_name=registration.last_name,
        first_name=registration.first_name,
        middle_name=registration.middle_name or "",
        position=registration.position or "",
        organization=registration.organization or "",
        municipality=registration.municipality.name if registration.municipality else "",
        role=registration.role,
        badge_code=registration.badge_code,
    )


@dataclass(frozen=True)
class BadgeBatch:
    """Which badges to print and how: the bulk form's choices, plain values a queue job can take."""

    layout: str = "a6"
    sort: str = "name"
    role: str | None = None
    municipality_id: int | None = None
    not_printed: bool = False
    mark_printed: bool = False

    def filters(self) -> dict:
        """The arguments of `badges_to_print` and `badges_to_print_count`."""
        return {"sort": self.sort, "role": self.role, "municipality_id": self.municipality_id,
                "not_printed": self.not_printed}


def _print_query(event: Event, *, sort: str = "name", role: str | None = None,
                 municipality_id: int | None = None, not_printed: bool = False) -> Select:
    query = (
        select(Registration)
        .outerjoin(Municipality, Municipality.id == Registration.municipality_id)
        .where(Registration.event_id == event.id, Registration.status == Status.confirmed.value)
    )
    if role:
        query = query.where(Registration.role == role)
    if municipality_id:
        query = query.where(Registration.municipality_id == municipality_id)
    if not_printed:
        query = query.where(Registration.badge_printed_at.is_(None))
    order = [Registration.last_name_key, Registration.first_name, Registration.id]
    if sort == "municipality":
        order.insert(0, Municipality.name)
    return query.order_by(*order)


def badges_to_print(event: Event, **filters) -> list[Registration]:
    """Confirmed registrations to print, sorted by last name or grouped by municipality."""
    return list(db.session.scalars(_print_query(event, **filters)))


def badges_to_print_count(event: Event, **filters) -> int:
    """How many badges `badges_to_print` would give, counted by the database."""
    query = _print_query(event, **filters).order_by(None).with_only_columns(func.count(Registration.id))
    return db.session.scalar(query) or 0


def badges_count(event: Event, *, not_printed: bool = False) -> int:
    """How many confirmed badges there are (or are not printed yet), counted by the database."""
    query = select(func.count(Registration.id)).where(
        Registration.event_id == event.id, Registration.status == Status.confirmed.value)
    if not_printed:
        query = query.where(Registration.badge_printed_at.is_(None))
    return db.session.scalar(query) or 0


def _author(event: Event) -> str:
    from ..certificates.services import organiser_line

    return organiser_line(event) or event.title


def badges_pdf(registrations: list[Registration], layout: str) -> bytes:
    """One PDF of the given badges in a layout of render.LAYOUTS."""
    author = _author(registrations[0].event) if registrations else ""
    return render_badges([badge_data(r) for r in registrations], layout, author=author)


def write_badges(event: Event, batch: BadgeBatch, out: IO[bytes],
                 progress: Callable[[int, int], None]) -> list[int]:
    """Draw the batch's badges into `out`, loading registrations CHUNK at a time and reporting
    progress after each chunk. Returns the registrations drawn, for `mark_printed` when the
    batch asks for it (the caller does that once the file is kept)."""
    ids = list(db.session.scalars(_print_query(event, **batch.filters()).with_only_columns(Registration.id)))
    title, author = event.title, _author(event)
    sheets = BadgeSheets(out, batch.layout, title, author)
    progress(0, len(ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        rows = db.session.scalars(select(Registration).where(Registration.id.in_(chunk))
                                  .options(selectinload(Registration.municipality)))
        by_id = {r.id: r for r in rows}
        sheets.add(badge_data(by_id[i]) for i in chunk if i in by_id)
        progress(start + len(chunk), len(ids))
    sheets.close()
    return ids


def mark_printed(registration_ids: list[int], now: datetime) -> int:
    """Remember that these badges were printed, for the 'not printed yet' filter."""
    for start in range(0, len(registration_ids), 500):
        db.session.execute(update(Registration).where(Registration.id.in_(registration_ids[start:start + 500]))
                           .values(badge_printed_at=now).execution_options(synchronize_session=False))
    return len(registration_ids)


def regenerate_badge_code(registration: Registration) -> str:
    """A new code for a lost badge: the old one stops working at the door."""
    registration.badge_code = new_badge_code()
    registration.badge_printed_at = None
    return registration.badge_code


def qr_svg(code: str, size_px: int = 280) -> str:
    """The QR of a code as inline SVG (one path), for showing on a phone screen."""
    modules = qr_matrix(code)
    n = len(modules) + 2 * QUIET_ZONE
    path = "".join(f"M{start + QUIET_ZONE} {r + QUIET_ZONE}h{length}v1h-{length}z"
                   for r, start, length in dark_runs(modules))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" width="{size_px}" '
            f'height="{size_px}" shape-rendering="crispEdges" role="img" aria-label="QR">'
            f'<rect width="{n}" height="{n}" fill="#fff"/><path d="{path}" fill="#000"/></svg>')
