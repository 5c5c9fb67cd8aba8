"""Events: the public list and event pages; regions and municipalities."""
from flask import Flask

from ..features import features


def register(app: Flask) -> None:
    """Plug this feature into the app."""
    from . import views

    features(app).add_blueprint(views.bp)
