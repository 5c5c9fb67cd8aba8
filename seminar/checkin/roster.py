"""The roster: registrations with their check-in, filtered and counted, for organisers and the door."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, or_, select

from ..dbtypes import fold
from ..events.models import Event, Municipality
from ..extensions import db
from ..registration.models import Registration, Status, name_key
from .models import CheckIn


def registrations_query(event: Event, *, role: str | None = None, status: str | None = None,
                        q: str | None = None, municipality_id: int | None = None,
                        where: Sequence[ColumnElement[bool]] = ()) -> Select:
    """Registrations of the event with their check-in time, sorted by name.

    `where`: further conditions from other features (e.g. an answer to an organiser's question).
    """
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
    for condition in where:
        query = query.where(condition)
    if q and q.strip():
        key = name_key(q)
        like = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(or_(
            Registration.last_name_key.like(like + "%", escape="\\"),
            fold(Registration.email).like("%" + like + "%", escape="\\"),
            fold(Registration.organization).like("%" + like + "%", escape="\\"),
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
    """Registered (not cancelled), confirmed and checked-in counts, overall and by municipality.

    One grouped pass over the event's registrations (the dashboard polls this every few
    seconds); the totals are the sums of the municipalities' rows."""
    active = Registration.status != Status.cancelled.value
    rows = db.session.execute(
        select(
            Registration.municipality_id,
            func.count().filter(active),
            func.count().filter(Registration.status == Status.confirmed.value),
            func.count(CheckIn.id),
        )
        .select_from(Registration)
        .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.event_id == event.id)
        .group_by(Registration.municipality_id)
    ).all()
    ids = [row[0] for row in rows if row[0] is not None]
    names: dict[int, str] = {mid: name for mid, name in db.session.execute(
        select(Municipality.id, Municipality.name).where(Municipality.id.in_(ids)))} if ids else {}
    by_municipality = sorted(
        ({"municipality": names.get(mid) or "—", "registered": reg, "checked_in": chk}
         for mid, reg, _confirmed, chk in rows),
        key=lambda item: (item["municipality"] == "—", item["municipality"]))
    return {
        "registered": sum(row[1] for row in rows),
        "confirmed": sum(row[2] for row in rows),
        "checked_in": sum(row[3] for row in rows),
        "by_municipality": by_municipality,
    }


#: Page numbers beyond this are treated as this one (its offset still fits every database).
MAX_PAGE = 1_000_000


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
    page = min(max(page, 1), MAX_PAGE)  # a huge page number is an empty page, not an overflow
    total = count_rows(query)
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page([tuple(row) for row in rows], page, per_page, total)
