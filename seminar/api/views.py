"""JSON API v1: registrations and statistics (check-ins live in checkin/api.py)."""
from flask import Blueprint, g, jsonify, request

from ..audit.services import record
from ..checkin.roster import event_stats, paginate_rows, registrations_query
from ..extensions import db
from ..features import features
from ..questions.services import answers_json
from .auth import event_for, token_required
from .openapi import openapi_document
from .serializers import registration_json

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document(features()))


@bp.get("/events/<slug>/registrations")
@token_required
def registrations(slug):
    """Registrations of an event, paginated, filtered by role, status and a search string."""
    event = event_for(slug, "manage")
    query = registrations_query(event, role=request.args.get("role") or None,
                                status=request.args.get("status") or None,
                                q=request.args.get("q") or None)
    per_page = min(max(request.args.get("per_page", 50, type=int), 1), 500)
    page = paginate_rows(query, request.args.get("page", 1, type=int), per_page)
    answers = answers_json([reg.id for reg, _at in page.items])
    record("export.api", actor=g.api_user, event_id=event.id, ip=request.remote_addr,
           detail={"page": page.page, "rows": len(page.items), "search": bool(request.args.get("q"))})
    db.session.commit()
    return jsonify({
        "items": [registration_json(reg, checked_in_at, answers.get(reg.id, {}))
                  for reg, checked_in_at in page.items],
        "page": page.page, "per_page": page.per_page, "total": page.total, "pages": page.pages,
    })


@bp.get("/events/<slug>/stats")
@token_required
def stats(slug):
    """Counts of registered, confirmed and checked-in people, overall and by municipality."""
    return jsonify(event_stats(event_for(slug, "check_in")))
