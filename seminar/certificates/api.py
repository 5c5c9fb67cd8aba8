"""GET /api/v1/certificates/<code>: the public, token-free check of a certificate."""
from __future__ import annotations

from flask import Blueprint, jsonify

from . import services

bp = Blueprint("certificates_api", __name__, url_prefix="/api/v1")


@bp.get("/certificates/<code>")
def certificate_check(code):
    """Whether a certificate code is genuine and valid; 404 with valid=false when unknown."""
    certificate = services.find(code)
    return jsonify(services.verification(certificate)), (200 if certificate is not None else 404)


SCHEMAS = {"CertificateCheck": {
    "type": "object",
    "required": ["valid", "full_name", "event", "issued_at"],
    "properties": {
        "valid": {"type": "boolean", "description": "True unless revoked or unknown"},
        "status": {"type": "string", "enum": ["valid", "revoked", "not_found"]},
        "full_name": {"type": ["string", "null"],
                      "description": "null once the holder's personal data is anonymised"},
        "issued_to": {"type": ["string", "null"],
                      "description": "The name, or \"выдан участнику мероприятия\" after anonymisation"},
        "event": {"type": ["string", "null"], "description": "The event's title"},
        "issued_at": {"type": ["string", "null"], "format": "date-time"},
        "revoked_at": {"type": ["string", "null"], "format": "date-time"},
        "number": {"type": ["string", "null"],
                   "description": "The printed number (e.g. БЛГ-2022-0007), if the event numbers them"},
    },
}}
PATHS = {"/certificates/{code}": {"get": {
    "summary": "Check a certificate by the code under its QR (public, no token)",
    "security": [],
    "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"},
                    "description": "Spaces, dashes and letter case are ignored"}],
    "responses": {
        "200": {"description": "Known code (valid or revoked)", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/CertificateCheck"}}}},
        "404": {"description": "Unknown code (valid=false)", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/CertificateCheck"}}}},
    },
}}}
