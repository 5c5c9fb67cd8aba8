"""Programme: rooms, sessions and speakers; the public timetable and the organiser's editor."""
from flask import Flask
from flask_babel import lazy_gettext as _l

from ..features import features


def register(app: Flask) -> None:
    """Plug this feature into the app."""
    from . import editor, openapi, views

    registry = features(app)
    registry.add_blueprint(views.bp)
    registry.add_blueprint(editor.bp)
    registry.add_link("programme_editor.editor", _l("Программа"))
    registry.add_api(openapi.PATHS, openapi.SCHEMAS)
    registry.add_partial("personal", "programme/_personal_sessions.html")
