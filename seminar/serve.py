"""`make run`: gunicorn on HOST:PORT (the development server with FLASK_DEBUG=1), and beside it
the queue worker (`flask --app seminar worker`), started and stopped together.

HTTPS=1 serves over TLS with a self-signed certificate kept in the instance
folder, so phones on the venue's network get a secure context (camera,
offline door page).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from .config import instance_path_from_env


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
        worker = start_worker()
        try:
            create_app().run(host=host, port=int(port), debug=True, ssl_context=ssl_context)
        finally:
            stop(worker)
        return
    workers = os.environ.get("WORKERS", "2")
    threads = os.environ.get("THREADS", "8")
    args = [sys.executable, "-m", "gunicorn", "--workers", workers, "--threads", threads,
            "--bind", f"{host}:{port}", "--access-logfile", "-", *tls_args, "seminar:create_app()"]
    if os.environ.get("QUEUE_WORKER") == "0":  # the worker runs as its own service (deploy/)
        os.execv(sys.executable, args)
    sys.exit(run_beside_worker(args))


def start_worker() -> subprocess.Popen:
    """The queue worker (mail, scheduled messages) as a child process."""
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "seminar", "worker"])


def stop(process: subprocess.Popen, sig: int = signal.SIGINT, wait: float = 20) -> None:
    """Ask a child to finish (SIGINT: the worker ends its running jobs), then insist."""
    if process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(wait)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_beside_worker(web_args: list[str]) -> int:
    """Serve with gunicorn while a worker runs; a worker that dies is restarted; both stop together.

    Nothing is lost if the worker is stopped mid-job: every message waits in the database.
    """
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    worker = start_worker()
    web = subprocess.Popen(web_args)
    try:
        while not stopping and web.poll() is None:
            if worker.poll() is not None:
                print("seminar: the queue worker stopped; starting it again", file=sys.stderr, flush=True)
                time.sleep(1)
                worker = start_worker()
            time.sleep(0.5)
    finally:
        stop(web, signal.SIGTERM)
        stop(worker)
    return web.returncode or 0


if __name__ == "__main__":
    main()
