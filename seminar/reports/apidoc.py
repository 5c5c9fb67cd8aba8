"""The report's path in the OpenAPI document (registered by `reports.register`)."""
from __future__ import annotations

from ..api.openapi import ERRORS, SLUG

INT = {"type": "integer"}
REPORT = {"type": "object", "required": [
    "registered", "confirmed", "came", "municipalities_represented", "municipalities_total", "press_text",
    "by_municipality", "sessions"], "properties": {
    "registered": {**INT, "description": "Registrations not cancelled (as in /stats)"},
    "confirmed": INT, "came": {**INT, "description": "Checked in at the door (/stats checked_in)"},
    "municipalities_represented": {**INT, "description": "Municipalities with at least one arrival"},
    "municipalities_total": {**INT, "description": "Municipalities of the event's region"},
    "speakers": INT,
    "press_text": {"type": "string", "description": "A ready paragraph for the press release, in Russian"},
    "by_municipality": {"type": "array", "items": {"type": "object", "properties": {
        "municipality": {"type": "string"}, "registered": INT, "came": INT,
        "turnout": {**INT, "description": "Per cent of the registered who came"}}}},
    "sessions": {"type": "array", "items": {"type": "object", "properties": {
        "id": INT, "title": {"type": "string"}, "starts_at": {"type": "string", "format": "date-time"},
        "ends_at": {"type": "string", "format": "date-time"}, "room": {"type": ["string", "null"]},
        "speakers": {"type": "array", "items": {"type": "string"}}, "attended": INT,
        "capacity": {"type": ["integer", "null"]}}}},
    "survey": {"type": "array", "description": "Averages of the survey's rating questions, once it exists",
               "items": {"type": "object", "properties": {"label": {"type": "string"},
                                                          "average": {"type": "number"}}}},
}}
SCHEMAS = {"Report": REPORT}
PATHS = {"/events/{slug}/report": {"get": {
    "summary": "The final report of an event (organiser); the same as a PDF at /manage/events/{slug}/report.pdf",
    "parameters": [SLUG],
    "responses": {"200": {"description": "The report", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Report"}}}}, **ERRORS}}}}
