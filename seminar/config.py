"""Configuration: defaults, then the instance folder, then the environment (documented in README.md)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from . import ratelimit_store
from .hosts import split_hosts


def instance_path_from_env() -> str:
    """The instance folder: SEMINAR_INSTANCE_PATH or ./instance, made absolute."""
    return str(Path(os.environ.get("SEMINAR_INSTANCE_PATH", "instance")).resolve())


def load_secret_key(instance_path: str) -> str:
    """SEMINAR_SECRET_KEY, or a key generated once and kept in the instance folder."""
    if key := os.environ.get("SEMINAR_SECRET_KEY"):
        return key
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    # O_EXCL: two workers starting at once must end up with one key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def build_config(instance_path: str) -> dict:
    """Settings read from the environment, with the documented defaults (README, Configuration)."""
    database_url = os.environ.get("SEMINAR_DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "seminar.sqlite3")
    )
    redis_url = os.environ.get("SEMINAR_REDIS_URL") or None
    return {
        "SECRET_KEY": load_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_URL": os.environ.get("SEMINAR_MAIL_URL") or None,
        "MAIL_FROM": os.environ.get("SEMINAR_MAIL_FROM", "Семинар <noreply@seminar.local>"),
        "REDIS_URL": redis_url,
        # Limits hold for the whole installation: Redis, else a file every worker shares.
        "RATELIMIT_STORAGE_URI": redis_url or ratelimit_store.storage_uri(instance_path),
        "RATELIMIT_REGISTER": os.environ.get("SEMINAR_RATELIMIT_REGISTER", "60 per minute"),
        "RATELIMIT_LOGIN": os.environ.get("SEMINAR_RATELIMIT_LOGIN", "10 per minute"),
        # Links in e-mails need an absolute address: the public one, else the address `make run`
        # serves on (seminar/serve.py exports it), else a trusted request's host.
        "PUBLIC_URL": os.environ.get("SEMINAR_PUBLIC_URL") or None,
        "SERVE_URL": os.environ.get("SEMINAR_SERVE_URL") or None,
        "SERVE_HOSTS": split_hosts(os.environ.get("SEMINAR_SERVE_HOSTS")),
        #: More hosts requests may name (comma-separated): e.g. a second domain of the server.
        "EXTRA_TRUSTED_HOSTS": split_hosts(os.environ.get("SEMINAR_TRUSTED_HOSTS")),
        #: Behind nginx/Caddy: client address and scheme come from X-Forwarded-* headers.
        "BEHIND_PROXY": os.environ.get("SEMINAR_BEHIND_PROXY") == "1",
        #: /metrics in Prometheus' format for the IT department's monitoring.
        "METRICS": os.environ.get("SEMINAR_METRICS") == "1",
        #: Seconds an SMTP server may stay silent before a send counts as failed (and is retried).
        "MAIL_TIMEOUT": float(os.environ.get("SEMINAR_MAIL_TIMEOUT") or 10),
    }


DEFAULTS = {
    "BABEL_DEFAULT_LOCALE": "ru",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Yakutsk",
    "LANGUAGES": ("ru", "en"),
    "WTF_I18N_ENABLED": True,
    "WTF_CSRF_TIME_LIMIT": None,
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "SESSION_COOKIE_SAMESITE": "Lax",
    "MAIL_TIMEOUT": 10,
    "RATELIMIT_HEADERS_ENABLED": True,
    #: When the shared counters (Redis, or the instance's SQLite file) cannot be reached, each
    #: process keeps counting in its own memory, and the log says "falling back to in-memory
    #: storage"; the counters are tried again now and then. A registration or a login never fails
    #: because of them.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
    #: Flask-Compress: brotli, else gzip, for text (HTML, CSS, JS, JSON, calendars, CSV) over 500 bytes.
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_ALGORITHM_STREAMING": ["br", "deflate"],  # static files are streamed; gzip cannot be
    "COMPRESS_MIMETYPES": ["text/html", "text/css", "text/javascript", "application/javascript",
                           "application/json", "application/manifest+json", "image/svg+xml",
                           "image/vnd.microsoft.icon", "text/calendar", "text/csv", "text/plain"],
    #: The consent version recorded for registrations made without the form (API, import); the
    #: form records the event's own stored text (seminar.privacy.consent).
    "CONSENT_VERSION": "2022-08-01",
}
