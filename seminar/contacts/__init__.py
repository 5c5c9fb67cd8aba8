"""Contacts between participants, with each one's consent: a directory, badge scanning, a .vcf.

`services.forget_contacts(registration_id)` deletes a person's consent and exchanges (anonymisation);
both tables also go with the registration (ON DELETE CASCADE)."""
from flask import Flask

from ..features import features


def register(app: Flask) -> None:
    """Plug this feature into the app."""
    from . import services, views

    registry = features(app)
    registry.add_blueprint(views.bp)
    registry.add_partial("personal", "contacts/_personal_contacts.html")
    registry.add_personal_data("contacts", export=services.export_of, erase=services.erase)
