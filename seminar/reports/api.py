"""GET /api/v1/events/<slug>/report: the final report as JSON (organiser)."""
from __future__ import annotations

from flask import Blueprint, jsonify

from ..api.auth import event_for, token_required
from .services import build_report, report_json
from .views import survey_source

bp = Blueprint("reports_api", __name__, url_prefix="/api/v1")


@bp.get("/events/<slug>/report")
@token_required
def report(slug):
    """Registered, confirmed, came, municipalities, sessions and the press text."""
    event = event_for(slug, "manage")
    return jsonify(report_json(build_report(event, survey=survey_source())))
