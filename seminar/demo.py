"""The demo: the Belogorsk forum of 30 August 2022 as it happened, and its next edition.

Both have 120 confirmed participants with generated (made-up) names and a programme; the 2022
forum has ended, with 100 arrivals and their certificates; the next one opens 30 days after the
demo is loaded. Staff accounts get passwords generated for this instance, returned once.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

from sqlalchemy import select

from .auth.models import UserRole
from .auth.services import create_or_update_user, find_user
from .events.importing import import_municipalities
from .events.models import Event, EventStatus, Municipality, Region
from .extensions import db
from .privacy.consent import current_consent
from .privacy.models import ConsentText
from .registration.models import Registration, Role, Status, name_key

SLUG = "belogorsk-2022"
NEXT_SLUG = "belogorsk-next"
TZ = ZoneInfo("Asia/Yakutsk")
ORGANISER_EMAIL = "organiser@belogorsk-forum.ru"
DOOR_EMAIL = "door@belogorsk-forum.ru"
PARTICIPANTS = 120
#: How many of the 2022 forum's 120 came (every speaker among them).
CHECKED_IN = 100
#: Letters and digits only, easy to copy from a terminal (16 of them: about 95 bits).
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
#: The next edition starts this many days after the day the demo is loaded.
NEXT_IN_DAYS = 30
TITLE = "Работа муниципальных образований в социальных сетях: новая реальность"
DESCRIPTION = (
    "Форум-семинар муниципальных образований Амурской области. Информационная повестка "
    "муниципалитетов, правовое поле работы в социальных сетях, госпаблики, обратная связь "
    "с жителями, брендинг территорий и информационная безопасность.\n\n"
    "Организаторы: Ассоциация «Совет муниципальных образований Амурской области» "
    "при поддержке Правительства Амурской области."
)

MALE_FIRST = ["Александр", "Алексей", "Андрей", "Антон", "Артём", "Борис", "Вадим", "Валерий",
              "Виктор", "Виталий", "Владимир", "Вячеслав", "Геннадий", "Георгий", "Дмитрий",
              "Евгений", "Егор", "Иван", "Игорь", "Илья", "Кирилл", "Константин", "Максим",
              "Михаил", "Никита", "Николай", "Олег", "Павел", "Роман", "Сергей", "Станислав",
              "Степан", "Юрий"]
FEMALE_FIRST = ["Александра", "Алёна", "Анастасия", "Анна", "Валентина", "Вера", "Виктория",
                "Галина", "Дарья", "Евгения", "Екатерина", "Елена", "Ирина", "Ксения", "Лариса",
                "Любовь", "Людмила", "Марина", "Мария", "Наталья", "Надежда", "Оксана", "Ольга",
                "Светлана", "Софья", "Татьяна", "Юлия"]
PATRONYMIC_BASES = ["Александров", "Алексеев", "Андреев", "Борисов", "Викторов", "Владимиров",
                    "Геннадьев", "Дмитриев", "Евгеньев", "Иванов", "Игорев", "Константинов",
                    "Михайлов", "Николаев", "Олегов", "Павлов", "Петров", "Сергеев", "Юрьев",
                    "Степанов", "Фёдоров", "Анатольев", "Васильев", "Григорьев"]
LAST_NAMES = ["Абрамов", "Беляев", "Богданов", "Борисов", "Васильев", "Волков", "Воробьёв",
              "Гаврилов", "Голубев", "Громов", "Данилов", "Егоров", "Ершов", "Жуков", "Зайцев",
              "Захаров", "Ильин", "Калинин", "Киселёв", "Ковалёв", "Комаров", "Королёв",
              "Крылов", "Кузнецов", "Лебедев", "Литвинов", "Макаров", "Медведев", "Мельников",
              "Миронов", "Морозов", "Назаров", "Никитин", "Новиков", "Орлов", "Павлов",
              "Поляков", "Попов", "Романов", "Савельев", "Семёнов", "Сидоров", "Смирнов",
              "Соболев", "Соколов", "Степанов", "Тарасов", "Тимофеев", "Титов", "Фёдоров",
              "Филиппов", "Фролов", "Чернов", "Шестаков", "Щербаков", "Яковлев"]
SOFT_LAST_NAMES = ["Кравец", "Ткаченко", "Шевченко", "Бондаренко", "Коваль", "Мороз"]
POSITIONS = [
    "Глава муниципального образования",
    "Заместитель главы администрации",
    "Начальник отдела информационной политики",
    "Главный специалист по связям с общественностью",
    "Ведущий специалист отдела организационной работы",
    "Пресс-секретарь главы",
    "Начальник отдела по работе с обращениями граждан",
    "Консультант отдела информатизации",
    "Руководитель аппарата администрации",
    "Специалист по работе в социальных сетях",
]
TRANSLIT = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
})


def _patronymic(base: str, female: bool) -> str:
    """Петров → Петрович / Петровна."""
    return base + ("на" if female else "ич")


def _last_name(base: str, female: bool) -> str:
    if base in SOFT_LAST_NAMES or not female:
        return base
    return base + "а"


def generated_people(count: int, seed: int = 2022) -> list[dict]:
    """Realistic, made-up ФИО (not real people), always the same for the same seed."""
    rng = random.Random(seed)
    people: list[dict[str, str]] = []
    seen: set[tuple[str, str, str]] = set()
    while len(people) < count:
        female = rng.random() < 0.55
        first = rng.choice(FEMALE_FIRST if female else MALE_FIRST)
        last = _last_name(rng.choice(LAST_NAMES + SOFT_LAST_NAMES), female)
        middle = _patronymic(rng.choice(PATRONYMIC_BASES), female)
        if (last, first, middle) in seen:
            continue
        seen.add((last, first, middle))
        login = f"{last.lower().translate(TRANSLIT)}.{first[0].lower().translate(TRANSLIT)}{len(people) + 1}"
        people.append({
            "last_name": last, "first_name": first, "middle_name": middle,
            "email": f"{login}@example.ru",
            "phone": f"+7914{rng.randrange(1000000, 9999999)}",
            "position": rng.choice(POSITIONS),
        })
    return people


@dataclass
class DemoResult:
    """What `load_demo` did: the slugs it created and the accounts it made, with their passwords."""
    created: list[str] = field(default_factory=list)
    accounts: dict[str, str] = field(default_factory=dict)


#: Days after loading that the demo's personal data is kept (the contract: at least a year).
DEMO_RETENTION_DAYS = 400


def load_demo(today: date | None = None) -> DemoResult:
    """Create both demo forums, their people, programmes and staff; what exists is left as it is."""
    today = today or datetime.now(TZ).date()
    text = resources.files("seminar.data").joinpath("amur_municipalities.csv").read_text("utf-8")
    import_municipalities(text)
    result = DemoResult()
    past = _event(SLUG, date(2022, 8, 30), seed=2022, result=result)
    upcoming = _event(NEXT_SLUG, today + timedelta(days=NEXT_IN_DAYS), seed=2023, result=result)
    _check_in_arrivals(past)
    # The demo's people stay for at least a year after loading (nothing is anonymised before then),
    # however long ago the 2022 forum ended; a second run moves nothing.
    keep_until = datetime.combine(today + timedelta(days=DEMO_RETENTION_DAYS), time(0, 0), TZ)
    for event in (past, upcoming):
        if event.retain_personal_data_until is None:
            event.retain_personal_data_until = keep_until
    for email, role in ((ORGANISER_EMAIL, UserRole.organiser), (DOOR_EMAIL, UserRole.door)):
        _staff(email, role.value, [past, upcoming], result)
    db.session.flush()
    return result


def _event(slug: str, day: date, *, seed: int, result: DemoResult) -> Event:
    existing = db.session.scalar(select(Event).where(Event.slug == slug))
    if existing is not None:
        return existing
    from .programme.demo import add_demo_programme

    region = db.session.scalar(select(Region).where(Region.name == "Амурская область"))
    event = Event(
        slug=slug, title=TITLE, description=DESCRIPTION,
        venue="Дом культуры, ул. Кирова, 306", city="Белогорск", timezone="Asia/Yakutsk",
        starts_at=datetime.combine(day, time(10, 0), TZ), ends_at=datetime.combine(day, time(17, 30), TZ),
        capacity=150, registration_opens=None, registration_closes=None, moderation=False,
        status=EventStatus.published.value, region=region,
    )
    db.session.add(event)
    db.session.flush()
    _create_registrations(event, seed, current_consent(event))
    add_demo_programme(event)
    result.created.append(slug)
    return event


def _staff(email: str, role: str, events: list[Event], result: DemoResult) -> None:
    """A demo staff account on both forums; a new one gets a password made for this instance."""
    user = find_user(email)
    if user is None:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(16))
        user = create_or_update_user(email, role, password)
        result.accounts[email] = password
    for event in events:
        if event not in user.events:
            user.events.append(event)


def _create_registrations(event: Event, seed: int, consent: ConsentText) -> None:
    municipalities = list(db.session.scalars(
        select(Municipality).where(Municipality.region_id == event.region_id).order_by(Municipality.id)))
    rng = random.Random(seed * 13 + 1)
    consent_at = min(event.starts_at - timedelta(days=15), datetime.now(TZ))
    for i, person in enumerate(generated_people(PARTICIPANTS, seed)):
        municipality = municipalities[i % len(municipalities)] if i < len(municipalities) * 2 \
            else rng.choice(municipalities)
        db.session.add(Registration(
            event=event, municipality=municipality,
            organization=f"Администрация: {municipality.name}",
            role=Role.participant.value, status=Status.confirmed.value,
            consent_version=str(consent.version), consent_text_id=consent.id,
            consent_at=consent_at, created_at=consent_at,
            last_name_key=name_key(person["last_name"]), **person,
        ))
    db.session.flush()


def _check_in_arrivals(event: Event) -> None:
    """100 of the 120 (every speaker among them) came through two doors at 09:20–10:10 local,
    and got their certificates when the forum ended."""
    from .certificates.services import issue_all
    from .checkin.models import CheckIn, CheckInAudit

    if db.session.scalar(select(CheckIn.id).where(CheckIn.event_id == event.id).limit(1)) is not None:
        return  # it happened already (a demo loaded by an older version gets its arrivals now)
    rng = random.Random(3008)
    people = list(db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.status == Status.confirmed.value
    ).order_by(Registration.id)))
    speakers = [r for r in people if r.role == Role.speaker.value]
    others = [r for r in people if r.role != Role.speaker.value]
    came = speakers + rng.sample(others, CHECKED_IN - len(speakers))
    doors_open = event.starts_at - timedelta(minutes=40)
    for registration in came:
        at = doors_open + timedelta(seconds=rng.randrange(50 * 60))
        device = rng.choice(("door-1", "door-2"))
        db.session.add(CheckIn(event_id=event.id, registration_id=registration.id,
                               checked_in_at=at, device=device))
        db.session.add(CheckInAudit(event_id=event.id, registration_id=registration.id,
                                    action="checked_in", device=device, scanned_at=at, created_at=at))
    db.session.flush()
    issue_all(event, event.ends_at)
