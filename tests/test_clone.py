"""Cloning an event for next year's forum: settings, rooms and programme, without people."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from seminar.events.models import Event
from seminar.extensions import db
from seminar.programme.models import Room, Session
from seminar.registration.models import Registration

YAKUTSK = ZoneInfo("Asia/Yakutsk")


def test_clone_copies_settings_rooms_and_programme_without_people(client, make_event, make_registration,
                                                                  organiser):
    event = make_event(slug="forum-2026", starts_at=datetime(2026, 8, 30, 10, tzinfo=YAKUTSK),
                       ends_at=datetime(2026, 8, 30, 17, 30, tzinfo=YAKUTSK), capacity=150,
                       municipality_quota=5, moderation=True)
    speaker = make_registration(event, role="speaker")
    hall = Room(event=event, name="Большой зал", capacity=120, position=0)
    session = Session(event=event, room=hall, title="Госпаблики", kind="talk",
                      starts_at=datetime(2026, 8, 30, 11, tzinfo=YAKUTSK),
                      ends_at=datetime(2026, 8, 30, 11, 40, tzinfo=YAKUTSK), speakers=[speaker])
    db.session.add_all([hall, session])
    db.session.commit()
    organiser(event)
    form = client.get(f"/manage/events/{event.slug}/clone")
    assert form.status_code == 200 and "2027-08-30" in form.text
    answer = client.post(f"/manage/events/{event.slug}/clone",
                         data={"title": "Форум 2027", "slug": "forum-2027", "starts_on": "2027-08-30"})
    assert answer.status_code == 302
    copy = db.session.scalar(select(Event).where(Event.slug == "forum-2027"))
    assert copy.status == "draft" and copy.capacity == 150 and copy.municipality_quota == 5 and copy.moderation
    assert copy.local(copy.starts_at).replace(tzinfo=None) == datetime(2027, 8, 30, 10)
    [room] = db.session.scalars(select(Room).where(Room.event_id == copy.id)).all()
    [copied] = db.session.scalars(select(Session).where(Session.event_id == copy.id)).all()
    assert room.name == "Большой зал" and copied.room_id == room.id
    assert copied.starts_at.astimezone(YAKUTSK).replace(tzinfo=None) == datetime(2027, 8, 30, 11)
    assert copied.speakers == []
    assert db.session.scalar(select(func.count()).where(Registration.event_id == copy.id)) == 0
    assert client.get(f"/manage/events/{copy.slug}/").status_code == 200  # the organiser manages the copy


def test_clone_refuses_a_taken_address(client, make_event, organiser):
    event = make_event()
    organiser(event)
    answer = client.post(f"/manage/events/{event.slug}/clone",
                         data={"title": "Копия", "slug": event.slug, "starts_on": "2030-01-01"})
    assert answer.status_code == 200 and "уже занят" in answer.text
    assert db.session.scalar(select(func.count()).select_from(Event)) == 1
