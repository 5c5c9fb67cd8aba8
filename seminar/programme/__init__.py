from flask import Blueprint

bp = Blueprint("programme", __name__)

from . import editor, views  # noqa: E402,F401
