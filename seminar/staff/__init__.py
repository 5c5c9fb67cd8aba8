"""Staff of an event: organisers add door and organiser accounts, manage API tokens."""
from flask import Flask
from flask_babel import lazy_gettext as _l

from ..features import features


def register(app: Flask) -> None:
    """Plug this feature into the app."""
    from . import views

    registry = features(app)
    registry.add_blueprint(views.bp)
    registry.add_link("staff.event_staff", _l("Сотрудники и токены"))
