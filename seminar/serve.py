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
from .hosts import ALL_INTERFACES, lan_address, machine_addresses


def serving_address(scheme: str, host: str, port: str) -> tuple[str, list[str]]:
    """The base URL links use when SEMINAR_PUBLIC_URL is unset, and the hosts requests may name.

    On every interface (HOST=0.0.0.0) links use the laptop's address on the venue network, and
    the machine's own addresses are trusted; otherwise only the address it listens on.
    """
    if host in ALL_INTERFACES:
        return f"{scheme}://{lan_address() or '127.0.0.1'}:{port}", machine_addresses()
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}", [host.lower()]


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
    serve_url, serve_hosts = serving_address(scheme, host, port)
    # The app builds links from these when SEMINAR_PUBLIC_URL is unset (seminar/hosts.py).
    os.environ["SEMINAR_SERVE_URL"] = serve_url
    os.environ["SEMINAR_SERVE_HOSTS"] = ",".join(serve_hosts)
    print(f"\n  seminar: {serve_url}/  (Ctrl+C to stop)", flush=True)
    if public := os.environ.get("SEMINAR_PUBLIC_URL"):
        print(f"  links in e-mails and PDFs: {public}", flush=True)
    print(f"  answers to the hosts: {', '.join(serve_hosts)}"
          " (more with SEMINAR_TRUSTED_HOSTS)\n", flush=True)
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
            "--bind", f"{host}:{port}", *LOG_ARGS, *tls_args, "seminar:create_app()"]
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
