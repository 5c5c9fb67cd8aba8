"""The organiser's people: add and edit registrations, seat the waitlist, bulk actions, import lists."""
from flask import Flask
from flask_babel import lazy_gettext as _l

from ..features import features


def register(app: Flask) -> None:
    """Plug this feature into the app."""
    from . import api, cli, importing, jobs, openapi, views

    registry = features(app)
    registry.add_jobs(jobs)
    registry.add_blueprint(views.bp)
    registry.add_blueprint(api.bp, api=True)
    registry.add_api(openapi.PATHS, openapi.SCHEMAS)
    registry.add_commands(cli.registrations_cli)
    registry.add_template_global("IMPORT_FIELD_LABELS", importing.FIELD_LABELS)
    registry.add_link("people.add", _l("Добавить участника"))
    registry.add_link("people.import_list", _l("Импорт списка"))
    registry.add_partial("registration_row", "people/_row_actions.html")
    registry.add_partial("registration_bulk", "people/_bulk_form.html")
