"""The audit log: who did what to whose personal data, when, and from where (append-only)."""
from flask import Flask
from flask_babel import lazy_gettext as _l

from ..features import features


def register(app: Flask) -> None:
    """Plug this feature into the app: the log pages and a link on the event card."""
    from . import labels, views

    registry = features(app)
    registry.add_blueprint(views.bp)
    registry.add_template_global("AUDIT_ACTIONS", labels.AUDIT_ACTIONS)
    registry.add_template_global("audit_time", labels.audit_time)
    registry.add_link("audit.event_log", _l("Журнал действий"))
