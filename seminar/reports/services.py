"""Building the final report (итоговый отчёт) from the same counts as the API's stats.

The survey is another feature: when it is plugged in it offers its averages at the registry's
"survey_averages" hook (event -> [(label, average)]); otherwise that part of the report is empty.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import distinct, func, select

from ..attendance.services import session_counts
from ..checkin.roster import event_stats
from ..events.models import Event, Municipality
from ..extensions import db
from ..programme.models import Session, session_speaker
from ..registration.models import Registration, Status
from .data import MunicipalityTurnout, Report, SessionLine, SurveyLine
from .press import press_text

#: Kinds that are not sessions of the programme in a report's counts.
NOT_SESSIONS = ("break", "registration")

SurveySource = Callable[[Event], list[tuple[str, float]]]



def _municipalities_total(event: Event) -> int:
    """Municipalities of the event's region (without a region: those its registrations come from)."""
    if event.region_id is not None:
        return db.session.scalar(select(func.count()).select_from(Municipality)
                                 .where(Municipality.region_id == event.region_id)) or 0
    return db.session.scalar(select(func.count(distinct(Registration.municipality_id)))
                             .where(Registration.event_id == event.id)) or 0


def _speakers(event: Event) -> dict[int, list[str]]:
    """Names of each session's active speakers."""
    rows = db.session.execute(
        select(session_speaker.c.session_id, Registration)
        .join(Registration, Registration.id == session_speaker.c.registration_id)
        .join(Session, Session.id == session_speaker.c.session_id)
        .where(Session.event_id == event.id, Registration.status != Status.cancelled.value)
        .order_by(Registration.last_name_key, Registration.first_name)).all()
    names: dict[int, list[str]] = {}
    for session_id, registration in rows:
        names.setdefault(session_id, []).append(registration.display_name)
    return names


def build_report(event: Event, *, survey: SurveySource | None = None) -> Report:
    """Registered, confirmed, came; municipalities; sessions with attendance; survey; the press text."""
    stats = event_stats(event)
    by_municipality = [MunicipalityTurnout(row["municipality"], row["registered"], row["checked_in"])
                       for row in stats["by_municipality"]]
    by_municipality.sort(key=lambda m: (-m.came, -m.registered, m.name))
    represented = sum(1 for m in by_municipality if m.came and m.name != "—")
    kinds: dict[int, str] = {sid: kind for sid, kind in db.session.execute(
        select(Session.id, Session.kind).where(Session.event_id == event.id)).all()}
    speakers = _speakers(event)
    sessions = [SessionLine(s.id, s.title, s.starts_at, s.ends_at, s.room, tuple(speakers.get(s.id, ())),
                            s.attended, s.capacity)
                for s in session_counts(event) if kinds.get(s.id) not in NOT_SESSIONS]
    speaker_count = len({name for line in sessions for name in line.speakers})
    total = _municipalities_total(event)
    region = event.region.name if event.region else ""
    text = press_text(title=event.title, city=event.city, timezone=event.timezone, starts_at=event.starts_at,
                      came=stats["checked_in"], registered=stats["registered"], represented=represented,
                      total=total, sessions=len(sessions), speakers=speaker_count)
    return Report(
        title=event.title, city=event.city, region=region, timezone=event.timezone,
        starts_at=event.starts_at, ends_at=event.ends_at, registered=stats["registered"],
        confirmed=stats["confirmed"], came=stats["checked_in"], municipalities_represented=represented,
        municipalities_total=total, speakers=speaker_count, press_text=text,
        by_municipality=by_municipality, sessions=sessions,
        survey=[SurveyLine(label, round(float(avg), 2)) for label, avg in (survey(event) if survey else [])],
    )


def report_json(report: Report) -> dict:
    """The report as GET /api/v1/events/<slug>/report answers it."""
    return {
        "registered": report.registered, "confirmed": report.confirmed, "came": report.came,
        "municipalities_represented": report.municipalities_represented,
        "municipalities_total": report.municipalities_total,
        "speakers": report.speakers,
        "press_text": report.press_text,
        "by_municipality": [{"municipality": m.name, "registered": m.registered, "came": m.came,
                             "turnout": m.turnout} for m in report.by_municipality],
        "sessions": [{"id": s.id, "title": s.title, "starts_at": s.starts_at.isoformat(),
                      "ends_at": s.ends_at.isoformat(), "room": s.room or None, "speakers": list(s.speakers),
                      "attended": s.attended, "capacity": s.capacity} for s in report.sessions],
        "survey": [{"label": s.label, "average": s.average} for s in report.survey],
    }
