"""Prepared files: big PDFs and exports that the queue builds and the database keeps for download.

Any feature whose file takes too long for a web request (bulk badges, big XLSX exports) asks
`services.request_file`, enqueues its own job that calls `start`/`progress`/`finish`, and
offers the file with `services.ready_file`. The bytes live in the database, so whichever app
server behind the proxy answers the download has them.
"""
from flask import Flask

from ..features import features


def register(app: Flask) -> None:
    """Plug this feature into the app: the hourly removal of expired files; anonymising an
    event's registrations drops its files."""
    from . import jobs, services

    registry = features(app)
    registry.add_jobs(jobs)
    registry.add_personal_data("prepared_files", export=services.export_of, erase=services.erase)
