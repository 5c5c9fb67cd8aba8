"""The public programme, speakers, and the programme as JSON, iCalendar and PDF."""
from flask import Blueprint, Response, jsonify, render_template
from flask_babel import gettext as _

from ..dbtypes import utcnow
from ..events.services import get_event_or_404
from ..links import public_url
from ..registration.views import get_registration_or_404
from .ical import calendar_bytes
from .pdf import programme_pdf
from .queries import event_info, programme_data, programme_json, speaker_sessions, speakers_of

bp = Blueprint("programme", __name__)


def _programme_url(event) -> str:
    return public_url("programme.programme", slug=event.slug)


@bp.get("/events/<slug>/programme")
def programme(slug):
    """The programme by day: a grid by room on wide screens, a list on phones."""
    event = get_event_or_404(slug)
    return render_template("programme/programme.html", event=event, data=programme_data(event, utcnow()))


@bp.get("/events/<slug>/speakers")
def speakers(slug):
    """The event's speakers with their sessions."""
    event = get_event_or_404(slug)
    return render_template("programme/speakers.html", event=event, speakers=speakers_of(event))


@bp.get("/events/<slug>/programme.json")
def programme_json_view(slug):
    """The programme as JSON (shape: ProgrammeJson in the OpenAPI document)."""
    event = get_event_or_404(slug)
    return jsonify(programme_json(programme_data(event), _programme_url(event)))


def _ics(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="text/calendar", headers={
        "Content-Disposition": f'inline; filename="{filename}"'})


@bp.get("/events/<slug>/programme.ics")
def programme_ics(slug):
    """Every session of the event as an iCalendar feed."""
    event = get_event_or_404(slug)
    data = programme_data(event)
    return _ics(calendar_bytes(data.event, data.sessions, now=utcnow(), programme_url=_programme_url(event),
                               name=event.title), f"{event.slug}.ics")


@bp.get("/r/<token>/schedule.ics")
def personal_ics(token):
    """A speaker's own sessions as iCalendar; for other participants, the whole programme."""
    registration = get_registration_or_404(token)
    event = registration.event
    sessions = speaker_sessions(registration) or programme_data(event).sessions
    return _ics(calendar_bytes(event_info(event), sessions, now=utcnow(), programme_url=_programme_url(event),
                               name=_("Моё расписание: %(title)s", title=event.title)), "schedule.ics")


@bp.get("/events/<slug>/programme.pdf")
def programme_pdf_view(slug):
    """The printable programme (A4) for the registration desk and the press."""
    from ..certificates.services import organiser_line

    event = get_event_or_404(slug)
    pdf = programme_pdf(programme_data(event), author=organiser_line(event) or event.title)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{event.slug}-programme.pdf"'})


@bp.app_template_global()
def personal_sessions(registration):
    """For the personal page: the sessions this registration speaks in."""
    return speaker_sessions(registration)
