"""The audit log: who did what to whose personal data, when, and from where (append-only)."""
from flask import Flask


def register(app: Flask) -> None:
    """Plug this feature into the app (the log's pages are added by the organiser's features)."""
    from . import models  # noqa: F401  (the table, for create_all and Alembic)
