"""GET /healthz: is the database there, is Redis there, how deep is the queue."""
from flask import Blueprint, current_app, jsonify

from .services import health

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    """For the load balancer and the IT department: 200 when the app can serve, 503 when not."""
    report = health(current_app.config.get("REDIS_URL"))
    return jsonify(report), (200 if report["status"] != "down" else 503)
