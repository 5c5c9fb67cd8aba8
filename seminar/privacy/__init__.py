"""Personal data from consent to deletion (152-FZ): consent versions, retention, the
participant's rights, masked access logs, private files, and backups that restore."""
from flask import Flask
from flask_babel import lazy_gettext as _l

from ..features import features


def register(app: Flask) -> None:
    """Plug this feature into the app."""
    from ..files import protect_sqlite
    from . import cli, consent, jobs, logs, retention, views

    protect_sqlite(app.config["SQLALCHEMY_DATABASE_URI"])
    logs.mask_werkzeug_log()
    registry = features(app)
    registry.add_jobs(jobs)
    registry.add_blueprint(views.bp)
    registry.add_commands(cli.privacy_cli, cli.backup_command, cli.restore_command)
    registry.add_link("privacy.page", _l("Персональные данные"))
    registry.add_template_global("privacy_deadline", retention.deadline)
    registry.add_hook("registration_consent", consent.SOURCE)
    registry.add_partial("registration_row", "privacy/_row_actions.html")
    registry.add_partial("personal", "privacy/_personal_privacy.html")
