"""The post-event e-mail: an invitation to the survey for everyone checked in, once per event."""
from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask_babel import force_locale
from flask_babel import gettext as _
from huey import crontab
from sqlalchemy import exists, select

from ..checkin.models import CheckIn
from ..dbtypes import utcnow
from ..events.models import Event
from ..extensions import db
from ..links import public_url
from ..queue import periodic_job
from ..registration.models import Registration, Status
from ..registration.notify import greeting, send_to
from .models import Question, SurveySettings
from .survey import OPEN, closes_at, survey_state

#: Events that ended longer ago than this are not looked at (their surveys have closed).
LOOK_BACK = timedelta(days=366)


def _due_events(now: datetime) -> list[Event]:
    """Ended events with survey questions whose invitations have not gone out."""
    has_questions = exists().where(Question.event_id == Event.id, Question.kind == "survey",
                                   Question.hidden.is_(False), Question.replaced_by_id.is_(None))
    invited = exists().where(SurveySettings.event_id == Event.id, SurveySettings.invited_at.is_not(None))
    return list(db.session.scalars(select(Event).where(
        Event.ends_at <= now, Event.ends_at > now - LOOK_BACK, has_questions, ~invited)))


def invite(event: Event, now: datetime) -> int:
    """E-mail the survey's link to everyone checked in at the event; returns how many were sent."""
    settings = db.session.get(SurveySettings, event.id) or SurveySettings(event_id=event.id, open_days=14)
    settings.invited_at = now
    db.session.add(settings)
    people = db.session.scalars(
        select(Registration).join(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.event_id == event.id, Registration.status != Status.cancelled.value)
        .order_by(Registration.id))
    sent = 0
    with force_locale("ru"):
        until = event.local(closes_at(event)).strftime("%d.%m.%Y")
        for registration in people:
            send_to(registration, _("Опрос участников: %(title)s", title=event.title), [
                greeting(registration), "",
                _("Спасибо, что были на мероприятии «%(title)s».", title=event.title),
                _("Расскажите, что было полезно и что изменить: опрос займёт пару минут и открыт до %(until)s.",
                  until=until), "",
                public_url("questions.survey_page", token=registration.access_token), "",
                _("Не пересылайте эту ссылку: по ней открываются ваши данные."),
            ])
            sent += 1
    return sent


def invite_due(now: datetime) -> int:
    """Send the invitations of every event whose survey has just opened."""
    return sum(invite(event, now) for event in _due_events(now) if survey_state(event, now) == OPEN)


@periodic_job(crontab(minute="*/10"))
def invite_to_surveys_job() -> None:
    """Every ten minutes: invitations for surveys that opened since."""
    invite_due(utcnow())
    db.session.commit()


@click.command("survey-invitations")
def invitations_command():
    """E-mail the survey's link to the checked-in people of events that ended (once per event)."""
    sent = invite_due(utcnow())
    db.session.commit()
    click.echo(f"{sent} invitations sent.")
