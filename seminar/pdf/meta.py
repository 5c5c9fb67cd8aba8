"""What a PDF says about itself (File → Properties): title, author, and the app that made it."""
from __future__ import annotations

from seminar.version import __version__

CREATOR = "seminar"


def set_metadata(canvas, title: str, author: str) -> None:
    """Title and author (the event or its organiser); creator and producer name the app."""
    canvas.setTitle(title)
    canvas.setAuthor(author)
    canvas.setCreator(CREATOR)
    canvas.setProducer(f"{CREATOR} {__version__}")
