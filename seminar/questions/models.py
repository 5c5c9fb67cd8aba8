"""Questions of the organiser's own, their answers, and the feedback survey's responses."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import Model


class Kind(str, enum.Enum):
    registration = "registration"
    survey = "survey"


class QuestionType(str, enum.Enum):
    text = "text"
    textarea = "textarea"
    choice = "choice"
    multi = "multi"
    yesno = "yesno"
    number = "number"
    date = "date"
    rating = "rating"


#: Types whose answers are one of a fixed list (charted, countable, filterable).
CHOICE_TYPES = ("choice", "multi", "yesno")


class Question(Model):
    __tablename__ = "question"
    __table_args__ = (Index("ix_question_event_kind", "event_id", "kind", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    #: 'registration' (on the registration form) or 'survey' (the feedback survey after the event)
    kind: Mapped[str] = mapped_column(String(20))
    type: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(500))
    help_text: Mapped[str] = mapped_column(String(1000), default="")
    required: Mapped[bool] = mapped_column(default=False)
    #: The texts of the choices, in order (choice and multi).
    choices: Mapped[list] = mapped_column(JSON, default=list)
    #: {choice text: seats}: at most that many active registrations may pick it.
    limits: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Shown only when the earlier question `show_if_question_id` was answered `show_if_value`.
    show_if_question_id: Mapped[int | None] = mapped_column(ForeignKey("question.id", ondelete="SET NULL"))
    show_if_value: Mapped[str | None] = mapped_column(String(500))
    min_value: Mapped[int | None] = mapped_column()
    max_value: Mapped[int | None] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)
    #: Hidden by the organiser: not asked, its answers kept.
    hidden: Mapped[bool] = mapped_column(default=False)
    #: A per-session mark generated from the programme.
    session_id: Mapped[int | None] = mapped_column(ForeignKey("programme_session.id", ondelete="SET NULL"))
    #: Set when an edit of type or choices made a new version: this one keeps its answers' meaning.
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("question.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def is_current(self) -> bool:
        return self.replaced_by_id is None


class SurveySettings(Model):
    """An event's survey options; an event without a row has the defaults."""

    __tablename__ = "survey_settings"
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    #: Answers are stored with no link to the person.
    anonymous: Mapped[bool] = mapped_column(default=False)
    #: A certificate is issued only to those who answered the survey.
    certificate_after_survey: Mapped[bool] = mapped_column(default=False)
    #: The survey closes this many days after the event ends.
    open_days: Mapped[int] = mapped_column(default=14)
    #: When the invitations to the survey were e-mailed (once per event, after it ends).
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SurveyResponse(Model):
    """One filled-in survey. Anonymous responses have neither a registration nor a time."""

    __tablename__ = "survey_response"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    #: UNIQUE: two tabs sending at once end with one response (NULL when anonymous).
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registration.id", ondelete="SET NULL"), unique=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SurveyParticipation(Model):
    """That a person answered the survey (not what): one per person, even when anonymous.

    Keyed by the registration itself, with no time and no sequence of its own, so it
    cannot be lined up with an anonymous response.
    """

    __tablename__ = "survey_participation"
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)


class Answer(Model):
    """One answer value: a registration's (registration questions) or a survey response's.

    A question with several choices has one row per chosen value. Values are stored as
    the text answered, so a later version of the question never changes their meaning.
    """

    __tablename__ = "answer"
    __table_args__ = (
        CheckConstraint("(registration_id IS NULL) != (response_id IS NULL)", name="one_owner"),
        #: Not on `value`: a long text answer would not fit a PostgreSQL index entry.
        Index("ix_answer_question_id", "question_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_response.id", ondelete="CASCADE"), index=True)
    value: Mapped[str] = mapped_column(Text)

    question: Mapped[Question] = relationship()
