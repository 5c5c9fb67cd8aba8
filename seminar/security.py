"""What keeps a public installation safe whatever a request holds: security headers on every
response, Secure and SameSite cookies, a size limit on every body, bounded JSON, no control
characters in JSON strings, no NUL in URLs, ids the databases can hold."""
from __future__ import annotations

import json
from typing import Any

from flask import Flask, Request, abort, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from .textcheck import has_control_chars

#: Same origin only; no inline script or style (templates keep theirs in static/).
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
    "font-src 'self'", "connect-src 'self'", "media-src 'self' blob:", "worker-src 'self'",
    "manifest-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'",
    "frame-ancestors 'none'",
])
#: A year, once the browser has reached the site over HTTPS.
HSTS = "max-age=31536000"
#: JSON bodies are small (a scan, a registration, a message); the door's frame has its own limit.
MAX_JSON_BYTES = 1024 * 1024
#: Deeper JSON is refused with 400 (no body of the API nests more than three levels).
MAX_JSON_DEPTH = 32
#: The largest id a URL may name: PostgreSQL's INTEGER (ids above it do not exist).
MAX_ID = 2**31 - 1

DEFAULTS = {
    #: Every request body; forms and JSON are held to less (MAX_FORM_MEMORY_SIZE, MAX_JSON_BYTES).
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
}


class BoundedInt(IntegerConverter):
    """`<int:…>` in a route: a number the databases can hold, else 404 (not an overflow)."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class JSONError(ValueError):
    """A JSON body refused before any view sees it."""


class GuardedJSON(DefaultJSONProvider):
    """Flask's JSON, refusing bodies nested deeper than MAX_JSON_DEPTH and strings with control
    characters (a 400 with the reason, on every endpoint). Answers carry Cyrillic as UTF-8,
    half the bytes of \\u escapes."""

    ensure_ascii = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:
            raise JSONError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
        _check(value)
        return value


class GuardedRequest(Request):
    """A request whose refused JSON says why (Flask hides the reason outside debug mode)."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        raise BadRequest(str(e) if isinstance(e, JSONError) else "the body is not valid JSON: send a JSON object")


def _check(value: Any) -> None:
    """Depth and strings of a parsed JSON value, without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if has_control_chars(item):
                raise JSONError("control characters (such as NUL) are not allowed in text")
            continue
        if not isinstance(item, (dict, list)):
            continue
        if depth > MAX_JSON_DEPTH:
            raise JSONError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        children = list(item.items()) if isinstance(item, dict) else [(None, v) for v in item]
        for key, child in children:
            if key is not None:
                stack.append((key, depth))
            stack.append((child, depth + 1))


def _guard_request() -> None:
    """Refuse what no page or endpoint can use: NUL or control characters in the URL, big JSON."""
    if "\x00" in request.path or any(has_control_chars(k) or has_control_chars(v)
                                      for k, v in request.args.items(multi=True)):
        abort(404 if "\x00" in request.path else 400)
    json_like = request.mimetype == "application/json" or request.path.startswith("/api/")
    if json_like and not request.path.endswith("/door/decode"):  # frames: 1 MB, checked by the view
        request.max_content_length = MAX_JSON_BYTES


def _headers(response):
    """Security headers on every response; cookies Secure over HTTPS and SameSite always."""
    headers = response.headers
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith("/r/"):
        # The personal link is the key to a person's data: never cached, never sent on.
        headers["Cache-Control"] = "no-store"
        headers["Referrer-Policy"] = "no-referrer"
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


class HardenedCookies:
    """WSGI middleware: every Set-Cookie (the session's, Flask-Login's remember_token, any other)
    gets SameSite=Lax when it has none, and Secure when the request came over HTTPS (directly, or
    through a proxy that says so: it runs inside ProxyFix's view of the request)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            secure = environ.get("wsgi.url_scheme") == "https"
            headers = [(k, _harden_cookie(v, secure=secure) if k.lower() == "set-cookie" else v)
                       for k, v in headers]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def _harden_cookie(cookie: str, *, secure: bool) -> str:
    attributes = {part.strip().split("=", 1)[0].lower() for part in cookie.split(";")[1:]}
    if "samesite" not in attributes:
        cookie += "; SameSite=Lax"
    if secure and "secure" not in attributes:
        cookie += "; Secure"
    return cookie


def init_app(app: Flask) -> None:
    """Before the features register their routes: the bounded `int` converter must be in place."""
    for key, value in DEFAULTS.items():
        if app.config.get(key) is None:
            app.config[key] = value
    app.url_map.converters["int"] = BoundedInt
    app.json = GuardedJSON(app)
    # Templates' |tojson too (the Jinja environment may exist already and hold the old provider).
    app.jinja_env.policies["json.dumps_function"] = app.json.dumps
    app.request_class = GuardedRequest
    app.before_request(_guard_request)
    app.after_request(_headers)


def wrap_wsgi(app: Flask) -> None:
    """Call after any ProxyFix, so the scheme it sets is seen."""
    app.wsgi_app = HardenedCookies(app.wsgi_app)  # type: ignore[method-assign]


#: The body limit of pages that take a file (a picture, a delegation list): large enough to read
#: an oversized file and say next to its field what is wrong (files spill to disk, not memory).
UPLOAD_BODY_LIMIT = 64 * 1024 * 1024


def allow_upload() -> None:
    """Raise this request's body limit to UPLOAD_BODY_LIMIT; call before the form is read."""
    request.max_content_length = UPLOAD_BODY_LIMIT
