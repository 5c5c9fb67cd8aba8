"""Imports every feature's models, so the metadata (and Alembic) sees them all."""
from .auth.models import ApiToken, User, UserRole, user_event  # noqa: F401
from .certificates.models import Certificate  # noqa: F401
from .checkin.models import CheckIn, CheckInAudit  # noqa: F401
from .events.models import Event, EventStatus, Municipality, Region  # noqa: F401
from .programme.models import Room, Session, SessionKind, session_speaker  # noqa: F401
from .registration.models import Registration, Role, Status  # noqa: F401
