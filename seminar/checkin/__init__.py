from flask import Blueprint

bp = Blueprint("checkin", __name__)

from . import views  # noqa: E402,F401
