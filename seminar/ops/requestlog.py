"""One JSON line per request, with a request id, and never a token or personal data.

The line names the route's pattern (`/r/<token>`), not the path, and no query string, so a
personal link never reaches a log. The id comes from the proxy's X-Request-ID when it is sane,
and goes back in the response's X-Request-ID, so nginx's and our lines can be joined.
"""
from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid

from flask import Flask, g, request

log = logging.getLogger("seminar.request")
SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _start() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if SANE_ID.fullmatch(incoming) else uuid.uuid4().hex


def _finish(response):
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-ID"] = request_id
    if log.isEnabledFor(logging.INFO):
        started = g.get("request_started")
        log.info(json.dumps({
            "request_id": request_id,
            "method": request.method,
            "route": request.url_rule.rule if request.url_rule is not None else "(no route)",
            "endpoint": request.endpoint,
            "status": response.status_code,
            "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "pid": os.getpid(),
        }, ensure_ascii=False))
    return response


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
