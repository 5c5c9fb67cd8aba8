"""Error pages in the visitor's language; JSON for the API."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import SecurityError

from .api.auth import ApiAbort
from .extensions import db


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _database_away(e: DBAPIError) -> bool:
    """The database could not be reached or dropped the connection (a restart, the network), as
    opposed to a query that failed: no connection at all (no statement), a connection found dead,
    or PostgreSQL's "shutting down" / connection-exception codes."""
    code = str(getattr(e.orig, "sqlstate", "") or "")
    return e.connection_invalidated or e.statement is None or code.startswith(("57P", "08"))


def init_app(app: Flask) -> None:
    def page(code: int, template: str = "errors/error.html", **ctx):
        if _wants_json():
            body = {"error": code, "status": ctx.get("status", "error")}
            if ctx.get("message"):
                body["message"] = ctx["message"]
            return jsonify(body), code
        return render_template(template, code=code, **ctx), code

    @app.errorhandler(ApiAbort)
    def api_abort(exc: ApiAbort):
        return jsonify(exc.body), exc.status

    @app.errorhandler(400)
    def bad_request(e):
        return page(400, message=getattr(e, "description", None))

    @app.errorhandler(SecurityError)
    def untrusted_host(e):
        # No page: links cannot be built for a host the installation does not answer to.
        return ("400: этот сервер не отвечает на такое имя (Host). "
                "This server does not answer to that host name.\n", 400,
                {"Content-Type": "text/plain; charset=utf-8"})

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return page(400, csrf=True)

    @app.errorhandler(403)
    def forbidden(e):
        return page(403)

    @app.errorhandler(404)
    def not_found(e):
        return page(404)

    @app.errorhandler(405)
    def not_allowed(e):
        return page(405)

    @app.errorhandler(413)
    def too_large(e):
        return page(413, message=getattr(e, "description", None))

    @app.errorhandler(429)
    def too_many(e):
        return page(429)

    @app.errorhandler(DBAPIError)
    def database_away(e: DBAPIError):
        """The database cannot be reached (restarting, network): 503, try again in a moment.
        Nothing was written: the transaction is rolled back. Other database errors stay 500s."""
        db.session.rollback()
        if not _database_away(e):
            app.logger.exception("database error")
            return page(500)
        app.logger.warning("database unavailable: %s", type(e.orig).__name__)
        # A door phone reads `status` (and shows `message`) and tries the scan again later.
        response, code = page(503, status="database_unavailable",
                              message=_("База данных сейчас недоступна. Ничего не записано: "
                                        "повторите через несколько секунд."))
        return response, code, {"Retry-After": "5"}

    @app.errorhandler(500)
    def server_error(e):
        db.session.rollback()
        return page(500)
