"""Certificates: issued after check-in, the PDF, public verification, the organiser's page."""
from flask import Flask
from flask_babel import lazy_gettext as _l

from ..features import features


def register(app: Flask) -> None:
    """Plug this feature into the app."""
    from . import api, cli, jobs, views

    registry = features(app)
    registry.add_jobs(jobs)
    registry.add_blueprint(views.bp)
    registry.add_commands(cli.certificates_command)
    registry.add_blueprint(api.bp, api=True)
    registry.add_link("certificates.manage_page", _l("Сертификаты"))
    registry.add_link("certificates.settings_page", _l("Оформление сертификатов"))
    registry.add_api(api.PATHS, api.SCHEMAS)
    registry.add_partial("personal", "certificates/_personal_certificate.html")
