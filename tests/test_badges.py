"""Badges in the app: a participant's own PDF, the QR on screen, bulk sheets, reprints, new codes."""
from __future__ import annotations

import io

import pypdfium2
import zxingcpp
from conftest import decoded_qrs, pdf_text, sign_in
from pypdf import PdfReader
from sqlalchemy import select

from seminar.extensions import db
from seminar.registration.models import Registration


def decode_pdf(data: bytes) -> list[str]:
    pdf = pypdfium2.PdfDocument(data)
    codes = []
    for page in pdf:
        image = page.render(scale=200 / 72).to_pil()
        codes += [r.text for r in zxingcpp.read_barcodes(image)]
    return codes


def login(client, make_user, event):
    sign_in(client, make_user(event=event))


def test_personal_badge_pdf_carries_the_name_and_a_qr_that_decodes_to_the_badge_code(
        client, make_event, make_registration):
    event = make_event()
    registration = make_registration(event, last_name="Щербакова", first_name="Алёна")
    response = client.get(f"/r/{registration.access_token}/badge.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert decode_pdf(response.data) == [registration.badge_code]
    text = pdf_text(response.data)
    assert "Щербакова" in text and "Алёна" in text and "УЧАСТНИК" in text


def test_waitlisted_person_gets_no_badge(client, make_event, make_registration):
    event = make_event()
    registration = make_registration(event, status="waitlisted")
    assert client.get(f"/r/{registration.access_token}/badge.pdf").status_code == 404
    assert "Ваш бейдж" not in client.get(f"/r/{registration.access_token}").get_data(as_text=True)


def test_personal_page_shows_the_qr_as_inline_svg_with_the_code_under_it(
        client, make_event, make_registration):
    event = make_event()
    registration = make_registration(event)
    html = client.get(f"/r/{registration.access_token}").get_data(as_text=True)
    assert "<svg" in html and 'viewBox="0 0 33 33"' in html
    grouped = " ".join(registration.badge_code[i:i + 4] for i in range(0, len(registration.badge_code), 4))
    assert grouped in html


def test_qr_svg_decodes_to_the_badge_code():
    import re

    from PIL import Image, ImageDraw

    from seminar.badges.services import qr_svg

    code = "7KQ2M9XH4TRW8CPD3FVN6JYB5GZA"
    svg = qr_svg(code)
    n = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    scale = 8
    image = Image.new("L", (n * scale, n * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)", svg):
        x, y, w = int(x), int(y), int(w)
        draw.rectangle([x * scale, y * scale, (x + w) * scale - 1, (y + 1) * scale - 1], fill=0)
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [code]


def test_bulk_sheet_filters_by_role_and_sorts_by_last_name(client, make_event, make_registration, make_user):
    event = make_event()
    make_registration(event, last_name="Яковлев")
    make_registration(event, last_name="Абрамов")
    make_registration(event, last_name="Медведева", role="speaker")
    make_registration(event, last_name="Отменённый", status="cancelled")
    login(client, make_user, event)
    response = client.post(f"/manage/events/{event.slug}/badges",
                           data={"layout": "a6", "sort": "name", "role": "participant"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert text.index("Абрамов") < text.index("Яковлев")
    assert "Медведева" not in text and "Отменённый" not in text


def test_marking_a_batch_printed_leaves_only_new_badges_for_the_next_run(
        client, make_event, make_registration, make_user):
    event = make_event()
    make_registration(event, last_name="Первый")
    login(client, make_user, event)
    client.post(f"/manage/events/{event.slug}/badges",
                data={"layout": "card", "sort": "name", "mark_printed": "y"})
    make_registration(event, last_name="Опоздавший")
    response = client.post(f"/manage/events/{event.slug}/badges",
                           data={"layout": "card", "sort": "name", "not_printed": "y"})
    text = pdf_text(response.data)
    assert "Опоздавший" in text and "Первый" not in text


def test_new_badge_code_replaces_the_old_one(client, make_event, make_registration, make_user):
    event = make_event()
    registration = make_registration(event)
    old = registration.badge_code
    login(client, make_user, event)
    client.post(f"/manage/events/{event.slug}/registrations/{registration.id}/badge-code")
    db.session.expire_all()
    assert registration.badge_code != old
    assert db.session.scalar(select(Registration).where(Registration.badge_code == old)) is None
    reprint = client.get(f"/manage/events/{event.slug}/registrations/{registration.id}/badge.pdf")
    assert decode_pdf(reprint.data) == [registration.badge_code]


def test_badges_cli_writes_one_pdf_for_the_event(runner, make_event, make_registration, tmp_path):
    event = make_event()
    for name in ("Борисов", "Волкова", "Громов", "Данилова", "Егоров"):
        make_registration(event, last_name=name)
    out = tmp_path / "badges.pdf"
    result = runner.invoke(args=["badges", event.slug, "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert len(PdfReader(io.BytesIO(data)).pages) == 2  # 5 badges, 4 per A4
    assert len(decode_pdf(data)) == 5


def test_after_a_new_code_the_old_badge_answers_unknown_at_the_door(
        client, make_event, make_registration, make_user):
    event = make_event()
    registration = make_registration(event)
    old = registration.badge_code
    login(client, make_user, event)
    client.post(f"/manage/events/{event.slug}/registrations/{registration.id}/badge-code")
    door = make_user(email="door@example.ru", role="door", event=event)
    headers = {"Authorization": f"Bearer {door.api_token}"}
    url = f"/api/v1/events/{event.slug}/checkins"
    assert client.post(url, json={"code": old}, headers=headers).get_json()["status"] == "unknown_code"
    db.session.expire_all()
    assert client.post(url, json={"code": registration.badge_code}, headers=headers).status_code == 201


# ---------------------------------------------------------------- big bulk sheets through the queue

def queued_badges(monkeypatch, inline: int = 1):
    """Make every bulk sheet above `inline` badges go through the queue (it runs at once in tests)."""
    from seminar.badges import views

    monkeypatch.setattr(views, "INLINE_BADGES", inline)


def prepared_link(html: str) -> str:
    import re

    match = re.search(r'href="(/manage/events/[^"]+/badges/prepared/\d+\.pdf)"', html)
    assert match, "no download link on the page"
    return match.group(1)


def test_a_big_bulk_sheet_is_built_by_the_queue_and_offered_on_the_page(
        client, make_event, make_registration, organiser, monkeypatch):
    queued_badges(monkeypatch)
    event = make_event()
    people = [make_registration(event, last_name=name) for name in ("Яковлев", "Абрамов", "Медведева")]
    organiser(event)
    answer = client.post(f"/manage/events/{event.slug}/badges", data={"layout": "a6", "sort": "name"})
    assert answer.status_code == 302 and answer.location.endswith(f"/manage/events/{event.slug}/badges")
    page = client.get(answer.location).get_data(as_text=True)
    assert "файл готовится в фоне" in page and "Скачать PDF: 3 бейджей" in page
    assert 'http-equiv="refresh"' not in page  # ready: the page stops refreshing itself
    pdf = client.get(prepared_link(page))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "badges-" in pdf.headers["Content-Disposition"]
    text = pdf_text(pdf.data)
    assert text.index("Абрамов") < text.index("Медведева") < text.index("Яковлев")
    assert sorted(decoded_qrs(pdf.data)) == sorted(r.badge_code for r in people)


def test_a_small_batch_still_comes_straight_from_the_form(client, make_event, make_registration, organiser):
    event = make_event()
    make_registration(event, last_name="Абрамов")
    organiser(event)
    response = client.post(f"/manage/events/{event.slug}/badges", data={"layout": "a6", "sort": "name"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "/badges/prepared/" not in client.get(f"/manage/events/{event.slug}/badges").get_data(as_text=True)


def test_the_job_reports_progress_in_chunks_and_the_page_shows_it_while_preparing(
        client, make_event, make_registration, organiser, monkeypatch):
    from seminar.badges import services as badge_services
    from seminar.prepared import services as prepared
    from seminar.prepared.models import PreparedFile

    queued_badges(monkeypatch)
    monkeypatch.setattr(badge_services, "CHUNK", 2)
    seen = []
    real_progress = prepared.progress

    def spy(file, done, total):
        seen.append((done, total))
        real_progress(file, done, total)

    monkeypatch.setattr(prepared, "progress", spy)
    event = make_event()
    for _ in range(5):
        make_registration(event)
    user = organiser(event)
    client.post(f"/manage/events/{event.slug}/badges", data={"layout": "card", "sort": "name"})
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]
    file = db.session.scalar(select(PreparedFile).where(PreparedFile.event_id == event.id))
    assert (file.kind, file.status, file.done, file.total, file.requested_by_id) == ("badges", "ready", 5, 5, user.id)
    assert file.filename == f"badges-{event.slug}.pdf" and file.size == len(file.data) > 1000

    # a second request still being built: the page counts it and refreshes itself
    running = PreparedFile(event_id=event.id, kind="badges", status="running", done=200, total=1000,
                           filename="badges.pdf", mimetype="application/pdf")
    db.session.add(running)
    db.session.commit()
    page = client.get(f"/manage/events/{event.slug}/badges").get_data(as_text=True)
    assert "PDF готовится: 200 из 1000" in page and '<meta http-equiv="refresh" content="3">' in page
    assert "/badges/prepared/" not in page
    assert client.get(f"/manage/events/{event.slug}/badges/prepared/{running.id}.pdf").status_code == 404


def test_only_the_newest_files_of_an_event_are_kept(client, make_event, make_registration, organiser, monkeypatch):
    from seminar.prepared.models import PreparedFile
    from seminar.prepared.services import KEEP_NEWEST

    queued_badges(monkeypatch)
    event = make_event()
    for _ in range(2):
        make_registration(event)
    organiser(event)
    for _ in range(KEEP_NEWEST + 2):
        client.post(f"/manage/events/{event.slug}/badges", data={"layout": "a6", "sort": "name"})
    kept = db.session.scalars(select(PreparedFile.id).where(PreparedFile.event_id == event.id)).all()
    assert len(kept) == KEEP_NEWEST


def test_another_organisers_event_and_its_files_are_refused(
        client, make_event, make_registration, organiser, monkeypatch):
    queued_badges(monkeypatch)
    theirs = make_event()
    for _ in range(2):
        make_registration(theirs)
    organiser(theirs, email="their@example.ru")
    page = client.get(client.post(f"/manage/events/{theirs.slug}/badges",
                                  data={"layout": "a6", "sort": "name"}).location).get_data(as_text=True)
    link = prepared_link(page)
    file_id = link.rsplit("/", 1)[1]
    assert client.get(link).status_code == 200

    mine = make_event()
    organiser(mine, email="mine@example.ru")
    assert client.get(link).status_code == 403
    assert client.get(f"/manage/events/{theirs.slug}/badges").status_code == 403
    assert client.post(f"/manage/events/{theirs.slug}/badges", data={"layout": "a6"}).status_code == 403
    assert client.get(f"/manage/events/{mine.slug}/badges/prepared/{file_id}").status_code == 404


def test_the_job_marks_the_batch_printed_once_the_pdf_is_built(
        client, make_event, make_registration, organiser, monkeypatch):
    queued_badges(monkeypatch)
    event = make_event()
    first = [make_registration(event, last_name=n) for n in ("Первый", "Второй")]
    organiser(event)
    client.post(f"/manage/events/{event.slug}/badges", data={"layout": "a6", "sort": "name", "mark_printed": "y"})
    db.session.expire_all()
    assert all(r.badge_printed_at is not None for r in first)
    late = [make_registration(event, last_name=n) for n in ("Опоздавший", "Поздняя")]
    client.post(f"/manage/events/{event.slug}/badges", data={"layout": "a6", "sort": "name", "not_printed": "y"})
    pdf = client.get(prepared_link(client.get(f"/manage/events/{event.slug}/badges").get_data(as_text=True)))
    text = pdf_text(pdf.data)
    assert "Опоздавший" in text and "Поздняя" in text and "Первый" not in text
    db.session.expire_all()
    assert all(r.badge_printed_at is None for r in late)  # not asked to mark this time


def test_a_failed_build_says_so_and_marks_nothing_printed(
        client, make_event, make_registration, organiser, monkeypatch):
    from seminar.badges import render

    queued_badges(monkeypatch)

    def broken(self):
        raise OSError("disk full")

    monkeypatch.setattr(render.BadgeSheets, "close", broken)
    event = make_event()
    people = [make_registration(event) for _ in range(3)]
    organiser(event)
    client.post(f"/manage/events/{event.slug}/badges", data={"layout": "a6", "sort": "name", "mark_printed": "y"})
    page = client.get(f"/manage/events/{event.slug}/badges").get_data(as_text=True)
    assert "PDF собрать не удалось" in page and "/badges/prepared/" not in page
    assert 'http-equiv="refresh"' not in page
    db.session.expire_all()
    assert all(r.badge_printed_at is None for r in people)


def test_anonymising_an_events_people_drops_its_prepared_sheets(
        client, make_event, make_registration, organiser, monkeypatch):
    from seminar.dbtypes import utcnow
    from seminar.prepared.models import PreparedFile
    from seminar.privacy.retention import anonymise_registrations

    queued_badges(monkeypatch)
    event = make_event()
    people = [make_registration(event, last_name="Щербакова") for _ in range(2)]
    organiser(event)
    client.post(f"/manage/events/{event.slug}/badges", data={"layout": "a6", "sort": "name"})
    link = prepared_link(client.get(f"/manage/events/{event.slug}/badges").get_data(as_text=True))
    anonymise_registrations(people, utcnow())
    db.session.commit()
    assert db.session.scalar(select(PreparedFile).where(PreparedFile.event_id == event.id)) is None
    assert client.get(link).status_code == 404
