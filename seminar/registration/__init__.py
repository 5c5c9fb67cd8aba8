from flask import Blueprint

bp = Blueprint("registration", __name__)

from . import views  # noqa: E402,F401
