"""Grammatical gender of a Russian ФИО, for "принял" / "приняла" on a certificate.

The name itself is printed as the person typed it (nominative): inflecting
surnames (Кравец → Кравцу or Кравецу?) risks an error on an official paper, while
the verb only needs the gender, which the patronymic gives almost always.
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
