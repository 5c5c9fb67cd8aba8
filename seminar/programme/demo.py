"""The demo forums' programme: Belogorsk, one day in two rooms, times in Asia/Yakutsk."""
from __future__ import annotations

from datetime import time

from sqlalchemy import select

from ..events.models import Event
from ..extensions import db
from ..registration.models import Registration
from .models import Room
from .services import SessionInput, create_session, local_moment, save_room

#: (index among the demo registrations by id, public position, organisation, bio).
SPEAKERS = [
    (3, "Советник губернатора Амурской области", "Правительство Амурской области",
     "Курирует информационную политику региона и работу органов власти в социальных сетях."),
    (11, "Руководитель Центра управления регионом Амурской области", "ЦУР Амурской области",
     "Отвечает за Инцидент-менеджмент и работу с обращениями жителей в социальных сетях."),
    (27, "Заместитель главы города Белогорск по информационным технологиям", "Администрация города Белогорск",
     "Руководил переводом официальных страниц города на платформу госпабликов."),
    (42, "Начальник правового управления", "Правительство Амурской области",
     "Юрист, специалист по 8-ФЗ и 149-ФЗ в части информации о деятельности органов власти."),
    (58, "Эксперт по информационной безопасности", "ГАУ «Информационный центр Амурской области»",
     "Помогает муниципалитетам защищать аккаунты и рабочие места."),
]

# (start, end, kind, room ("big", "small" or None = all rooms), title, speakers by SPEAKERS index, description)
SESSIONS = [
    ("10:00", "10:30", "registration", None, "Регистрация участников, приветственный кофе", [],
     "Получите бейдж у стойки регистрации в фойе."),
    ("10:30", "11:00", "plenary", "big", "Открытие форума-семинара", [0],
     "Приветствие участников от Правительства Амурской области и Ассоциации муниципальных образований."),
    ("11:00", "11:40", "talk", "big", "Информационная повестка муниципального образования", [0],
     "Как планировать темы, о чём говорить с жителями и как не отставать от новостей."),
    ("11:00", "11:40", "talk", "small", "Правовое поле работы муниципалитетов в социальных сетях", [3],
     "Обязательные официальные страницы, сроки ответа, что можно и нельзя публиковать."),
    ("11:40", "12:20", "talk", "big", "Платформы для официальных страниц: госпаблики", [2],
     "Опыт Белогорска: регистрация, верификация, контент-план, статистика."),
    ("11:40", "12:20", "workshop", "small", "Информационная безопасность аккаунтов органов власти", [4],
     "Двухфакторная аутентификация, права администраторов, что делать при взломе."),
    ("12:20", "12:40", "break", None, "Кофе-брейк", [], ""),
    ("12:40", "13:30", "talk", "big", "Обратная связь с жителями: Инцидент-менеджмент и ЦУР", [1],
     "Как сообщения жителей попадают в муниципалитет и в какие сроки на них нужно ответить."),
    ("13:30", "14:30", "break", None, "Обед", [], ""),
    ("14:30", "15:20", "talk", "big", "Брендинг территорий: как муниципалитету стать узнаваемым", [2],
     "Визуальный стиль, голос страницы, местные герои и события."),
    ("14:30", "15:20", "workshop", "small", "Практикум: ответы на комментарии жителей", [1],
     "Разбор реальных обращений из социальных сетей в малых группах."),
    ("15:30", "16:50", "panel", "big", "Панельная дискуссия «Соцсети муниципалитета: новая реальность»",
     [0, 1, 2], "Вопросы из зала приветствуются."),
    ("16:50", "17:30", "plenary", "big", "Подведение итогов, вручение сертификатов, закрытие", [0], ""),
]


def add_demo_programme(event: Event) -> None:
    """Rooms, sessions and speakers of the Belogorsk day (does nothing if the event has rooms)."""
    day = event.local(event.starts_at).date()
    if db.session.scalar(select(Room.id).where(Room.event_id == event.id).limit(1)) is not None:
        return
    rooms = {"big": save_room(event, None, "Большой зал", 120, 0),
             "small": save_room(event, None, "Малый зал", 40, 1)}
    people = list(db.session.scalars(
        select(Registration).where(Registration.event_id == event.id).order_by(Registration.id)))
    speakers = []
    for index, position, organization, bio in SPEAKERS:
        registration = people[index]
        registration.public_name = registration.full_name
        registration.position, registration.organization, registration.bio = position, organization, bio
        speakers.append(registration)
    for order, (start, end, kind, room, title, who, description) in enumerate(SESSIONS):
        create_session(event, SessionInput(
            title=title, kind=kind, room_id=rooms[room].id if room else None,
            starts_at=local_moment(event, day, time.fromisoformat(start)),
            ends_at=local_moment(event, day, time.fromisoformat(end)),
            description=description, position=order,
        ), [speakers[i] for i in who])
