"""The press-release paragraph of the final report, in Russian with numerals agreeing with their nouns."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date

from .numerals import counted, predicate

PARTICIPANT = "участник"
MUNICIPALITY = "муниципальное образование"
REGISTERED = "зарегистрированный"
SESSION = "секция"
SPEAKER = "спикер"


def press_text(*, title: str, city: str, timezone: str, starts_at: datetime, came: int, registered: int,
               represented: int, total: int, sessions: int, speakers: int) -> str:
    """A ready paragraph: when and where, how many came from how many registered, municipalities, programme."""
    day = format_date(starts_at.astimezone(ZoneInfo(timezone)).date(), "d MMMM y", locale="ru")
    where = f" в городе {city}" if city else ""
    sentences = [f"{day} года{where} прошло мероприятие «{' '.join(title.split())}»."]
    if came:
        sentences.append(f"На него {predicate(came, PARTICIPANT, 'пришли')} {counted(came, PARTICIPANT)} "
                         f"из {counted(registered, REGISTERED, 'gent')}.")
    elif registered:
        sentences.append(f"{predicate(registered, PARTICIPANT, 'зарегистрировались').capitalize()} "
                         f"{counted(registered, PARTICIPANT)}; отметок о приходе на входе пока нет.")
    else:
        sentences.append("Регистраций пока нет.")
    if represented:
        of_total = " — весь регион" if represented == total else (f" из {total} в регионе" if total else "")
        sentences.append(f"{predicate(represented, MUNICIPALITY, 'были представлены').capitalize()} "
                         f"{counted(represented, MUNICIPALITY)}{of_total}.")
    if sessions:
        programme = f"Программа включала {counted(sessions, SESSION, 'accs')}"
        if speakers:
            programme += f", {predicate(speakers, SPEAKER, 'выступили')} {counted(speakers, SPEAKER)}"
        sentences.append(programme + ".")
    return " ".join(sentences)
