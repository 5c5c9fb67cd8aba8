"""The roster: registrations with their check-in, filtered and counted, for organisers and the door."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select

from ..events.models import Event, Municipality
from ..extensions import db
from ..registration.models import Registration, Status, name_key
from .models import CheckIn


def registrations_query(event: Event, *, role: str | None = None, status: str | None = None,
                        q: str | None = None, municipality_id: int | None = None) -> Select:
    """Registrations of the event with their check-in time, sorted by name."""
    query = (
        select(Registration, CheckIn.checked_in_at)
        .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.event_id == event.id)
        .order_by(Registration.last_name_key, Registration.first_name, Registration.id)
    )
    if role:
        query = query.where(Registration.role == role)
    if status:
        query = query.where(Registration.status == status)
    if municipality_id:
        query = query.where(Registration.municipality_id == municipality_id)
    if q and q.strip():
        key = name_key(q)
        like = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(or_(
            Registration.last_name_key.like(like + "%", escape="\\"),
            func.lower(Registration.email).like("%" + like + "%", escape="\\"),
            func.lower(Registration.organization).like("%" + like + "%", escape="\\"),
        ))
    return query


def event_counts(event: Event) -> dict:
    """Registered (not cancelled), confirmed and checked-in counts (cheap: three indexed counts)."""
    active = Registration.status != Status.cancelled.value
    registered = db.session.scalar(
        select(func.count()).where(Registration.event_id == event.id, active)) or 0
    confirmed = db.session.scalar(select(func.count()).where(
        Registration.event_id == event.id, Registration.status == Status.confirmed.value)) or 0
    checked_in = db.session.scalar(
        select(func.count()).select_from(CheckIn).where(CheckIn.event_id == event.id)) or 0
    return {"registered": registered, "confirmed": confirmed, "checked_in": checked_in}


def event_stats(event: Event) -> dict:
    """Registered (not cancelled), confirmed and checked-in counts, overall and by municipality."""
    active = Registration.status != Status.cancelled.value
    rows = db.session.execute(
        select(
            Municipality.name,
            func.count(Registration.id).filter(active),
            func.count(CheckIn.id),
        )
        .select_from(Registration)
        .outerjoin(Municipality, Municipality.id == Registration.municipality_id)
        .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.event_id == event.id)
        .group_by(Municipality.name)
        .order_by(Municipality.name)
    ).all()
    return {
        **event_counts(event),
        "by_municipality": [
            {"municipality": name or "—", "registered": reg, "checked_in": chk}
            for name, reg, chk in rows
        ],
    }


@dataclass
class Page:
    """One page of (registration, checked_in_at) rows."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def count_rows(query: Select) -> int:
    """How many rows the query gives, counted by the database."""
    return db.session.scalar(query.with_only_columns(func.count()).order_by(None)) or 0


def paginate_rows(query: Select, page: int, per_page: int) -> Page:
    """A page of a multi-column query (db.paginate only returns the first column)."""
    page = max(page, 1)
    total = count_rows(query)
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page([tuple(row) for row in rows], page, per_page, total)
