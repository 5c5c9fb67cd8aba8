"""The final report (итоговый отчёт): figures, turnout per municipality, sessions, press text; page, PDF, API.

A survey feature gives the report its averages through the registry's "survey_averages" hook."""
from flask import Flask
from flask_babel import lazy_gettext as _l

from ..features import features


def register(app: Flask) -> None:
    """Plug this feature into the app."""
    from . import api, apidoc, views

    registry = features(app)
    registry.add_blueprint(views.bp)
    registry.add_blueprint(api.bp, api=True)
    registry.add_link("reports.report_page", _l("Итоговый отчёт"))
    registry.add_api(apidoc.PATHS, apidoc.SCHEMAS)
