"""The shape of /events/<slug>/programme.json, registered by `programme.register`.

The programme is public and lives outside /api/v1, hence the path-level server "/".
Times are ISO 8601 with the venue's offset (e.g. 2022-08-30T10:00:00+09:00).
"""
from __future__ import annotations

TIME = {"type": "string", "format": "date-time", "description": "ISO 8601 with the venue's UTC offset"}

PROGRAMME_SCHEMA = {
    "type": "object",
    "required": ["event", "rooms", "sessions"],
    "properties": {
        "event": {"type": "object", "properties": {
            "slug": {"type": "string"}, "title": {"type": "string"},
            "timezone": {"type": "string", "description": "IANA zone, e.g. Asia/Yakutsk"},
            "city": {"type": "string"}, "venue": {"type": "string"},
            "starts_at": TIME, "ends_at": TIME}},
        "rooms": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"},
            "capacity": {"type": ["integer", "null"]}}}},
        "sessions": {"type": "array", "description": "In time order, then by room", "items": {
            "type": "object",
            "required": ["id", "url", "title", "kind", "starts_at", "ends_at", "room", "all_rooms", "speakers"],
            "properties": {
                "id": {"type": "integer"},
                "url": {"type": "string", "format": "uri", "description": "The session's anchor on the programme page"},
                "title": {"type": "string"},
                "description": {"type": "string", "description": "Plain text"},
                "kind": {"type": "string",
                         "enum": ["talk", "panel", "workshop", "break", "registration", "plenary"]},
                "track": {"type": "string"},
                "starts_at": TIME, "ends_at": TIME,
                "room": {"type": ["object", "null"], "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"}}},
                "all_rooms": {"type": "boolean",
                              "description": "A plenary, break or registration without a room: it takes every room"},
                "sequence": {"type": "integer", "description": "iCalendar SEQUENCE: raised on every change"},
                "speakers": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"},
                    "position": {"type": "string"}, "organization": {"type": "string"}}}},
            }}},
    },
}

SCHEMAS = {"ProgrammeJson": PROGRAMME_SCHEMA}
PATHS = {"/events/{slug}/programme.json": {
    "servers": [{"url": "/"}],
    "get": {
        "summary": "The public programme of an event (no token needed)",
        "security": [],
        "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "Rooms and sessions", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/ProgrammeJson"}}}},
            "404": {"description": "No such event"}},
    },
}}
