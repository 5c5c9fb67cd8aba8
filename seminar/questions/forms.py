"""Questions as form fields `q_<id>`, composed onto any form class, and the organiser's forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation

from ..events.models import Event
from ..registration.extras import FormExtra
from ..registration.models import Registration
from . import engine
from .engine import Spec
from .models import QuestionType
from .services import ChoiceFull, answers_of, save_answers, seats_left, specs_for

#: Raw text kept from one field: a pasted book is refused with a message, not stored or echoed whole.
RAW_MAX = engine.TEXTAREA_MAX * 4
#: Values kept from one repeated field (several choices).
MAX_VALUES = 100


class AnswerField(Field):
    """Carries what was sent for one question (every value, for several choices) and its messages."""

    def process_formdata(self, valuelist):
        self.data = [v[:RAW_MAX] for v in valuelist if isinstance(v, str)][:MAX_VALUES]


class _EngineCheck:
    """Validates a question field through the engine, with the whole form in view (conditions)."""

    def __init__(self, spec: Spec):
        self.spec = spec

    def __call__(self, form, field):
        result = question_result(form)
        if self.spec.id not in result.shown:
            field.errors[:] = []
            field.data = []
            raise StopValidation()
        if self.spec.id in result.errors:
            raise StopValidation(str(result.errors[self.spec.id]))
        field.data = result.answers.get(self.spec.id, [])


def question_result(form) -> engine.Result:
    """The engine's verdict on the form's answers, computed once per form."""
    if getattr(form, "_question_result", None) is None:
        raw = {spec.id: (form[f"q_{spec.id}"].raw_data or []) for spec in form.question_specs}
        form._question_result = engine.evaluate(form.question_specs, raw)
    return form._question_result


def with_questions(form_class: type, specs: list[Spec], seats_left: dict | None = None) -> type:
    """A subclass of `form_class` with a field `q_<id>` per question, checked by the engine.

    Composes with any form (registration, the personal page's edit, the survey):
    `with_questions(RegistrationForm, specs)(municipalities=...)`.
    """
    attrs: dict = {
        "question_specs": list(specs),
        "question_seats_left": seats_left or {},
        "_question_result": None,
    }
    for spec in specs:
        attrs[f"q_{spec.id}"] = AnswerField(spec.label, default=list, validators=[_EngineCheck(spec)])
    return type(f"{form_class.__name__}WithQuestions", (form_class,), attrs)


def question_answers(form) -> dict[int, list[str]]:
    """The cleaned answers of a validated form (shown questions only)."""
    return dict(question_result(form).answers)


def prefill(form, answers: dict[int, list[str]]) -> None:
    """Show stored answers in a form that was not sent."""
    for spec in form.question_specs:
        if spec.id in answers:
            form[f"q_{spec.id}"].data = list(answers[spec.id])


def registration_form(form_class: type, event: Event) -> type:
    """`form_class` with the event's registration questions (fields q_<id>) and their free seats."""
    specs = specs_for(event, "registration")
    return with_questions(form_class, specs, seats_left(specs))


def store_answers(form, registration: Registration) -> None:
    """Save a validated form's answers; ChoiceFull when a limited choice ran out of seats."""
    save_answers(registration, form.question_specs, question_answers(form))


def refuse_choice(form, exc: ChoiceFull) -> None:
    """After a rollback: the message next to the question whose choice is full."""
    form[exc.field].errors = [str(exc.message)]
    refresh_seats_left(form)


def refresh_seats_left(form) -> None:
    """The free seats of limited choices as they are now (after a refusal)."""
    form.question_seats_left = seats_left(form.question_specs)


#: The questions on the registration form and the personal page's edit form (registration.extras).
REGISTRATION_EXTRA = FormExtra(
    extend=registration_form,
    prefill=lambda form, registration: prefill(form, answers_of(registration)),
    store=store_answers,
    refused=refresh_seats_left,
)


class SurveyForm(FlaskForm):
    """The feedback survey: only its questions."""


TYPE_LABELS = {
    "text": _l("Короткий текст"),
    "textarea": _l("Длинный текст"),
    "choice": _l("Один вариант"),
    "multi": _l("Несколько вариантов"),
    "yesno": _l("Да / нет"),
    "number": _l("Число"),
    "date": _l("Дата"),
    "rating": _l("Оценка 1–5"),
}


class QuestionForm(FlaskForm):
    """Add or edit one question."""

    label = StringField(_l("Вопрос"), validators=[DataRequired(message=_l("Напишите текст вопроса.")),
                                                 Length(max=500, message=_l("Не длиннее 500 символов."))])
    type = SelectField(_l("Тип ответа"), choices=[(t.value, "") for t in QuestionType])
    help_text = StringField(_l("Подсказка под вопросом"), validators=[
        Optional(), Length(max=1000, message=_l("Не длиннее 1000 символов."))])
    required = BooleanField(_l("Обязательный"))
    choices = TextAreaField(_l("Варианты ответа, по одному в строке"), validators=[
        Optional(), Length(max=12000, message=_l("Слишком много текста."))])
    limits = TextAreaField(_l("Лимиты мест: «вариант = число», по одному в строке"), validators=[
        Optional(), Length(max=12000, message=_l("Слишком много текста."))])
    show_if = SelectField(_l("Показывать, только если"), validate_choice=False)
    min_value = IntegerField(_l("Наименьшее число"), validators=[Optional(), NumberRange(
        min=-engine.NUMBER_BOUND, max=engine.NUMBER_BOUND)])
    max_value = IntegerField(_l("Наибольшее число"), validators=[Optional(), NumberRange(
        min=-engine.NUMBER_BOUND, max=engine.NUMBER_BOUND)])

    def __init__(self, *args, conditions: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.type.choices = [(key, label) for key, label in TYPE_LABELS.items()]
        self.show_if.choices = [("", _l("— всегда —"))] + conditions

    def parsed_limits(self) -> dict[str, int] | None:
        """{'choice': seats}, or None (with an error on the field) when a line cannot be read."""
        limits = {}
        for line in (self.limits.data or "").splitlines():
            if not line.strip():
                continue
            choice, sep, seats = line.rpartition("=")
            if not sep or not seats.strip().isdigit() or not choice.strip():
                self.limits.errors = [_l("Строка «%(line)s»: нужно «вариант = число».", line=line.strip()[:80])]
                return None
            limits[" ".join(choice.split())] = int(seats.strip())
        return limits


class SurveySettingsForm(FlaskForm):
    """The survey's options for one event."""

    anonymous = BooleanField(_l("Анонимный опрос: ответы хранятся без связи с участником"))
    certificate_after_survey = BooleanField(_l("Сертификат — только после ответа на опрос"))
    open_days = IntegerField(_l("Опрос открыт дней после окончания мероприятия"), validators=[
        DataRequired(message=_l("Укажите число дней.")),
        NumberRange(min=1, max=365, message=_l("От 1 до 365 дней."))])
