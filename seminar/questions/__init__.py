"""Questions of the organiser's own: on the registration form, and a feedback survey after the event."""
from flask import Flask
from flask_babel import lazy_gettext as _l

from ..features import features


def register(app: Flask) -> None:
    """Plug this feature into the app."""
    from . import api, forms, invitations, manage, services, survey, views

    registry = features(app)
    registry.add_jobs(invitations)
    registry.add_blueprint(views.bp)
    registry.add_blueprint(manage.bp)
    registry.add_blueprint(api.bp, api=True)
    registry.add_link("questions_manage.manage_page", _l("Вопросы"))
    registry.add_link("questions_manage.results_page", _l("Итоги опроса"))
    registry.add_api(api.PATHS, api.SCHEMAS)
    # The command's module also holds the periodic job that sends the same invitations.
    registry.add_commands(invitations.invitations_command)
    registry.add_template_global("personal_questions", views.personal_questions)
    registry.add_template_global("roster_filter_options", services.roster_filter_options)
    registry.add_partial("personal", "questions/_personal.html")
    registry.add_partial("registration_filters", "questions/_roster_filter.html")
    registry.add_hook("registration_form", forms.REGISTRATION_EXTRA)
    registry.add_hook("roster_columns", services.answer_columns)
    registry.add_hook("certificate_waits", survey.certificate_waits_for_survey)
    registry.add_hook("survey_averages", survey.session_averages)
