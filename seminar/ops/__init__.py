"""Operations: /healthz, structured request logs with a request id, and optional /metrics."""
from flask import Flask

from ..features import features


def register(app: Flask) -> None:
    """Plug this feature into the app."""
    from . import metrics, requestlog, views

    features(app).add_blueprint(views.bp)
    requestlog.init_app(app)
    if app.config.get("METRICS"):
        metrics.init_app(app)
