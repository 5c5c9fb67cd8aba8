"""JSON API: an event's questions (list, add) and the survey's results."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from ..api.auth import event_for, token_required
from ..extensions import db
from .models import Question
from .services import QuestionFields, QuestionInvalid, create_question, questions_of
from .survey import results, results_json

bp = Blueprint("questions_api", __name__, url_prefix="/api/v1")


def question_json(question: Question) -> dict:
    return {
        "id": question.id, "kind": question.kind, "type": question.type, "label": question.label,
        "help_text": question.help_text, "required": question.required,
        "choices": list(question.choices or []), "limits": dict(question.limits or {}),
        "show_if": ({"question": question.show_if_question_id, "value": question.show_if_value}
                    if question.show_if_question_id else None),
        "min": question.min_value, "max": question.max_value, "position": question.position,
        "hidden": question.hidden, "session_id": question.session_id,
    }


def _bad(field: str, message) -> tuple:
    return jsonify({"error": "invalid", "field": field, "message": str(message)}), 400


def _int_or_none(body: dict, name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise QuestionInvalid(name, f"{name} must be an integer")
    return value


def fields_from(body: dict) -> QuestionFields:
    """A question from the API's JSON; QuestionInvalid for a malformed one."""
    choices = body.get("choices") or []
    limits = body.get("limits") or {}
    show_if = body.get("show_if") or None
    if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
        raise QuestionInvalid("choices", "choices must be a list of strings")
    if not isinstance(limits, dict):
        raise QuestionInvalid("limits", "limits must be an object {choice: seats}")
    if show_if is not None and (not isinstance(show_if, dict)
                                or isinstance(show_if.get("question"), bool)
                                or not isinstance(show_if.get("question"), int)):
        raise QuestionInvalid("show_if", 'show_if must be {"question": <id>, "value": ...}')
    for name in ("label", "help_text", "kind", "type"):
        if body.get(name) is not None and not isinstance(body.get(name), str):
            raise QuestionInvalid(name, f"{name} must be a string")
    return QuestionFields(
        kind=body.get("kind") or "registration", type=body.get("type") or "", label=body.get("label") or "",
        required=bool(body.get("required", False)), help_text=body.get("help_text") or "",
        choices=tuple(choices), limits=limits,
        show_if_question=show_if["question"] if show_if else None,
        show_if_value=show_if.get("value") if show_if else None,
        min_value=_int_or_none(body, "min"), max_value=_int_or_none(body, "max"),
    )


@bp.get("/events/<slug>/questions")
@token_required
def list_questions(slug):
    """The event's questions, both kinds, in order (old versions left out)."""
    event = event_for(slug, "manage")
    kinds = [request.args["kind"]] if request.args.get("kind") in ("registration", "survey") else [
        "registration", "survey"]
    items = [question_json(q) for kind in kinds for q in questions_of(event, kind, include_hidden=True)]
    return jsonify({"items": items})


@bp.post("/events/<slug>/questions")
@token_required
def add_question(slug):
    """Add a question to the registration form or the survey."""
    event = event_for(slug, "manage")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _bad("body", "a JSON object is required")
    try:
        question = create_question(event, fields_from(body))
    except QuestionInvalid as exc:
        db.session.rollback()
        return _bad(exc.field, exc.message)
    db.session.commit()
    return jsonify(question_json(question)), 201


@bp.get("/events/<slug>/survey")
@token_required
def survey_results(slug):
    """The survey's results: responses, and per question its counts or average."""
    return jsonify(results_json(results(event_for(slug, "manage"))))


QUESTION_SCHEMA = {
    "type": "object", "required": ["kind", "type", "label"],
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "kind": {"type": "string", "enum": ["registration", "survey"]},
        "type": {"type": "string",
                 "enum": ["text", "textarea", "choice", "multi", "yesno", "number", "date", "rating"]},
        "label": {"type": "string", "maxLength": 500},
        "help_text": {"type": "string"},
        "required": {"type": "boolean"},
        "choices": {"type": "array", "items": {"type": "string"}},
        "limits": {"type": "object", "additionalProperties": {"type": "integer"},
                   "description": "Seats per choice, enforced atomically"},
        "show_if": {"type": ["object", "null"], "properties": {
            "question": {"type": "integer"}, "value": {}},
            "description": "Shown only when that earlier question has this answer"},
        "min": {"type": ["integer", "null"]}, "max": {"type": ["integer", "null"]},
    },
}
SURVEY_SCHEMA = {
    "type": "object", "properties": {
        "responses": {"type": "integer"},
        "questions": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "integer"}, "label": {"type": "string"}, "type": {"type": "string"},
            "answered": {"type": "integer"},
            "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "average": {"type": ["number", "null"]},
            "answers": {"type": "array", "items": {"type": "string"}}}}}},
}
_REF = {"application/json": {"schema": {"$ref": "#/components/schemas/Question"}}}
PATHS = {
    "/events/{slug}/questions": {
        "get": {"summary": "The event's questions (organiser)", "responses": {"200": {"description": "items"}}},
        "post": {"summary": "Add a question (organiser)", "requestBody": {"content": _REF},
                 "responses": {"201": {"description": "the question", "content": _REF},
                               "400": {"description": "invalid question"}}},
    },
    "/events/{slug}/survey": {
        "get": {"summary": "The feedback survey's results (organiser)", "responses": {"200": {
            "description": "results",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SurveyResults"}}}}}},
    },
}
SCHEMAS = {"Question": QUESTION_SCHEMA, "SurveyResults": SURVEY_SCHEMA}
