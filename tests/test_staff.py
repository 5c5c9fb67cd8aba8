"""Staff of an event: organisers add accounts (who set their own password), remove them, manage tokens."""
from __future__ import annotations

import re

from conftest import plain_text
from sqlalchemy import select

from seminar.audit.models import AuditEntry
from seminar.auth.models import ApiToken, User
from seminar.extensions import db


def test_organiser_adds_a_door_account_that_sets_its_own_password(app, client, make_event, organiser, outbox):
    event = make_event()
    organiser(event)
    page = client.post(f"/manage/events/{event.slug}/staff", data={"email": "Door@Example.ru", "role": "door"},
                       follow_redirects=True)
    assert "отправлена ссылка" in page.text
    door = db.session.scalar(select(User).where(User.email == "door@example.ru"))
    assert door.role == "door" and door.password_hash == "" and event in door.events
    [letter] = outbox()
    assert letter["To"] == "door@example.ru"
    path = re.search(r"http://[^/\s]+(/password/\S+)", plain_text(letter)).group(1)
    assert client.get(path).status_code == 200
    mismatch = client.post(path, data={"password": "door-pass-123", "confirm": "other-pass-123"})
    assert "Пароли не совпадают" in mismatch.text
    assert client.post(path, data={"password": "door-pass-123", "confirm": "door-pass-123"}).status_code == 302
    db.session.refresh(door)
    assert door.check_password("door-pass-123")
    assert client.get(path).status_code == 404  # the link works once
    assert client.get("/password/forged").status_code == 404


def test_an_existing_account_keeps_its_role_when_added(client, make_event, make_user, organiser):
    event, other = make_event(), make_event()
    make_user(email="door@example.ru", role="door", event=other)
    organiser(event)
    client.post(f"/manage/events/{event.slug}/staff", data={"email": "door@example.ru", "role": "organiser"})
    door = db.session.scalar(select(User).where(User.email == "door@example.ru"))
    assert door.role == "door" and event in door.events and other in door.events


def test_organiser_removes_an_account_from_the_event_but_not_themself(client, make_event, make_user, organiser):
    event = make_event()
    door = make_user(email="door@example.ru", role="door", event=event)
    me = organiser(event)
    client.post(f"/manage/events/{event.slug}/staff/{door.id}/remove")
    db.session.refresh(door)
    assert event not in door.events
    client.post(f"/manage/events/{event.slug}/staff/{me.id}/remove")
    db.session.refresh(me)
    assert event in me.events


def test_tokens_are_shown_once_listed_with_last_use_and_revoked(client, make_event, make_user, organiser):
    event = make_event()
    door = make_user(email="door@example.ru", role="door", event=event)
    organiser(event)
    page = client.post(f"/manage/events/{event.slug}/staff/{door.id}/tokens")
    token = re.search(r'<code class="token">([^<]+)</code>', page.text).group(1)
    assert client.get(f"/api/v1/events/{event.slug}/stats",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listing = client.get(f"/manage/events/{event.slug}/staff").text
    assert token not in listing and "последний раз" in listing
    created = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token)))
    client.post(f"/manage/events/{event.slug}/tokens/{created.id}/revoke")
    assert db.session.get(ApiToken, created.id) is None
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "token.create" in actions and "token.revoke" in actions


def test_staff_page_is_for_organisers_of_the_event(client, make_event, make_user, organiser):
    event, other = make_event(), make_event()
    organiser(event, email="door2@example.ru", role="door")
    assert client.get(f"/manage/events/{event.slug}/staff").status_code == 403
    refused = client.post(f"/manage/events/{event.slug}/staff", data={"email": "a@b.ru", "role": "door"})
    assert refused.status_code == 403
    assert client.get(f"/manage/events/{other.slug}/staff").status_code == 403


def test_tokens_of_other_events_cannot_be_revoked_here(client, make_event, make_user, organiser):
    event, other = make_event(), make_event()
    stranger = make_user(email="x@example.ru", event=other)
    organiser(event)
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == stranger.id))
    assert client.post(f"/manage/events/{event.slug}/tokens/{token.id}/revoke").status_code == 404
