"""The organiser's pages: add and edit people, seat by hand, raise limits, bulk actions."""
from __future__ import annotations

from sqlalchemy import select

from seminar.audit.models import AuditEntry
from seminar.extensions import db
from seminar.registration.models import Registration


def person(event, **kw):
    data = {"last_name": "Орлов", "first_name": "Пётр", "middle_name": "", "email": "orlov@example.ru",
            "phone": "", "municipality": str(event.region.municipalities[0].id),
            "organization": "Правительство Амурской области", "position": "Советник губернатора",
            "role": "guest"}
    data.update(kw)
    return data


def test_organiser_adds_a_guest_with_a_role(client, make_event, organiser, outbox):
    event = make_event()
    organiser(event)
    assert client.get(f"/manage/events/{event.slug}/registrations/new").status_code == 200
    answer = client.post(f"/manage/events/{event.slug}/registrations/new", data=person(event))
    assert answer.status_code == 302
    added = db.session.scalar(select(Registration).where(Registration.email == "orlov@example.ru"))
    assert added.role == "guest" and added.status == "confirmed"
    assert outbox()[0]["To"] == "orlov@example.ru"


def test_adding_above_capacity_waitlists_unless_the_organiser_says_so(client, make_event, make_registration,
                                                                     organiser):
    event = make_event(capacity=1)
    make_registration(event)
    organiser(event)
    client.post(f"/manage/events/{event.slug}/registrations/new", data=person(event))
    client.post(f"/manage/events/{event.slug}/registrations/new",
                data=person(event, email="vip@example.ru", override="y"))
    statuses = dict(db.session.execute(select(Registration.email, Registration.status)).all())
    assert statuses["orlov@example.ru"] == "waitlisted" and statuses["vip@example.ru"] == "confirmed"
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "registration.add" and entry.detail["override"] is True


def test_organiser_edits_any_field_and_a_duplicate_email_is_refused(client, make_event, make_registration,
                                                                   organiser):
    event = make_event()
    one, two = make_registration(event), make_registration(event)
    organiser(event)
    url = f"/manage/events/{event.slug}/registrations/{two.id}/edit"
    assert client.get(url).status_code == 200
    refused = client.post(url, data=person(event, email=one.email))
    assert refused.status_code == 200 and "уже есть у другой регистрации" in refused.text
    client.post(url, data=person(event, role="press"))
    db.session.refresh(two)
    assert two.role == "press" and two.last_name == "Орлов" and two.status == "confirmed"


def test_seat_now_seats_a_chosen_person_and_refuses_a_cancelled_one(client, make_event, make_registration,
                                                                   organiser, outbox):
    event = make_event(capacity=2)
    make_registration(event)
    first = make_registration(event, status="waitlisted")
    chosen = make_registration(event, status="waitlisted")
    gone = make_registration(event, status="cancelled")
    organiser(event)
    client.post(f"/manage/events/{event.slug}/registrations/{chosen.id}/seat")
    db.session.refresh(chosen)
    db.session.refresh(first)
    assert chosen.status == "confirmed" and first.status == "waitlisted"
    refused = client.post(f"/manage/events/{event.slug}/registrations/{gone.id}/seat", follow_redirects=True)
    assert "Отменённую регистрацию нельзя" in refused.text
    db.session.refresh(gone)
    assert gone.status == "cancelled"
    full = client.post(f"/manage/events/{event.slug}/registrations/{first.id}/seat", follow_redirects=True)
    assert "Свободных мест нет" in full.text
    client.post(f"/manage/events/{event.slug}/registrations/{first.id}/seat", data={"override": "1"})
    db.session.refresh(first)
    assert first.status == "confirmed"


def _edit_form(event, **kw):
    local = "%Y-%m-%dT%H:%M"
    data = {"title": event.title, "slug": event.slug, "description": event.description, "city": event.city,
            "venue": event.venue, "timezone": event.timezone,
            "starts_at": event.local(event.starts_at).strftime(local),
            "ends_at": event.local(event.ends_at).strftime(local),
            "capacity": str(event.capacity or ""), "municipality_quota": str(event.municipality_quota or ""),
            "region": str(event.region_id or ""), "status": event.status}
    data.update(kw)
    return data


def test_raising_capacity_on_the_page_seats_the_waitlist(client, make_event, make_registration, organiser,
                                                        outbox):
    event = make_event(capacity=1)
    make_registration(event)
    waiting = [make_registration(event, status="waitlisted") for _ in range(3)]
    organiser(event)
    answer = client.post(f"/manage/events/{event.slug}/edit", data=_edit_form(event, capacity="3"),
                         follow_redirects=True)
    assert "получили место: 2" in answer.text
    statuses = [db.session.get(Registration, r.id).status for r in waiting]
    assert statuses == ["confirmed", "confirmed", "waitlisted"]
    assert len(outbox()) == 2


def test_lowering_capacity_below_confirmed_keeps_everyone_and_says_so(client, make_event, make_registration,
                                                                     organiser):
    event = make_event(capacity=5)
    people = [make_registration(event) for _ in range(3)]
    organiser(event)
    answer = client.post(f"/manage/events/{event.slug}/edit", data=_edit_form(event, capacity="1"),
                         follow_redirects=True)
    assert "никто не теряет место" in answer.text
    assert all(db.session.get(Registration, r.id).status == "confirmed" for r in people)


def test_bulk_actions_act_on_the_ticked_rows(client, make_event, make_registration, organiser, outbox):
    event = make_event(moderation=True)
    a, b, c = (make_registration(event, status="pending") for _ in range(3))
    organiser(event)
    url = f"/manage/events/{event.slug}/registrations/bulk"
    client.post(url, data={"action": "approve", "ids": [a.id, b.id], "role": "participant"})
    assert [db.session.get(Registration, r.id).status for r in (a, b, c)] == ["confirmed", "confirmed", "pending"]
    client.post(url, data={"action": "role", "ids": [a.id], "role": "press"})
    assert db.session.get(Registration, a.id).role == "press"
    client.post(url, data={"action": "printed", "ids": [a.id, b.id], "role": "participant"})
    assert db.session.get(Registration, b.id).badge_printed_at is not None
    client.post(url, data={"action": "cancel", "ids": [c.id], "role": "participant"})
    assert db.session.get(Registration, c.id).status == "cancelled"
    before = len(outbox())
    client.post(url, data={"action": "resend", "ids": [a.id, b.id, c.id], "role": "participant"})
    assert len(outbox()) == before + 2  # not to the cancelled one
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert {"bulk.approve", "bulk.role", "bulk.printed", "bulk.cancel", "bulk.resend"} <= set(actions)


def test_bulk_action_on_everything_the_filters_find(client, make_event, make_registration, organiser):
    event = make_event()
    speakers = [make_registration(event, role="speaker") for _ in range(2)]
    other = make_registration(event)
    organiser(event)
    client.post(f"/manage/events/{event.slug}/registrations/bulk",
                data={"action": "printed", "everything": "y", "f_role": "speaker", "role": "participant"})
    assert all(db.session.get(Registration, r.id).badge_printed_at for r in speakers)
    assert db.session.get(Registration, other.id).badge_printed_at is None


def test_bulk_actions_ignore_other_events_rows(client, make_event, make_registration, organiser):
    event, other_event = make_event(), make_event()
    foreign = make_registration(other_event)
    organiser(event)
    client.post(f"/manage/events/{event.slug}/registrations/bulk",
                data={"action": "cancel", "ids": [foreign.id], "role": "participant"})
    assert db.session.get(Registration, foreign.id).status == "confirmed"


def test_the_registration_list_shows_edit_seat_and_bulk_controls(client, make_event, make_registration, organiser):
    event = make_event()
    waiting = make_registration(event, status="waitlisted")
    organiser(event)
    page = client.get(f"/manage/events/{event.slug}/")
    assert f"/registrations/{waiting.id}/edit" in page.text
    assert f"/registrations/{waiting.id}/seat" in page.text
    assert 'id="bulk-form"' in page.text


def test_a_door_account_cannot_use_the_organiser_pages(client, make_event, make_registration, organiser):
    event = make_event()
    registration = make_registration(event)
    organiser(event, email="door@example.ru", role="door")
    assert client.get(f"/manage/events/{event.slug}/registrations/new").status_code == 403
    assert client.post(f"/manage/events/{event.slug}/registrations/{registration.id}/seat").status_code == 403
    assert client.get(f"/manage/events/{event.slug}/import").status_code == 403


def test_a_big_xlsx_export_is_built_by_the_queue_and_then_downloaded_from_the_database(
        app, client, make_event, make_registration, organiser, monkeypatch):
    from io import BytesIO
    from pathlib import Path

    from openpyxl import load_workbook

    from seminar.manage import jobs
    from seminar.prepared import services as prepared
    from seminar.prepared.models import PreparedFile

    monkeypatch.setattr(jobs, "INLINE_XLSX_ROWS", 2)
    event = make_event()
    for _ in range(3):
        make_registration(event)
    organiser(event)
    answer = client.get(f"/manage/events/{event.slug}/registrations.xlsx")
    assert answer.status_code == 302 and "/exports/" in answer.location
    ready = client.get(answer.location)  # the queue runs at once in tests
    assert ready.status_code == 200 and ready.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(BytesIO(ready.data)).active
    assert sheet.max_row == 4 and sheet["A1"].value == "Фамилия"
    # kept in the database, so any app server can hand it out; nothing on this server's disk
    stored = db.session.scalar(select(PreparedFile).where(PreparedFile.event_id == event.id))
    assert (stored.kind, stored.status, prepared.opened(stored).read()) == ("export-xlsx", "ready", ready.data)
    exports = Path(app.instance_path) / "exports"
    assert not exports.exists() or not any(exports.iterdir())

    waiting = PreparedFile(event_id=event.id, kind="export-xlsx", status="queued",
                           filename="x.xlsx", mimetype="application/octet-stream")
    db.session.add(waiting)
    db.session.commit()
    pending = client.get(f"/manage/events/{event.slug}/exports/{waiting.id}")
    assert pending.status_code == 202 and pending.headers["Refresh"] == "2"
    assert "Готовим файл XLSX" in pending.get_data(as_text=True)
    waiting.status = "failed"
    db.session.commit()
    assert "собрать не удалось" in client.get(f"/manage/events/{event.slug}/exports/{waiting.id}").get_data(
        as_text=True)
    assert client.get(f"/manage/events/{event.slug}/exports/999999").status_code == 404
    small = make_event()
    organiser(small, email="org2@example.ru")
    file_id = answer.location.rsplit("/", 1)[1]
    assert client.get(f"/manage/events/{small.slug}/exports/{file_id}").status_code == 404  # not another event's file
    assert client.get(answer.location).status_code == 403


def test_asking_twice_for_the_same_big_export_while_it_builds_queues_it_once(
        client, make_event, make_registration, organiser, monkeypatch):
    from seminar.manage import jobs

    monkeypatch.setattr(jobs, "INLINE_XLSX_ROWS", 2)
    queued: list[tuple[int, dict]] = []  # the worker is busy: nothing is built yet
    monkeypatch.setattr(jobs, "build_registrations_xlsx", lambda file_id, filters: queued.append((file_id, filters)))
    event = make_event()
    for _ in range(3):
        make_registration(event)
    organiser(event)
    url = f"/manage/events/{event.slug}/registrations.xlsx"
    first, again = client.get(url), client.get(url)  # a double click, or the link opened twice
    assert first.status_code == again.status_code == 302
    assert first.location == again.location and len(queued) == 1
    assert client.get(first.location).status_code == 202  # both wait for the one file
    other = client.get(url + "?status=confirmed")  # another list is another file
    assert other.location != first.location and len(queued) == 2
    assert queued[1][1]["status"] == "confirmed"
