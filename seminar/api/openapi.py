"""The OpenAPI document of /api/v1: the shared pieces, this package's own paths, and the assembly."""
from __future__ import annotations

from ..features import Features
from ..version import __version__

REGISTRATION_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "last_name": {"type": "string"}, "first_name": {"type": "string"},
        "middle_name": {"type": "string"}, "full_name": {"type": "string"},
        "email": {"type": "string"}, "phone": {"type": "string"},
        "municipality": {"type": ["string", "null"]},
        "organization": {"type": "string"}, "position": {"type": "string"},
        "role": {"type": "string", "enum": ["participant", "speaker", "organiser", "press", "guest"]},
        "status": {"type": "string", "enum": ["pending", "confirmed", "waitlisted", "cancelled", "unconfirmed"]},
        "checked_in_at": {"type": ["string", "null"], "format": "date-time"},
        "badge_code": {"type": "string"},
        "personal_url": {"type": "string", "format": "uri"},
    },
}

STATS_SCHEMA = {
    "type": "object",
    "properties": {
        "registered": {"type": "integer"}, "confirmed": {"type": "integer"},
        "checked_in": {"type": "integer"},
        "by_municipality": {"type": "array", "items": {"type": "object", "properties": {
            "municipality": {"type": "string"}, "registered": {"type": "integer"},
            "checked_in": {"type": "integer"}}}},
    },
}

SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
ERRORS = {"401": {"description": "No or invalid bearer token"},
          "403": {"description": "The token's user has no right on this event"},
          "404": {"description": "No such event"}}

#: The paths of this package; other features bring theirs through `features(app).add_api`.
PATHS: dict = {
    "/events/{slug}/registrations": {"get": {
        "summary": "Registrations of an event (organiser)",
        "parameters": [SLUG,
                       {"name": "role", "in": "query", "schema": {"type": "string"}},
                       {"name": "status", "in": "query", "schema": {"type": "string"}},
                       {"name": "q", "in": "query", "schema": {"type": "string"},
                        "description": "Last-name prefix, e-mail or organisation"},
                       {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                       {"name": "per_page", "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 500}}],
        "responses": {"200": {"description": "A page of registrations", "content": {
            "application/json": {"schema": {"type": "object", "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Registration"}},
                "page": {"type": "integer"}, "per_page": {"type": "integer"},
                "total": {"type": "integer"}, "pages": {"type": "integer"}}}}}}, **ERRORS},
    }},
    "/events/{slug}/stats": {"get": {
        "summary": "Registered, confirmed and checked-in counts (organiser or door)",
        "parameters": [SLUG],
        "responses": {"200": {"description": "Counts", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Stats"}}}}, **ERRORS},
    }},
}
SCHEMAS: dict = {"Registration": REGISTRATION_SCHEMA, "Stats": STATS_SCHEMA}


def openapi_document(registry: Features) -> dict:
    """The whole document: every feature's paths and schemas, as registered."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "seminar API", "version": __version__},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": registry.api_schemas,
        },
        "security": [{"bearer": []}],
        "paths": registry.api_paths,
    }
