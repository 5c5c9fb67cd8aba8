"""OpenAPI paths of the organiser's registration and event-limit endpoints."""
from __future__ import annotations

SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
ERRORS = {"400": {"description": "Invalid fields: {\"error\": \"invalid\", \"fields\": {...}}"},
          "401": {"description": "No or invalid bearer token"},
          "403": {"description": "The token's user cannot manage this event"},
          "404": {"description": "No such event or registration"}}
REGISTRATION = {"application/json": {"schema": {"$ref": "#/components/schemas/Registration"}}}

PERSON_INPUT = {
    "type": "object",
    "properties": {
        "last_name": {"type": "string"}, "first_name": {"type": "string"},
        "middle_name": {"type": "string"}, "email": {"type": "string", "format": "email"},
        "phone": {"type": "string"},
        "municipality": {"type": ["integer", "string"],
                         "description": "The municipality's id, or its exact name"},
        "organization": {"type": "string"}, "position": {"type": "string"},
        "role": {"type": "string", "enum": ["participant", "speaker", "organiser", "press", "guest"]},
        "override": {"type": "boolean", "description":
                     "Seat above capacity or quota (recorded in the audit log)"},
    },
}
PATCH_INPUT = {"allOf": [{"$ref": "#/components/schemas/PersonInput"}, {"type": "object", "properties": {
    "status": {"type": "string", "enum": ["confirmed", "cancelled"]}}}]}
EVENT_LIMITS: dict = {
    "type": "object",
    "properties": {
        "capacity": {"type": ["integer", "null"], "minimum": 1},
        "municipality_quota": {"type": ["integer", "null"], "minimum": 1},
        "registration_opens": {"type": ["string", "null"], "format": "date-time"},
        "registration_closes": {"type": ["string", "null"], "format": "date-time"},
    },
}
EVENT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "slug": {"type": "string"}, "title": {"type": "string"},
        "status": {"type": "string"},
        "starts_at": {"type": "string", "format": "date-time"},
        "ends_at": {"type": "string", "format": "date-time"},
        **EVENT_LIMITS["properties"],
        "seated": {"type": "integer", "description": "Confirmed and pending registrations"},
        "over_capacity": {"type": "integer", "description":
                          "Seated people above a lowered capacity (they keep their seats)"},
        "promoted": {"type": "array", "items": {"type": "integer"},
                     "description": "Ids of waitlisted registrations seated by this change"},
    },
}

PATHS: dict = {
    "/events/{slug}/registrations": {"post": {
        "summary": "Add a registration (organiser); seat rules apply unless override is true",
        "parameters": [SLUG],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/PersonInput"}}}},
        "responses": {"201": {"description": "Created: status confirmed, waitlisted or pending",
                              "content": REGISTRATION},
                      "409": {"description": "The e-mail is already registered for this event"},
                      **ERRORS},
    }},
    "/events/{slug}/registrations/{id}": {"patch": {
        "summary": "Change a registration's fields or status (organiser); the seat is kept",
        "parameters": [SLUG, ID],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/RegistrationPatch"}}}},
        "responses": {"200": {"description": "The registration", "content": REGISTRATION},
                      "409": {"description": "Duplicate e-mail, a cancelled registration seated by "
                                             "hand, or no free seat without override"},
                      **ERRORS},
    }},
    "/events/{slug}": {"patch": {
        "summary": "Change capacity, quota or registration window; a raised limit seats the waitlist",
        "parameters": [SLUG],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/EventLimits"}}}},
        "responses": {"200": {"description": "The event", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Event"}}}}, **ERRORS},
    }},
}
SCHEMAS: dict = {"PersonInput": PERSON_INPUT, "RegistrationPatch": PATCH_INPUT,
                 "EventLimits": EVENT_LIMITS, "Event": EVENT}
