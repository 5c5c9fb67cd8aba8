"""Column types shared by the models."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """An aware datetime stored in UTC.

    SQLite keeps no offset, so values are normalised to UTC on the way in and
    given back as aware UTC datetimes; PostgreSQL stores them as timestamptz.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class VenueClock:
    """The venue's wall clock, for anything with an IANA `timezone` (an event, or a plain copy of one)."""

    timezone: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, moment: datetime) -> datetime:
        """A moment in the venue's time zone."""
        return moment.astimezone(self.tz)


def fold_text(value: str | None) -> str | None:
    """Case- and ё-insensitive form of a text (Python's full Unicode lower case)."""
    return None if value is None else value.lower().replace("ё", "е")


class fold(GenericFunction):  # noqa: N801  (an SQL function's name)
    """SQL: a column folded like `fold_text`, on SQLite (whose lower() folds ASCII only) and PostgreSQL."""

    type = String()
    inherit_cache = True


@compiles(fold, "sqlite")
def _fold_sqlite(element, compiler, **kw):
    return f"seminar_fold({compiler.process(element.clauses, **kw)})"


@compiles(fold)
def _fold_default(element, compiler, **kw):
    return f"replace(lower({compiler.process(element.clauses, **kw)}), 'ё', 'е')"


class epoch_bucket(GenericFunction):  # noqa: N801  (an SQL function's name)
    """SQL: the start of the `seconds`-long bucket holding a UTCDateTime, as Unix seconds."""

    type = Integer()
    inherit_cache = True


@compiles(epoch_bucket, "sqlite")
def _epoch_bucket_sqlite(element, compiler, **kw):
    column, seconds = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST(strftime('%s', {column}) AS INTEGER) / {seconds}) * {seconds}"


@compiles(epoch_bucket)
def _epoch_bucket_default(element, compiler, **kw):
    column, seconds = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(floor(extract(epoch from {column}) / {seconds}) * {seconds} AS BIGINT)"
