"""Session attendance: a room's door records who came to which session; seats per session;
the sessions attended for certificates (`services.sessions_attended`, `services.certificate_sessions`)."""
from flask import Flask
from flask_babel import lazy_gettext as _l

from ..features import features


def register(app: Flask) -> None:
    """Plug this feature into the app."""
    from . import api, apidoc, services, views

    registry = features(app)
    registry.add_blueprint(views.bp)
    registry.add_blueprint(api.bp, api=True)
    registry.add_link("attendance.doors", _l("Вход в залы"), "check_in")
    registry.add_link("attendance.overview", _l("Посещаемость секций"))
    registry.add_api(apidoc.PATHS, apidoc.SCHEMAS)
    registry.add_template_global("session_attendance_of", services.attendance_by_session)
    registry.add_hook("certificate_sessions", services.certificate_sessions)
