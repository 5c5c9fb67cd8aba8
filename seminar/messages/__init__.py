"""Messages: the durable mail queue, e-mails to a chosen group, scheduled reminders and notices."""
from flask import Flask
from flask_babel import lazy_gettext as _l

from ..features import features


def register(app: Flask) -> None:
    """Plug this feature into the app."""
    from . import api, cli, jobs, letters, outbox, views

    outbox.install_hooks()
    app.teardown_request(outbox.commit_forgotten)
    app.teardown_appcontext(outbox.commit_forgotten)
    registry = features(app)
    registry.add_jobs(jobs)
    registry.add_blueprint(views.bp)
    registry.add_blueprint(api.bp, api=True)
    registry.add_hook("confirmation_letter", letters.confirmation)
    registry.add_link("messages.index", _l("Сообщения"))
    registry.add_api(api.PATHS, api.SCHEMAS)
    registry.add_commands(cli.worker_command)
    registry.add_template_global("message_queue_state", views.queue_state)
    registry.add_personal_data("mail", export=outbox.export_of, erase=outbox.erase)
