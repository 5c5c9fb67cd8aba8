"""The organiser's text on a certificate: the wording per role and the number pattern.

Both are organiser input with placeholders. Neither ever reaches ``str.format``
(which would let "{n.__class__}" read attributes): a regular expression accepts
only the placeholders below, and we substitute them ourselves.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from flask_babel import lazy_gettext as _l

PARTICIPANT = "participant"
SPEAKER = "speaker"
ORGANISER = "organiser"

#: What a placeholder in the wording stands for (shown to the organiser on the settings page).
PLACEHOLDERS = ("event", "talks", "dates", "city", "hours")
DEFAULT_WORDING = {
    PARTICIPANT: "за участие в мероприятии «{event}»",
    SPEAKER: "за выступление с докладом {talks} на мероприятии «{event}»",
    ORGANISER: "за организацию и проведение мероприятия «{event}»",
}
#: The speaker's default when the programme gives them several talks.
DEFAULT_SPEAKER_PLURAL = "за выступление с докладами {talks} на мероприятии «{event}»"
WORDING_MAX = 500

_BRACE = re.compile(r"\{([^{}]*)\}")
_NUMBER = re.compile(r"\{n(?::0(\d)d?)?\}")
NUMBER_MAX = 60


class WordingError(ValueError):
    """The organiser's text cannot be used; ``message`` says why, in the user's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def check_wording(text: str) -> str:
    """The wording, trimmed, if its placeholders are all known; raises WordingError otherwise."""
    text = " ".join(text.split())
    if len(text) > WORDING_MAX:
        raise WordingError(_l("Не длиннее %(n)s символов.", n=WORDING_MAX))
    for name in _BRACE.findall(text):
        if name not in PLACEHOLDERS:
            raise WordingError(_l("Неизвестная подстановка {%(name)s}. Можно: %(known)s.", name=name,
                                  known=", ".join(f"{{{p}}}" for p in PLACEHOLDERS)))
    if "{" in _BRACE.sub("", text) or "}" in _BRACE.sub("", text):
        raise WordingError(_l("Фигурные скобки — только вокруг подстановок, например {event}."))
    return text


def fill_wording(text: str, values: dict[str, str]) -> str:
    """Replace each known placeholder; the text was checked by ``check_wording``."""
    return _BRACE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def quoted_titles(titles: Sequence[str]) -> str:
    """«А»; «А» и «Б»; «А», «Б» и «В»; quotes inside a title become „…“, as Russian typesetting has it."""
    inner = str.maketrans("«»", "„“")
    quoted = [f"«{t.strip().translate(inner)}»" for t in titles if t.strip()]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " и " + quoted[-1]


def check_number_pattern(pattern: str) -> str:
    """The pattern, trimmed, if it has exactly one {n} (or {n:04}-style width) and no other braces."""
    pattern = pattern.strip()
    if not pattern:
        return ""
    if len(pattern) > NUMBER_MAX:
        raise WordingError(_l("Не длиннее %(n)s символов.", n=NUMBER_MAX))
    found = _NUMBER.findall(pattern)
    if len(found) != 1:
        raise WordingError(_l("В шаблоне номера должна быть ровно одна подстановка {n}, "
                              "например БЛГ-2022-{n:04}."))
    rest = _NUMBER.sub("", pattern)
    if "{" in rest or "}" in rest:
        raise WordingError(_l("Фигурные скобки — только в {n} или {n:04}."))
    return pattern


def format_number(pattern: str, n: int) -> str:
    """БЛГ-2022-{n:04} and 7 → БЛГ-2022-0007."""
    def digits(match: re.Match) -> str:
        width = int(match.group(1) or 0)
        return str(n).zfill(width)

    return _NUMBER.sub(digits, pattern, count=1)
