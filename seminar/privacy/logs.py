"""Access logs without personal tokens: `/r/<token>` and token-like query values are masked.

gunicorn: `--logger-class seminar.privacy.logs.MaskingLogger` (seminar.serve passes it).
Flask's development server (werkzeug): a filter on its logger, installed by `register(app)`.
"""
from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger

MASK = "***"
#: Access-log atoms that hold a bare query string (no "?" before it).
QUERY_ATOMS = ("q", "{query_string}e")
#: The personal link's secret, in a path or a full URL (Referer, Location).
TOKEN_PATH = re.compile(r"(/r/)[^/?#\s\"']+")
#: Query values that may be secrets: token, access_token, key, code, secret, password…
TOKEN_QUERY = re.compile(r"([?&;](?:[\w.-]*token|key|code|secret|password|t)=)[^&#\s\"']*", re.IGNORECASE)


def mask(text: str) -> str:
    """The same line with every personal token replaced by ***."""
    return TOKEN_QUERY.sub(rf"\g<1>{MASK}", TOKEN_PATH.sub(rf"\g<1>{MASK}", text))


def _mask_query_string(query: str) -> str:
    return mask("?" + query)[1:] if query else query


class MaskingLogger(Logger):
    """gunicorn's logger whose access-log atoms (request line, path, query, referer, any header)
    never carry a personal token."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str):
                atoms[key] = _mask_query_string(value) if key in QUERY_ATOMS else mask(value)
        return atoms


class MaskingFilter(logging.Filter):
    """For the development server's request lines (the werkzeug logger)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage())
        record.args = ()
        return True


def mask_werkzeug_log() -> None:
    """Install the filter on werkzeug's logger once per process."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, MaskingFilter) for f in logger.filters):
        logger.addFilter(MaskingFilter())
