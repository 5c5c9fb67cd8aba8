"""Badges in the app: a participant's own PDF, the QR on screen, bulk sheets, reprints, new codes."""
from __future__ import annotations

import io

import pypdfium2
import zxingcpp
from conftest import decoded_qrs, pdf_text, sign_in
from flask_babel import refresh
from pypdf import PdfReader
from sqlalchemy import func, select

from seminar.badges.forms import LAYOUT_LABELS
from seminar.badges.render import LAYOUTS
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


def test_bulk_layouts_are_named_in_the_page_language_with_the_same_values(
        client, make_event, make_user):
    assert set(LAYOUT_LABELS) == set(LAYOUTS) - {"single"}  # every sheet layout, named as render names it
    event = make_event()
    login(client, make_user, event)
    page = client.get(f"/manage/events/{event.slug}/badges").get_data(as_text=True)
    assert '<option value="a6">4 на листе A4 (A6)</option>' in page
    assert '<option value="card">10 на листе A4 (90×55 мм)</option>' in page
    refresh()  # the test's app context outlives a request and would keep the first request's locale
    english = client.get(f"/manage/events/{event.slug}/badges?lang=en").get_data(as_text=True)
    assert '<option value="a6">4 per A4 sheet (A6)</option>' in english
    assert '<option value="card">10 per A4 sheet (90×55 mm)</option>' in english


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
    assert answer.status_code == 302
    assert answer.location.split("?")[0].endswith(f"/manage/events/{event.slug}/badges")
    page = client.get(answer.location).get_data(as_text=True)
    assert "файл готовится в фоне" in page and "Скачать PDF (бейджей: 3," in page
    assert 'http-equiv="refresh"' not in page  # ready: the page stops refreshing itself
    assert "data-follow" not in page and "prepared.js" not in page
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
    from seminar.prepared.models import PreparedFile, PreparedFilePart

    queued_badges(monkeypatch)
    monkeypatch.setattr(badge_services, "CHUNK", 2)
    monkeypatch.setattr(prepared, "PART", 4096)
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
    # kept in pieces, each written on its own (PART is 1 MB in the app), and handed out whole
    pieces = db.session.scalar(select(func.count()).select_from(PreparedFilePart)
                               .where(PreparedFilePart.file_id == file.id))
    pdf = client.get(f"/manage/events/{event.slug}/badges/prepared/{file.id}.pdf")
    assert pdf.status_code == 200 and pdf.data == prepared.opened(file).read() and pdf.data.startswith(b"%PDF")
    assert file.filename == f"badges-{event.slug}.pdf" and file.size == len(pdf.data) > 1000
    assert pieces == -(-file.size // 4096) > 1 and file.data is None
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) == 1  # 5 badges, 10 to a sheet

    # a second request still being built: the page counts it and its card follows the progress
    # (fetched again by script; the page itself reloads only without script, so a message shown
    # above and a choice made in the form are not wiped every 3 s)
    running = PreparedFile(event_id=event.id, kind="badges", status="running", done=200, total=1000,
                           filename="badges.pdf", mimetype="application/pdf")
    db.session.add(running)
    db.session.commit()
    page = client.get(f"/manage/events/{event.slug}/badges").get_data(as_text=True)
    assert "PDF готовится: 200 из 1000" in page and 'class="card prepared" aria-live="polite" data-follow' in page
    assert "js/prepared.js" in page and '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
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


# ---------------------------------------------------------------- one job per selection

def test_a_second_click_while_the_sheet_is_being_built_goes_to_that_job(
        client, make_event, make_registration, organiser, monkeypatch):
    from seminar.badges import jobs
    from seminar.prepared.models import PreparedFile

    queued_badges(monkeypatch)
    enqueued: list[int] = []
    monkeypatch.setattr(jobs, "build_badges_pdf", lambda file_id, batch: enqueued.append(file_id))  # a busy worker
    event = make_event()
    for _ in range(3):
        make_registration(event)
    organiser(event)
    url = f"/manage/events/{event.slug}/badges"
    form = {"layout": "a6", "sort": "name", "not_printed": "y"}

    first = client.post(url, data=form)
    second = client.post(url, data=form)  # a second click, or the browser re-sending the form
    files = db.session.scalars(select(PreparedFile).where(PreparedFile.event_id == event.id)).all()
    assert len(files) == 1 and enqueued == [files[0].id]
    assert second.status_code == 302 and second.location == first.location
    page = client.get(second.location).get_data(as_text=True)
    assert "уже готовится" in page and "PDF готовится" in page
    assert client.get(f"{url}?file=99999999999999").status_code == 200  # a made-up id: the newest sheet

    organiser(event, email="colleague@example.ru")  # another organiser asks for the same sheet
    client.post(url, data=form)
    assert len(enqueued) == 1

    client.post(url, data={**form, "layout": "card"})  # another selection is another sheet
    assert len(enqueued) == 2

    files[0].status = "ready"  # once built, asking again builds a fresh sheet (the list may have changed)
    db.session.commit()
    client.post(url, data=form)
    assert len(enqueued) == 3


def test_a_sheet_stuck_in_the_queue_for_long_is_given_up_for_a_new_one(
        client, make_event, make_registration, organiser, monkeypatch):
    from datetime import timedelta

    from seminar.badges import jobs
    from seminar.prepared import services as prepared
    from seminar.prepared.models import PreparedFile

    queued_badges(monkeypatch)
    enqueued: list[int] = []
    monkeypatch.setattr(jobs, "build_badges_pdf", lambda file_id, batch: enqueued.append(file_id))
    event = make_event()
    for _ in range(2):
        make_registration(event)
    organiser(event)
    url = f"/manage/events/{event.slug}/badges"
    client.post(url, data={"layout": "a6", "sort": "name"})
    lost = db.session.get(PreparedFile, enqueued[0])
    lost.status, lost.requested_at = "running", lost.requested_at - prepared.STALE - timedelta(minutes=1)
    db.session.commit()  # its worker died half-way

    client.post(url, data={"layout": "a6", "sort": "name"})
    db.session.expire_all()
    assert len(enqueued) == 2 and lost.status == "failed"


def test_after_queueing_the_form_shows_the_options_of_the_queued_sheet(
        client, make_event, make_registration, make_municipality, organiser, monkeypatch):
    from seminar.badges import jobs

    queued_badges(monkeypatch)
    monkeypatch.setattr(jobs, "build_badges_pdf", lambda file_id, batch: None)
    zeya = make_municipality(name="Зейский район")
    event = make_event(municipality=zeya)
    for _ in range(2):
        make_registration(event, role="speaker", municipality=zeya)
    organiser(event)
    url = f"/manage/events/{event.slug}/badges"
    chosen = {"layout": "card", "sort": "municipality", "role": "speaker", "municipality": str(zeya.id),
              "not_printed": "y", "mark_printed": "y"}
    page = client.get(client.post(url, data=chosen).location).get_data(as_text=True)
    assert '<option selected value="card">' in page
    assert '<option selected value="municipality">' in page
    assert '<option selected value="speaker">' in page
    assert f'<option selected value="{zeya.id}">' in page
    assert 'checked id="not_printed"' in page and 'checked id="mark_printed"' in page

    # a plain visit to the page with nothing asked for yet still shows the defaults
    other = make_event()
    make_registration(other)
    organiser(other, email="other@example.ru")
    fresh = client.get(f"/manage/events/{other.slug}/badges").get_data(as_text=True)
    assert 'selected value="card"' not in fresh and "checked" not in fresh


def test_two_organisers_asking_for_the_same_sheet_at_once_queue_one_job(tmp_path):
    """Through gunicorn (2 workers) with no queue worker: the jobs stay queued while the POSTs race."""
    import re
    import sqlite3
    import threading
    import urllib.request

    from conftest import start_live_server
    from test_concurrency import Browserish

    instance = tmp_path / "live"
    instance.mkdir()
    server = start_live_server(instance, queue_worker=False)
    try:
        server.load_demo()
        server.flask("user", "create", "sheets@example.ru", "--role", "organiser", "--event", "belogorsk-next",
                     "--password-stdin", input="sheets-pass-1\n")
        token = server.flask("token", "create", "sheets@example.ru").strip().split()[-1]
        api = f"{server.url}/api/v1/events/belogorsk-next"
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

        def call(method: str, url: str, body: dict) -> None:
            import json

            request = urllib.request.Request(url, json.dumps(body).encode(), headers, method=method)
            urllib.request.urlopen(request, timeout=30).close()

        call("PATCH", api, {"capacity": 1000})
        for i in range(90):  # 120 + 90: above the 200 badges drawn in the request itself
            call("POST", f"{api}/registrations", {
                "last_name": "Очередина", "first_name": "Анна", "email": f"sheet{i}@example.ru",
                "municipality": "город Белогорск", "organization": "Администрация", "position": "Специалист",
                "role": "participant"})

        organisers = [Browserish(server.url) for _ in range(6)]
        forms = []
        for visitor in organisers:
            login = visitor.get("/login")
            csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
            assert visitor.post("/login", {"email": "sheets@example.ru", "password": "sheets-pass-1",
                                           "csrf_token": csrf}) == 302
            page = visitor.get("/manage/events/belogorsk-next/badges")
            csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            forms.append({"csrf_token": csrf, "layout": "a6", "sort": "name"})
        barrier = threading.Barrier(len(organisers))
        codes = [0] * len(organisers)

        def click(i: int) -> None:
            barrier.wait()
            codes[i] = organisers[i].post("/manage/events/belogorsk-next/badges", forms[i])

        threads = [threading.Thread(target=click, args=(i,)) for i in range(len(organisers))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert codes == [302] * len(organisers), server.errors()
        with sqlite3.connect(instance / "seminar.sqlite3") as database:
            files = database.execute("SELECT status, total FROM prepared_file WHERE kind = 'badges'").fetchall()
        with sqlite3.connect(instance / "queue.sqlite3") as queue:
            jobs = sum(b"build_badges_pdf" in data for (data,) in queue.execute("SELECT data FROM task"))
        assert files == [("queued", 210)] and jobs == 1
    finally:
        server.stop()


def test_two_requests_that_both_found_no_sheet_make_one_file_the_second_joins_it(
        both_databases, app, make_event, make_user, monkeypatch):
    from seminar.dbtypes import utcnow
    from seminar.prepared import services as prepared
    from seminar.prepared.models import PreparedFile

    event = make_event()
    user = make_user(event=event)
    asked = {"layout": "a6", "sort": "name"}

    def ask():
        return prepared.request_once(event.id, "badges", asked, filename="b.pdf", mimetype="application/pdf",
                                     requested_by_id=user.id, now=utcnow(), total=300)

    first = ask()
    db.session.commit()
    real_pending = prepared._pending
    calls = []

    def missed_once(*args):  # the second request looked before the first one committed
        calls.append(args)
        return None if len(calls) == 1 else real_pending(*args)

    monkeypatch.setattr(prepared, "_pending", missed_once)
    second = ask()
    db.session.commit()
    assert first.created and not second.created and second.file.id == first.file.id and len(calls) == 2
    assert db.session.scalar(select(func.count()).select_from(PreparedFile)) == 1
