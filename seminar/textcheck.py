"""Text that can be stored, exported and mailed: no C0 control characters (NUL included), and no
line breaks in one-line fields (names, titles). Used by the forms (WTForms validators) and the JSON
API (every string of a body), so a control character never reaches the database, an export or a
mail header."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, Form, StringField, TextAreaField

#: C0 controls except tab, line feed and carriage return; and DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029\x85]")

CONTROL_MESSAGE = _l("Уберите непечатаемые (управляющие) символы, например скопированные из другой программы.")
LINE_BREAK_MESSAGE = _l("В этом поле не должно быть переносов строк.")


def has_control_chars(value: str) -> bool:
    return bool(_CONTROL.search(value))


def has_line_break(value: str) -> bool:
    return bool(_LINE_BREAK.search(value))


def text_problem(value: str, *, one_line: bool) -> str | None:
    """A message (in the user's language) saying why the text cannot be stored, or None."""
    if has_control_chars(value):
        return str(CONTROL_MESSAGE)
    if one_line and has_line_break(value):
        return str(LINE_BREAK_MESSAGE)
    return None


def check_text_fields(form: Form) -> bool:
    """Add an error to every text field with a control character (or a line break where the field
    is one line: every StringField); True when none was found. Call from a form's `validate`."""
    ok = True
    for field in form:
        if not isinstance(field, (StringField, TextAreaField)) or not isinstance(field.data, str):
            continue
        problem = text_problem(field.data, one_line=not isinstance(field, TextAreaField))
        if problem:
            _add_error(field, problem)
            ok = False
    return ok


def _add_error(field: Field, message: str) -> None:
    errors = list(field.errors) if field.errors else []
    if message not in errors:
        errors.append(message)
    field.errors = errors


class TextForm(FlaskForm):
    """A form whose text fields refuse control characters, and line breaks where they are one line
    (every StringField; a TextAreaField may have several lines)."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return check_text_fields(self) and valid
