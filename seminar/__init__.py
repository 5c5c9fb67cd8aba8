"""seminar: registration, programme, badges, door check-in and certificates for regional forums."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine

from . import (
    api,
    attendance,
    audit,
    auth,
    badges,
    certificates,
    checkin,
    contacts,
    events,
    manage,
    messages,
    ops,
    people,
    prepared,
    privacy,
    programme,
    questions,
    registration,
    reports,
    staff,
)
from .config import DEFAULTS, build_config, instance_path_from_env
from .dbtypes import fold_text
from .extensions import babel, compress, csrf, db, limiter, login_manager, migrate
from .files import private_dir
from .hosts import trusted_hosts

#: Every feature of the app, in the order they are plugged in: each has `register(app)`
#: (see docs/ARCHITECTURE.md). A new feature package is added here and nowhere else.
FEATURES = (events, prepared, registration, programme, badges, checkin, certificates, manage, auth, audit, ops, api,
            attendance, contacts, reports, privacy, questions, people, staff, messages)


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without its signing set-up on requests that carry no cookie
    (API calls with a bearer token: the door's hot path)."""

    def open_session(self, app, request):
        if app.config["SESSION_COOKIE_NAME"] not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


def select_locale() -> str:
    """Russian unless the visitor chose English (?lang=en or the switch); Russian outside a request
    (the queue worker, the CLI), so services can word their errors anywhere."""
    if not has_request_context():
        return "ru"
    lang = request.args.get("lang")
    if lang in ("ru", "en"):
        session["lang"] = lang
        return lang
    return session.get("lang", "ru")


def create_app(test_config: dict | None = None) -> Flask:
    instance_path = (test_config or {}).get("INSTANCE_PATH") or instance_path_from_env()
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    private_dir(app.instance_path)
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(build_config(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    app.config.setdefault("OUTBOX_DIR", str(Path(app.instance_path) / "outbox"))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A connection left from before a PostgreSQL restart is tested and replaced, not used:
        # the app reconnects by itself; while the server is away, requests answer 503 (errors.py).
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True,
                                                   **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    if app.config.get("TRUSTED_HOSTS") is None:  # any other Host is refused with 400 (seminar/hosts.py)
        app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)

    app.session_interface = CookieSessionInterface()
    if app.config.get("BEHIND_PROXY"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent.parent / "migrations"))
    limiter.init_app(app)  # before CSRF: refused forms count against the limit too
    # We set no app-wide limits: only decorated views (register, login) are limited, and their
    # decorators check by themselves. Dropping the per-request hook spares every other request
    # (a door scan above all) the limiter's bookkeeping, about 15 % of a scan.
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:  # absent when RATELIMIT_ENABLED is off
        hooks.remove(limiter._check_request_limit)
    csrf.init_app(app)
    compress.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    logging.basicConfig(level=logging.INFO)

    from . import cli, errors, security, sqlite_writers, templating

    sqlite_writers.install_hooks()  # before the features' after-commit hooks: the lock goes first

    security.init_app(app)  # before the features: their `<int:…>` routes use its converter
    security.wrap_wsgi(app)
    errors.init_app(app)
    for feature in FEATURES:
        feature.register(app)
    cli.init_app(app)
    templating.init_app(app)
    return app


@sa_event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL and a busy timeout: readers never block the door, writers wait instead of failing."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=15000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
        # SQLite's lower() folds ASCII only; searches fold Cyrillic with Python's.
        dbapi_connection.create_function("seminar_fold", 1, fold_text, deterministic=True)
