"""`make run`: gunicorn on HOST:PORT (the development server with FLASK_DEBUG=1).

HTTPS=1 serves over TLS with a self-signed certificate kept in the instance
folder, so phones on the venue's network get a secure context (camera,
offline door page).
"""
from __future__ import annotations

import os
import sys

from .config import instance_path_from_env

#: The access log on standard output, personal links masked (/r/***): personal links are keys.
LOG_ARGS = ("--access-logfile", "-", "--logger-class", "seminar.privacy.accesslog.MaskingLogger")


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "5000")
    https = os.environ.get("HTTPS") == "1"
    scheme = "https" if https else "http"
    tls_args: list[str] = []
    if https:
        from .tls import ensure_certificate

        cert, key = ensure_certificate(instance_path_from_env(), host)
        tls_args = ["--certfile", cert, "--keyfile", key]
    print(f"\n  seminar: {scheme}://{host}:{port}/  (Ctrl+C to stop)\n", flush=True)
    if os.environ.get("FLASK_DEBUG") == "1":
        from . import create_app

        ssl_context = (tls_args[1], tls_args[3]) if https else None
        create_app().run(host=host, port=int(port), debug=True, ssl_context=ssl_context)
        return
    workers = os.environ.get("WORKERS", "2")
    threads = os.environ.get("THREADS", "8")
    args = [sys.executable, "-m", "gunicorn", "--workers", workers, "--threads", threads,
            "--bind", f"{host}:{port}", *LOG_ARGS, *tls_args, "seminar:create_app()"]
    os.execv(sys.executable, args)


if __name__ == "__main__":
    main()
