"""Numbers with the words they count, in correct Russian (pymorphy3 and its dictionaries).

"1 участник", "24 муниципальных образования", "21 муниципальное образование", "5 спикеров";
in the genitive: "из 21 муниципального образования", "из 29 муниципальных образований".
"""
from __future__ import annotations

import threading
from functools import lru_cache

import pymorphy3

_lock = threading.Lock()
_morph: pymorphy3.MorphAnalyzer | None = None
#: Parts of speech that agree with the noun they stand before.
_ATTRIBUTES = ("ADJF", "PRTF")


def morph() -> pymorphy3.MorphAnalyzer:
    """One analyser per process: loading the dictionaries takes a moment."""
    global _morph
    if _morph is None:
        with _lock:
            if _morph is None:
                _morph = pymorphy3.MorphAnalyzer()
    return _morph


def _noun(word: str):
    parses = [p for p in morph().parse(word) if p.tag.POS == "NOUN" and "Name" not in p.tag]
    nominative = [p for p in parses if "nomn" in p.tag and "sing" in p.tag]
    return (nominative or parses or morph().parse(word))[0]


def _attribute(word: str, gender: str | None):
    parses = [p for p in morph().parse(word) if p.tag.POS in _ATTRIBUTES]
    parse = (parses or morph().parse(word))[0]
    if gender:  # the dictionary form is masculine: "муниципальное" → neuter to match "образование"
        parse = parse.inflect({"sing", "nomn", gender}) or parse
    return parse


def _inflect(parse, case: str, n: int) -> str:
    if case in ("nomn", "accs"):  # the counting forms: "5 секций", "2 секции", "1 секцию"
        agreed = (parse.inflect({case}) or parse).make_agree_with_number(n)
    else:  # oblique cases: singular after …1 (not …11), plural otherwise, in that case
        agreed = parse.inflect({"sing" if is_singular(n) else "plur", case})
    return (agreed or parse).word


@lru_cache(maxsize=4096)
def counted(n: int, phrase: str, case: str = "nomn") -> str:
    """The phrase (adjectives, then a noun; nominative singular) agreeing with n: "24 муниципальных образования"."""
    words = phrase.split()
    noun = _noun(words[-1])
    if len(words) == 1 and noun.tag.POS in _ATTRIBUTES:  # a substantivised participle: "зарегистрированный"
        noun = _attribute(words[-1], None)
    gender = noun.tag.gender
    parts = [_inflect(_attribute(w, gender), case, n) for w in words[:-1]]
    parts.append(_inflect(noun, case, n))
    return f"{n} {' '.join(parts)}"


def is_singular(n: int) -> bool:
    """Whether a verb agreeing with "n <noun>" is singular: "пришёл 21 участник", "пришли 22 участника"."""
    return n % 10 == 1 and n % 100 != 11


@lru_cache(maxsize=1024)
def predicate(n: int, noun: str, verb: str) -> str:
    """A past-tense verb phrase given in the plural ("были представлены"), agreeing with n of the noun."""
    if not is_singular(n):
        return verb
    gender = _noun(noun.split()[-1]).tag.gender or "masc"
    words = []
    for word in verb.split():
        parses = [p for p in morph().parse(word) if "plur" in p.tag and p.tag.POS in ("VERB", "PRTS")]
        parse = parses[0].inflect({"sing", gender}) if parses else None
        words.append(parse.word if parse else word)
    return " ".join(words)
