"""Access logs without personal tokens: `/r/<token>` and token-like query values are masked.

gunicorn: `--logger-class seminar.privacy.accesslog.MaskingLogger` (seminar.serve passes it).
Flask's development server (werkzeug): a filter on its logger, installed by `register(app)`.
"""
from __future__ import annotations

import logging
import re

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


def mask_query_string(query: str) -> str:
    return mask("?" + query)[1:] if query else query


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
