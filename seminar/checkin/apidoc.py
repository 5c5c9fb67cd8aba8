"""The door's paths in the OpenAPI document (registered by `checkin.register`)."""
from __future__ import annotations

from ..api.openapi import ERRORS, SLUG


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


STRING_OR_NULL = {"type": ["string", "null"]}
DOOR_PERSON = {"type": "object", "properties": {
    "id": {"type": "integer"}, "full_name": {"type": "string"}, "last_name": {"type": "string"},
    "first_name": {"type": "string"}, "middle_name": {"type": "string"}, "municipality": STRING_OR_NULL,
    "organization": {"type": "string"}, "position": {"type": "string"},
    "role": {"type": "string"}, "status": {"type": "string"}}}
SCAN: dict = {"type": "object", "anyOf": [{"required": ["code"]}, {"required": ["registration_id"]}], "properties": {
    "code": {"type": "string", "minLength": 1, "maxLength": 64,
             "description": "Badge code; spaces and dashes are ignored, case too"},
    "registration_id": {"type": "integer", "minimum": 1,
                        "description": "Instead of code: a person picked in the name search"},
    "device": {"type": "string", "maxLength": 100, "example": "door-1"},
    "scan_id": {"type": "string", "maxLength": 64,
                "description": "Client id of the scan (a UUID); the same scan_id sent twice is one scan"},
    "scanned_at": {"type": "string", "format": "date-time",
                   "description": "When an offline scan happened; believed from a day before the event "
                                  "to 5 minutes ahead of the server, else the server's time is used"},
}}
SCAN_RESULT = {"type": "object", "required": ["status"], "properties": {
    "status": {"type": "string", "enum": ["checked_in", "already_checked_in", "unknown_code",
                                          "cancelled", "not_confirmed", "other_event", "scan_id_reused"]},
    "registration": _ref("DoorPerson"),
    "checked_in_at": {"type": ["string", "null"], "format": "date-time",
                      "description": "Time of the FIRST check-in"},
    "device": {"type": ["string", "null"], "description": "Device of the FIRST check-in"},
}}
REFUSAL = {"type": "object", "properties": {
    "status": {"type": "string", "enum": ["cancelled", "not_confirmed", "other_event", "scan_id_reused"]},
    "message": {"type": "string"},
    "registration": {"type": "object", "properties": {"full_name": {"type": "string"},
                                                      "municipality": STRING_OR_NULL}}}}
BAD_REQUEST = _json("Malformed body (not JSON, code not a string or too long, bad scanned_at …)",
                    {"type": "object", "properties": {"status": {"const": "bad_request"},
                                                      "message": {"type": "string"}}})
AUTH = {"401": ERRORS["401"], "403": ERRORS["403"]}

SCHEMAS = {"DoorPerson": DOOR_PERSON, "Scan": SCAN, "ScanResult": SCAN_RESULT}
PATHS = {
    "/events/{slug}/checkins": {"post": {
        "summary": "Check a person in by badge code or registration id (door, organiser)",
        "description": "Every scan is kept in the audit trail. Works with a bearer token or, from the "
                       "door page, with the signed-in session and the X-CSRFToken header.",
        "parameters": [SLUG],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Scan")}}},
        "responses": {
            "201": _json("Checked in now", _ref("ScanResult")),
            "200": _json("Already checked in: the first time and device", _ref("ScanResult")),
            "400": BAD_REQUEST,
            "404": _json("Unknown code (or no such event)", {"type": "object", "properties": {
                "status": {"const": "unknown_code"}}}),
            "409": _json("Cancelled, not confirmed (pending or waitlisted) or another event's badge",
                         REFUSAL),
            **AUTH},
    }},
    "/events/{slug}/checkins/{registration_id}": {"delete": {
        "summary": "Undo a check-in (organiser); the audit trail keeps an 'undone' row",
        "parameters": [SLUG, {"name": "registration_id", "in": "path", "required": True,
                              "schema": {"type": "integer"}}],
        "responses": {"200": _json("Undone", {"type": "object", "properties": {"status": {"const": "undone"}}}),
                      "404": {"description": "Not checked in, or no such event"}, **AUTH},
    }},
    "/events/{slug}/door/search": {"get": {
        "summary": "Find people by last-name prefix (case-insensitive, ё = е), at most 20",
        "parameters": [SLUG, {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": _json("Matches", {"type": "object", "properties": {"results": {
            "type": "array", "maxItems": 20, "items": {"type": "object", "properties": {
                "id": {"type": "integer"}, "full_name": {"type": "string"}, "municipality": STRING_OR_NULL,
                "organization": {"type": "string"}, "role": {"type": "string"},
                "status": {"type": "string"},
                "checked_in_at": {"type": ["string", "null"], "format": "date-time"}}}}}}),
            **ERRORS},
    }},
    "/events/{slug}/door/snapshot": {"get": {
        "summary": "Offline copy of the list for the door page: no badge codes, e-mails or phones",
        "description": "entries[].k = first 32 hex digits of SHA-256(salt + badge code).",
        "parameters": [SLUG],
        "responses": {"200": _json("Snapshot", {"type": "object", "properties": {
            "generated_at": {"type": "string", "format": "date-time"},
            "event": {"type": "object", "properties": {"slug": {"type": "string"}, "title": {"type": "string"},
                                                       "timezone": {"type": "string"}}},
            "salt": {"type": "string"}, "total": {"type": "integer"}, "checked_in": {"type": "integer"},
            "entries": {"type": "array", "items": {"type": "object", "properties": {
                "k": {"type": "string"}, "id": {"type": "integer"}, "name": {"type": "string"},
                "municipality": STRING_OR_NULL, "role": {"type": "string"}, "status": {"type": "string"},
                "checked_in": {"type": "boolean"}}}}}}), **ERRORS},
    }},
    "/events/{slug}/door/arrivals": {"get": {
        "summary": "Arrivals per 5 minutes and check-ins by municipality (dashboard)",
        "parameters": [SLUG],
        "responses": {"200": _json("Arrivals", {"type": "object", "properties": {
            "buckets": {"type": "array", "items": {"type": "object", "properties": {
                "t": {"type": "string", "format": "date-time"}, "n": {"type": "integer"}}}},
            "by_municipality": {"$ref": "#/components/schemas/Stats/properties/by_municipality"},
            "checked_in": {"type": "integer"}, "registered": {"type": "integer"}}}), **ERRORS},
    }},
    "/events/{slug}/door/decode": {"post": {
        "summary": "Decode the QR codes in one camera frame (JPEG or PNG bytes, at most 1 MB)",
        "parameters": [SLUG],
        "requestBody": {"required": True, "content": {
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            "image/png": {"schema": {"type": "string", "format": "binary"}}}},
        "responses": {"200": _json("Codes found (an empty list when none)", {"type": "object", "properties": {
            "codes": {"type": "array", "items": {"type": "string"}}}}),
            "400": {"description": "Empty body or not an image"},
            "413": {"description": "Frame larger than 1 MB"}, **ERRORS},
    }},
}
