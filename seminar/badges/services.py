"""Badges: choosing whom to print, building BadgeData, marking printed, new codes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from ..events.models import Event, Municipality
from ..extensions import db
from ..pdf.qr import QUIET_ZONE, dark_runs, qr_matrix
from ..registration.models import Registration, Status, new_badge_code
from .render import BadgeData, render_badges

SORTS = ("name", "municipality")


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


def badges_to_print(event: Event, *, sort: str = "name", role: str | None = None,
                    municipality_id: int | None = None, not_printed: bool = False) -> list[Registration]:
    """Confirmed registrations to print, sorted by last name or grouped by municipality."""
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
    return list(db.session.scalars(query.order_by(*order)))


def badges_count(event: Event, *, not_printed: bool = False) -> int:
    """How many confirmed badges there are (or are not printed yet), counted by the database."""
    query = select(func.count(Registration.id)).where(
        Registration.event_id == event.id, Registration.status == Status.confirmed.value)
    if not_printed:
        query = query.where(Registration.badge_printed_at.is_(None))
    return db.session.scalar(query) or 0


def badges_pdf(registrations: list[Registration], layout: str) -> bytes:
    """One PDF of the given badges in a layout of render.LAYOUTS."""
    from ..certificates.services import organiser_line

    event = registrations[0].event if registrations else None
    author = (organiser_line(event) or event.title) if event else ""
    return render_badges([badge_data(r) for r in registrations], layout, author=author)


def mark_printed(registrations: list[Registration], now: datetime) -> int:
    """Remember that these badges were printed, for the 'not printed yet' filter."""
    for registration in registrations:
        registration.badge_printed_at = now
    return len(registrations)


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
