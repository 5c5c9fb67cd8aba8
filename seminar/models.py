"""Every feature's models in one namespace (for the shell, Alembic and tests)."""
from .attendance.models import AttendancePolicy, SessionAttendance
from .audit.models import AuditEntry
from .auth.models import ApiToken, User, UserRole, user_event
from .certificates.models import Certificate
from .checkin.models import CheckIn, CheckInAudit
from .contacts.models import ContactConsent, ContactExchange
from .events.models import Event, EventStatus, Municipality, Region
from .messages.models import Broadcast, MessageSchedule, OutboundMail
from .prepared.models import PreparedFile
from .programme.models import Room, Session, SessionKind, session_speaker
from .registration.models import Registration, Role, Status

__all__ = [
    "ApiToken", "AuditEntry", "Certificate", "CheckIn", "CheckInAudit", "Broadcast", "Event", "EventStatus",
    "MessageSchedule", "Municipality", "OutboundMail",
    "Region", "Registration", "Role", "Room", "Session", "SessionKind", "Status", "User", "UserRole",
    "session_speaker", "user_event",
]
__all__ += ["PreparedFile"]
__all__ += ["AttendancePolicy", "ContactConsent", "ContactExchange", "SessionAttendance"]
