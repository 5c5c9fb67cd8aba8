"""`flask --app seminar worker`: the background queue on its own (`make run` starts one itself)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..queue import WORKER_NICE


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Threads that run jobs.")
@click.option("--nice", "niceness", default=WORKER_NICE, show_default=True, type=click.IntRange(0, 19),
              help="CPU priority (Unix nice): web requests such as door scans go first; 0 = as the web server.")
@with_appcontext
def worker_command(workers: int, niceness: int) -> None:
    """Run the background queue: send e-mail, run scheduled messages and other jobs until stopped."""
    from ..queue import huey, lower_priority, use_app
    from .jobs import drain_job

    niceness = lower_priority(niceness)  # before the job threads start: they inherit it
    use_app(current_app._get_current_object())  # type: ignore[attr-defined]
    drain_job()  # whatever was left when the last worker stopped goes out first
    # An idle worker looks for new jobs at least every second (Huey's default backs off to 10 s).
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True, max_delay=1.0)
    click.echo(f"seminar worker: {workers} threads at nice {niceness}, queue {type(huey.storage).__name__}",
               err=True)
    consumer.run()
