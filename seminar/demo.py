"""The demo forum: Belogorsk, 30 August 2022, 120 confirmed participants with generated names."""
from __future__ import annotations

import random
from datetime import datetime
from importlib import resources
from zoneinfo import ZoneInfo

from sqlalchemy import select

from .auth.models import UserRole
from .auth.services import create_or_update_user, find_user
from .events.importing import import_municipalities
from .events.models import Event, EventStatus, Municipality, Region
from .extensions import db
from .registration.models import Registration, Role, Status, name_key

SLUG = "belogorsk-2022"
TZ = ZoneInfo("Asia/Yakutsk")
ORGANISER_EMAIL = "organiser@belogorsk-forum.ru"
ORGANISER_PASSWORD = "belogorsk2022"
DOOR_EMAIL = "door@belogorsk-forum.ru"
DOOR_PASSWORD = "door2022!"
PARTICIPANTS = 120

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


def load_demo() -> tuple[Event, bool]:
    """Create the Belogorsk forum with its people and programme; returns (event, created)."""
    text = resources.files("seminar.data").joinpath("amur_municipalities.csv").read_text("utf-8")
    import_municipalities(text)
    existing = db.session.scalar(select(Event).where(Event.slug == SLUG))
    created = existing is None
    event = existing or _create_event()
    if created:
        _create_registrations(event)
        from .programme.demo import add_demo_programme

        add_demo_programme(event)
    if find_user(ORGANISER_EMAIL) is None:
        create_or_update_user(ORGANISER_EMAIL, UserRole.organiser.value, ORGANISER_PASSWORD, SLUG)
    if find_user(DOOR_EMAIL) is None:
        create_or_update_user(DOOR_EMAIL, UserRole.door.value, DOOR_PASSWORD, SLUG)
    db.session.flush()
    return event, created


def _create_event() -> Event:
    region = db.session.scalar(select(Region).where(Region.name == "Амурская область"))
    event = Event(
        slug=SLUG,
        title="Работа муниципальных образований в социальных сетях: новая реальность",
        description=(
            "Форум-семинар муниципальных образований Амурской области. Информационная повестка "
            "муниципалитетов, правовое поле работы в социальных сетях, госпаблики, обратная связь "
            "с жителями, брендинг территорий и информационная безопасность.\n\n"
            "Организаторы: Ассоциация «Совет муниципальных образований Амурской области» "
            "при поддержке Правительства Амурской области."
        ),
        venue="Дом культуры, ул. Кирова, 306",
        city="Белогорск",
        timezone="Asia/Yakutsk",
        starts_at=datetime(2022, 8, 30, 10, 0, tzinfo=TZ),
        ends_at=datetime(2022, 8, 30, 17, 30, tzinfo=TZ),
        capacity=150,
        registration_opens=None,
        registration_closes=None,
        moderation=False,
        status=EventStatus.published.value,
        region=region,
    )
    db.session.add(event)
    db.session.flush()
    return event


def _create_registrations(event: Event) -> None:
    municipalities = list(db.session.scalars(
        select(Municipality).where(Municipality.region_id == event.region_id).order_by(Municipality.id)))
    rng = random.Random(30082022)
    consent_at = datetime(2022, 8, 15, 12, 0, tzinfo=TZ)
    for i, person in enumerate(generated_people(PARTICIPANTS)):
        municipality = municipalities[i % len(municipalities)] if i < len(municipalities) * 2 \
            else rng.choice(municipalities)
        db.session.add(Registration(
            event=event, municipality=municipality,
            organization=f"Администрация: {municipality.name}",
            role=Role.participant.value, status=Status.confirmed.value,
            consent_version="2022-08-01", consent_at=consent_at, created_at=consent_at,
            last_name_key=name_key(person["last_name"]), **person,
        ))
    db.session.flush()


#: How many of the 120 `demo-arrivals` lets in.
CHECKED_IN = 100


def load_demo_arrivals() -> int:
    """Door check-ins for 100 of the 120 (every speaker among them), 09:20–10:10 local on the day.

    Kept out of `demo` itself, so the demo's door starts empty (every badge scans green);
    run it to try the dashboard and certificates on a forum that has happened.
    Returns the number of check-ins added; running it again adds none.
    """
    from datetime import timedelta

    from .checkin.models import CheckIn, CheckInAudit

    event = db.session.scalar(select(Event).where(Event.slug == SLUG))
    if event is None:
        event, _created = load_demo()
    if db.session.scalar(select(CheckIn.id).where(CheckIn.event_id == event.id).limit(1)):
        return 0
    rng = random.Random(3008)
    people = list(db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.status == Status.confirmed.value
    ).order_by(Registration.id)))
    speakers = [r for r in people if r.role == Role.speaker.value]
    others = [r for r in people if r.role != Role.speaker.value]
    came = speakers + rng.sample(others, min(CHECKED_IN - len(speakers), len(others)))
    doors_open = datetime(2022, 8, 30, 9, 20, tzinfo=TZ)
    for registration in came:
        at = doors_open + timedelta(seconds=rng.randrange(50 * 60))
        device = rng.choice(("door-1", "door-2"))
        db.session.add(CheckIn(event_id=event.id, registration_id=registration.id,
                               checked_in_at=at, device=device))
        db.session.add(CheckInAudit(event_id=event.id, registration_id=registration.id,
                                    action="checked_in", device=device, scanned_at=at, created_at=at))
    db.session.flush()
    return len(came)
