"""The question engine alone: answers checked, conditions decided on the server."""
from __future__ import annotations

import pytest

from seminar.questions.engine import AnswerError, Spec, clean, evaluate, typed


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context():
        yield


def test_a_condition_chain_hides_everything_below_a_hidden_question():
    specs = [Spec(1, "yesno", "Трансфер?"),
             Spec(2, "choice", "Откуда?", required=True, choices=("Зея", "Тында"), show_if_question=1,
                  show_if_value="yes"),
             Spec(3, "text", "Где встретить в Зее?", required=True, show_if_question=2, show_if_value="Зея")]
    hidden = evaluate(specs, {1: ["no"], 2: ["Зея"], 3: ["у вокзала"]})
    assert hidden.answers == {1: ["no"]} and hidden.errors == {} and hidden.shown == {1}
    shown = evaluate(specs, {1: ["yes"], 2: ["Зея"]})
    assert set(shown.errors) == {3} and shown.answers == {1: ["yes"], 2: ["Зея"]}


def test_values_are_normalised_by_type():
    assert clean(Spec(1, "date", "Дата"), ["30.08.2022"]) == ["2022-08-30"]
    assert clean(Spec(1, "date", "Дата"), ["2022-08-30"]) == ["2022-08-30"]
    assert clean(Spec(1, "number", "Сколько"), ["1 200"]) == ["1200"]
    assert clean(Spec(1, "multi", "Секции", choices=("А", "Б", "В")), ["В", "А", "В"]) == ["А", "В"]
    assert clean(Spec(1, "text", "Имя"), ["  Анна   Петровна "]) == ["Анна Петровна"]
    assert typed("number", ["12"]) == 12 and typed("multi", ["А"]) == ["А"] and typed("yesno", ["yes"]) == "yes"


@pytest.mark.parametrize("spec, raw", [
    (Spec(1, "date", "Дата"), ["31.02.2022"]),
    (Spec(1, "date", "Дата"), ["завтра"]),
    (Spec(1, "number", "Сколько"), ["два"]),
    (Spec(1, "number", "Сколько", min_value=0, max_value=5), ["-1"]),
    (Spec(1, "rating", "Оценка"), ["6"]),
    (Spec(1, "yesno", "Да?"), ["maybe"]),
    (Spec(1, "text", "Кратко"), ["а" * 501]),
])
def test_an_invalid_answer_is_refused(spec, raw):
    with pytest.raises(AnswerError):
        clean(spec, raw)
