"""A Russian ФИО on a certificate: its gender, its dative form, and a Latin file name.

"Выдан Воробьёвой Алёне Фёдоровне": the dative comes from pytrovich, given the
gender, which the patronymic tells almost always. When the gender is unknown the
name is printed as typed rather than guessed; names that do not decline (Шмидт
Анна, Головко, Черных, Дюма) stay as they are. Where the library is wrong for one
person, the organiser corrects the printed form (Certificate.name_form).
"""
from __future__ import annotations

from functools import lru_cache

MALE = "male"
FEMALE = "female"

#: Patronymic endings, including the Turkic forms written as a separate word.
_MALE_ENDINGS = ("вич", "ьич", "ич", "оглы", "огли", "улы", "уулу")
_FEMALE_ENDINGS = ("вна", "чна", "шна", "кызы", "гызы", "қызы")


@lru_cache(maxsize=1)
def _detector():
    from pytrovich.detector import PetrovichGenderDetector

    return PetrovichGenderDetector()


def detect_gender(first_name: str, middle_name: str = "", last_name: str = "") -> str | None:
    """'male', 'female', or None when the name does not tell (Саша Ким, no patronymic)."""
    middle = " ".join(middle_name.lower().replace("ё", "е").split())
    if middle.endswith(_FEMALE_ENDINGS):
        return FEMALE
    if middle.endswith(_MALE_ENDINGS):
        return MALE
    from pytrovich.enums import Gender

    votes = set()
    for part, value in (("firstname", first_name), ("lastname", last_name)):
        value = value.strip()
        if not value:
            continue
        gender = _detector().detect(**{part: value})
        if gender in (Gender.MALE, Gender.FEMALE):
            votes.add(MALE if gender is Gender.MALE else FEMALE)
    return votes.pop() if len(votes) == 1 else None


@lru_cache(maxsize=1)
def _maker():
    from pytrovich.maker import PetrovichDeclinationMaker

    return PetrovichDeclinationMaker()


def _decline(part, gender, word: str) -> str:
    """One name word in the dative, keeping the way it was capitalised (ИВАНОВ → ИВАНОВУ)."""
    from pytrovich.enums import Case

    if not word:
        return word
    declined = _maker().make(part, gender, Case.DATIVE, word.lower())
    if word.isupper() and len(word) > 1:
        return declined.upper()
    # Re-capitalise each hyphenated piece as it was typed: Петрова-Водкина → Петровой-Водкиной.
    pieces = declined.split("-")
    typed = word.split("-")
    if len(pieces) == len(typed):
        return "-".join(p[:1].upper() + p[1:] if t[:1].isupper() else p for p, t in zip(pieces, typed, strict=True))
    return declined[:1].upper() + declined[1:] if word[:1].isupper() else declined


def dative_name(last_name: str, first_name: str, middle_name: str = "") -> str | None:
    """ФИО in the dative ("выдан Воробьёвой Алёне Фёдоровне"), or None when the gender is unknown
    (Саша Ким: Киму or Ким?), so the caller prints the name as typed rather than guess."""
    from pytrovich.enums import Gender, NamePart

    gender = detect_gender(first_name, middle_name, last_name)
    if gender is None:
        return None
    g = Gender.MALE if gender == MALE else Gender.FEMALE
    middle = " ".join(middle_name.split())
    if middle.lower().endswith(_MALE_ENDINGS[3:] + _FEMALE_ENDINGS[3:]):
        # "Рафик оглы", "Алиевна кызы": the Turkic patronymic stays as written.
        middle_out = middle
    else:
        middle_out = " ".join(_decline(NamePart.MIDDLENAME, g, w) for w in middle.split())
    parts = (
        " ".join(_decline(NamePart.LASTNAME, g, w) for w in last_name.split()),
        " ".join(_decline(NamePart.FIRSTNAME, g, w) for w in first_name.split()),
        middle_out,
    )
    return " ".join(p for p in parts if p)


#: Russian passports' transliteration (ICAO Doc 9303, as used since 2013).
_LATIN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", (
    "a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s",
    "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "ie", "y", "", "e", "iu", "ia"), strict=True))


def transliterate(text: str) -> str:
    """Latin letters for a Cyrillic name (Воробьёва Алёна → Vorobeva Alena), other letters kept."""
    return " ".join(_latin_word(word) for word in text.split(" "))


def _latin_word(word: str) -> str:
    out = []
    for ch in word:
        latin = _LATIN.get(ch.lower())
        if latin is None:
            out.append(ch)
        elif ch.isupper():
            out.append(latin[:1].upper() + latin[1:])
        else:
            out.append(latin)
    latin_word = "".join(out)
    return latin_word.upper() if word.isupper() and len(word) > 1 else latin_word
