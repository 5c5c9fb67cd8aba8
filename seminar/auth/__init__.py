"""Staff accounts: sign-in, roles, API tokens."""
from flask import Flask

from ..features import features


def register(app: Flask) -> None:
    """Plug this feature into the app."""
    from . import views

    features(app).add_blueprint(views.bp)
