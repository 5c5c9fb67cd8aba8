"""Door check-in: the scanner page, its JSON API, the offline snapshot and the dashboard."""
from flask import Flask
from flask_babel import lazy_gettext as _l

from ..features import features


def register(app: Flask) -> None:
    """Plug this feature into the app."""
    from . import api, apidoc, views

    registry = features(app)
    registry.add_blueprint(views.bp)
    registry.add_blueprint(api.bp, api=True)
    registry.add_link("checkin.door", _l("Вход: сканер"), "check_in")
    registry.add_link("checkin.dashboard", _l("Дашборд"))
    registry.add_api(apidoc.PATHS, apidoc.SCHEMAS)
