"""`flask --app seminar worker`: the background queue on its own (`make run` starts one itself)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Threads that run jobs.")
@with_appcontext
def worker_command(workers: int) -> None:
    """Run the background queue: send e-mail, run scheduled messages and other jobs until stopped."""
    from ..queue import huey, use_app
    from .jobs import drain_job

    use_app(current_app._get_current_object())  # type: ignore[attr-defined]
    drain_job()  # whatever was left when the last worker stopped goes out first
    # An idle worker looks for new jobs at least every second (Huey's default backs off to 10 s).
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True, max_delay=1.0)
    click.echo(f"seminar worker: {workers} threads, queue {type(huey.storage).__name__}", err=True)
    consumer.run()
