"""Badges in the app: a participant's own PDF, the QR on screen, bulk sheets, reprints, new codes."""
from __future__ import annotations

import io

import pypdfium2
import zxingcpp
from conftest import pdf_text, sign_in
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
