"""Session attendance paths in the OpenAPI document (registered by `attendance.register`)."""
from __future__ import annotations

from ..api.openapi import ERRORS, SLUG

SESSION_ID = {"name": "session_id", "in": "path", "required": True, "schema": {"type": "integer"}}
COUNTS = {"type": "object", "properties": {
    "session_id": {"type": "integer"}, "title": {"type": "string"}, "room": {"type": ["string", "null"]},
    "capacity": {"type": ["integer", "null"], "description": "The session's seats, else its room's"},
    "attended": {"type": "integer"}}}
RESULT = {"type": "object", "required": ["status"], "properties": {
    "status": {"type": "string", "enum": ["attended", "already_attended", "full", "unknown_code", "unknown_session",
                                          "cancelled", "not_confirmed", "other_event"]},
    "registration": {"$ref": "#/components/schemas/DoorPerson"},
    "attended_at": {"type": ["string", "null"], "format": "date-time",
                    "description": "Time of the FIRST scan at this session"},
    "attended": {"type": "integer"}, "capacity": {"type": ["integer", "null"]}}}


def _json(description: str, name: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}


SCHEMAS = {"SessionAttendanceResult": RESULT, "SessionAttendance": COUNTS}
PATHS = {
    "/events/{slug}/sessions/{session_id}/attendance": {
        "post": {
            "summary": "Record a person at a session's door (door staff, organiser)",
            "description": "The body is that of a check-in (code or registration_id, device, scan_id, "
                           "scanned_at). A repeat scan at the same session is one attendance.",
            "parameters": [SLUG, SESSION_ID],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Scan"}}}},
            "responses": {
                "201": _json("Attended now", "SessionAttendanceResult"),
                "200": _json("Already seen at this session: the first time", "SessionAttendanceResult"),
                "404": {"description": "Unknown badge code (status unknown_code), or no such session",
                        "content": {"application/json": {"schema": {"anyOf": [
                            {"$ref": "#/components/schemas/SessionAttendanceResult"},
                            {"type": "object", "required": ["error"]}]}}}},
                "409": _json("full (мест нет), cancelled, not_confirmed or other_event",
                             "SessionAttendanceResult"),
                "400": {"description": "Malformed body"}, "401": ERRORS["401"], "403": ERRORS["403"]}},
        "get": {
            "summary": "How many came to a session, and its seats",
            "parameters": [SLUG, SESSION_ID],
            "responses": {"200": _json("Counts", "SessionAttendance"), **ERRORS}},
    },
    "/events/{slug}/sessions/{session_id}/door/snapshot": {"get": {
        "summary": "The room door's offline list (as /door/snapshot; checked_in: seen at this session)",
        "parameters": [SLUG, SESSION_ID],
        "responses": {"200": {"description": "Code hashes, short names, status, capacity"}, **ERRORS}}},
}
