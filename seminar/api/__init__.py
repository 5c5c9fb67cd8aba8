from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import views  # noqa: E402,F401
from ..checkin import api as checkin_api  # noqa: E402,F401  (door check-in routes)
