"""Absolute links for e-mails, PDFs, .ics files and exports.

Every absolute link in the app is built here. The base is SEMINAR_PUBLIC_URL; when it is
unset, the address `make run` serves on (SERVE_URL), or, inside a request whose Host the
installation trusts, that host. A link never takes its host from an untrusted header.
"""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request

DEFAULT_BASE = "http://127.0.0.1:5000"


def public_base() -> str:
    """The scheme and host (and path prefix) every absolute link starts with, without a slash."""
    config = current_app.config
    base = config.get("PUBLIC_URL") or config.get("SERVE_URL")
    if base:
        return str(base).rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return DEFAULT_BASE


def public_url(endpoint: str, *, _anchor: str | None = None, _base: str | None = None,
               **values: object) -> str:
    """An absolute link to `endpoint`, usable outside a request (the queue worker, the CLI);
    `_base` overrides the base (e.g. a CLI's --base-url)."""
    adapter = current_app.url_map.bind("localhost", url_scheme="http")
    path = adapter.build(endpoint, values)
    base = _base.rstrip("/") if _base else public_base()
    return base + path + (f"#{_anchor}" if _anchor else "")


def is_loopback(url: str) -> bool:
    """True for a link only the serving machine itself can open (localhost, 127.0.0.0/8, ::1)."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
