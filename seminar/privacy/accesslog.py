"""gunicorn's access log without personal tokens: `--logger-class seminar.privacy.accesslog.MaskingLogger`.

Kept apart from seminar.privacy.logs so that the app itself never imports gunicorn.
"""
from __future__ import annotations

from gunicorn.glogging import Logger

from .logs import QUERY_ATOMS, mask, mask_query_string


class MaskingLogger(Logger):
    """gunicorn's logger whose access-log atoms (request line, path, query, referer, any header)
    never carry a personal token."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str):
                atoms[key] = mask_query_string(value) if key in QUERY_ATOMS else mask(value)
        return atoms
