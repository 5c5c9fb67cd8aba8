"""Badges: the personal badge, single reprints and bulk sheets with QR codes."""
from flask import Flask
from flask_babel import lazy_gettext as _l

from ..features import features


def register(app: Flask) -> None:
    """Plug this feature into the app."""
    from . import cli, jobs, views

    registry = features(app)
    registry.add_jobs(jobs)
    registry.add_blueprint(views.bp)
    registry.add_commands(cli.badges_command)
    registry.add_link("badges.bulk", _l("Бейджи"))
    registry.add_partial("personal", "badges/_personal_badge.html")
    registry.add_partial("registration_row", "badges/_row_actions.html")
