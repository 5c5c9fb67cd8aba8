"""The organiser's pages: events, the registration list, approve and cancel, exports."""
from flask import Flask
from flask_babel import lazy_gettext as _l

from ..features import features


def register(app: Flask) -> None:
    """Plug this feature into the app."""
    from . import jobs, views

    registry = features(app)
    registry.add_jobs(jobs)
    registry.add_blueprint(views.bp)
    registry.add_link("manage.clone_event_view", _l("Копия на следующий год"))
