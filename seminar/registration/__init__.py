"""Registration: the public form, the personal page, seats and the waitlist."""
from flask import Flask

from ..features import features


def register(app: Flask) -> None:
    """Plug this feature into the app."""
    from . import jobs, notify, services, views

    registry = features(app)
    registry.add_jobs(jobs)
    registry.add_blueprint(views.bp)
    registry.add_hook("mail_letter", notify.REGISTERED)
    registry.add_template_global("seats_left_of", services.seats_left)
