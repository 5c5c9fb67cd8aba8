"""The question engine: what an answer may be, and which questions are shown.

Pure functions over plain data, shared by the registration form, the personal page's
answers, the survey and the API. Visibility (`show_if`) is decided here, on the server:
a hidden question is never required and whatever a forged form sends for it is dropped.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l

TEXT_MAX = 500
TEXTAREA_MAX = 5000
NUMBER_BOUND = 1_000_000_000
RATING_MARKS = ("1", "2", "3", "4", "5")
YES, NO = "yes", "no"


class AnswerError(ValueError):
    """An answer the question does not accept; `message` is shown next to the field."""

    def __init__(self, message):
        super().__init__("invalid answer")
        self.message = message


@dataclass(frozen=True)
class Spec:
    """What the engine needs of a question."""

    id: int
    type: str
    label: str
    required: bool = False
    choices: tuple[str, ...] = ()
    show_if_question: int | None = None
    show_if_value: str | None = None
    min_value: int | None = None
    max_value: int | None = None
    help_text: str = ""
    limits: Mapping[str, int] = field(default_factory=dict)

    @property
    def options(self) -> tuple[str, ...]:
        """Every value the question accepts, for those with a fixed list."""
        if self.type == "yesno":
            return (YES, NO)
        if self.type == "rating":
            return RATING_MARKS
        return self.choices


def _required_message(spec: Spec):
    if spec.type in ("choice", "yesno", "rating"):
        return _l("Выберите один из вариантов.")
    if spec.type == "multi":
        return _l("Отметьте хотя бы один вариант.")
    return _l("Ответьте на этот вопрос.")


def _parse_date(text: str) -> str:
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text) or None
    if match:
        y, m, d = (int(g) for g in match.groups())
    else:
        match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
        if not match:
            raise AnswerError(_l("Введите дату, например 30.08.2022."))
        d, m, y = (int(g) for g in match.groups())
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        raise AnswerError(_l("Такой даты нет.")) from None


def _parse_number(spec: Spec, text: str) -> str:
    if not re.fullmatch(r"[-−]?\d{1,12}", text.replace(" ", "")):
        raise AnswerError(_l("Введите целое число."))
    number = int(text.replace(" ", "").replace("−", "-"))
    low = spec.min_value if spec.min_value is not None else -NUMBER_BOUND
    high = spec.max_value if spec.max_value is not None else NUMBER_BOUND
    if not low <= number <= high:
        raise AnswerError(_l("Число должно быть от %(low)s до %(high)s.", low=low, high=high))
    return str(number)


def clean(spec: Spec, raw: Sequence[str]) -> list[str]:
    """The stored values of one answer (empty list: not answered); AnswerError when invalid."""
    values = [v.strip() for v in raw if isinstance(v, str) and v.strip()]
    if not values:
        if spec.required:
            raise AnswerError(_required_message(spec))
        return []
    if spec.type == "multi":
        unknown = [v for v in values if v not in spec.choices]
        if unknown:
            raise AnswerError(_l("Выберите из предложенных вариантов."))
        return [c for c in spec.choices if c in values]
    value = values[0]
    if spec.type in ("choice", "yesno", "rating"):
        if value not in spec.options:
            raise AnswerError(_l("Выберите из предложенных вариантов."))
        return [value]
    if spec.type == "number":
        return [_parse_number(spec, value)]
    if spec.type == "date":
        return [_parse_date(value)]
    limit = TEXTAREA_MAX if spec.type == "textarea" else TEXT_MAX
    value = value.replace("\r\n", "\n")
    if len(value) > limit:
        raise AnswerError(_l("Не длиннее %(n)s символов (сейчас %(len)s).", n=limit, len=len(value)))
    return [value if spec.type == "textarea" else re.sub(r"\s+", " ", value)]


def is_shown(spec: Spec, answers: Mapping[int, list[str]], shown: set[int]) -> bool:
    """Shown when it has no condition, or its (shown) earlier question has the given value."""
    if spec.show_if_question is None:
        return True
    if spec.show_if_question not in shown:
        return False
    return (spec.show_if_value or "") in answers.get(spec.show_if_question, [])


@dataclass
class Result:
    """Cleaned answers of the shown questions, and a message per question that failed."""

    answers: dict[int, list[str]] = field(default_factory=dict)
    errors: dict[int, object] = field(default_factory=dict)
    shown: set[int] = field(default_factory=set)


def evaluate(specs: Iterable[Spec], raw: Mapping[int, Sequence[str]]) -> Result:
    """Check every answer in the questions' order; answers to hidden or unknown questions are dropped."""
    result = Result()
    for spec in specs:
        if not is_shown(spec, result.answers, result.shown):
            continue
        result.shown.add(spec.id)
        try:
            values = clean(spec, raw.get(spec.id, []))
        except AnswerError as exc:
            result.errors[spec.id] = exc.message
            continue
        if values:
            result.answers[spec.id] = values
    return result


def typed(spec_type: str, values: list[str]):
    """An answer as JSON gives it: a list (multi), an int (number, rating) or a string."""
    if spec_type == "multi":
        return list(values)
    if not values:
        return None
    if spec_type in ("number", "rating"):
        try:
            return int(values[0])
        except ValueError:
            return values[0]
    return values[0]
