"""Printed output as printers, PDF readers and phone cameras see it: poppler (pdftoppm, pdfinfo,
pdffonts) for the paper, zxing-cpp and OpenCV for a phone photo of a badge."""
from __future__ import annotations

import io
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageFilter

from seminar.badges.render import LAYOUTS, BadgeData, badge_parts, layout_boxes, render_badges
from seminar.registration.models import BADGE_ALPHABET, BADGE_CODE_LENGTH
from tests.conftest import skip_or_fail

SAFE_MM = 5
PERSON = BadgeData("Работа муниципальных образований в социальных сетях: новая реальность", "Иванова",
                   "Анна", "Петровна", "Специалист", "Администрация города Белогорск", "город Белогорск",
                   "speaker", "")


def badge_codes(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(BADGE_ALPHABET) for _ in range(BADGE_CODE_LENGTH)) for _ in range(n)]


def poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        skip_or_fail(f"{tool} (poppler-utils) is needed to look at the PDFs")
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True).stdout


def pdf_info(path: Path) -> dict[str, str]:
    return dict(line.split(":", 1) for line in poppler("pdfinfo", str(path)).splitlines() if ":" in line)


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_every_badge_layout_leaves_5_mm_of_white_at_the_paper_edge(layout, tmp_path):
    from dataclasses import replace

    pdf = tmp_path / "badges.pdf"
    pdf.write_bytes(render_badges([replace(PERSON, badge_code=c) for c in badge_codes(10, 1)], layout,
                                  author="Ассоциация"))
    assert_white_paper_edge(pdf, tmp_path)


def assert_white_paper_edge(pdf: Path, tmp_path: Path, dpi: int = 300) -> None:
    """poppler renders page 1: nothing within SAFE_MM of the paper's edge, something inside."""
    prefix = tmp_path / f"{pdf.stem}-page"
    poppler("pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", str(pdf), str(prefix))
    [png] = tmp_path.glob(f"{prefix.name}*.png")
    page = Image.open(png).convert("L")
    border = round(SAFE_MM / 25.4 * dpi) - 2   # a pixel of anti-aliasing is not ink
    w, h = page.size
    for strip in ((0, 0, w, border), (0, h - border, w, h), (0, 0, border, h), (w - border, 0, w, h)):
        assert page.crop(strip).getextrema()[0] >= 250, f"{pdf.name}: ink within {SAFE_MM} mm of the edge {strip}"
    inside = page.crop((border, border, w - border, h - border))
    assert inside.getextrema()[0] < 100  # the page is not blank


def test_cut_marks_all_lie_on_the_page():
    import pdfplumber

    for layout in ("a6", "card"):
        with pdfplumber.open(io.BytesIO(render_badges([PERSON], layout))) as doc:
            page = doc.pages[0]
            marks = [c for c in page.curves + page.lines if c.get("stroking_color") in ((0.7, 0.7, 0.7), [0.7] * 3)]
            assert marks, layout
            for mark in marks:
                assert 0 <= mark["x0"] <= mark["x1"] <= page.width and 0 <= mark["top"] <= mark["bottom"] <= page.height


def test_pdfs_name_their_event_author_and_the_app_and_embed_every_font(client, make_event, make_registration,
                                                                          tmp_path):
    event = make_event(description="Форум.\n\nОрганизаторы: Ассоциация муниципальных образований")
    person = make_registration(event)
    pdfs = {"badge": client.get(f"/r/{person.access_token}/badge.pdf").data,
            "programme": client.get(f"/events/{event.slug}/programme.pdf").data}
    from datetime import date

    from seminar.certificates.pdf import CertificateData, render_certificates
    pdfs["certificate"] = render_certificates([CertificateData(
        code="CODE", verify_url="https://forum.example.ru/verify/CODE", full_name="Иванова Анна Петровна",
        name_line="Ивановой Анне Петровне", kind="participant", wording=f"за участие в мероприятии «{event.title}»",
        event_title=event.title, starts_on=date(2031, 1, 1), ends_on=date(2031, 1, 1), city="Белогорск",
        organiser="Ассоциация муниципальных образований", issued_on=date(2031, 1, 1))])
    for name, data in pdfs.items():
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(data)
        info = pdf_info(path)
        assert event.title in info["Title"], name
        assert info["Author"].strip() == "Ассоциация муниципальных образований", name
        assert info["Creator"].strip() == "seminar" and info["Producer"].strip().startswith("seminar"), name
        assert_white_paper_edge(path, tmp_path, dpi=150)
        fonts = poppler("pdffonts", str(path)).splitlines()[2:]
        assert fonts and all(" yes " in line for line in fonts), (name, fonts)
        assert not any("Helvetica" in line for line in fonts), name


# ---------------------------------------------------------------- a phone photo of a printed badge

#: The door phone: its 640×480 frame spans 160×120 mm of the badge (4 px/mm), held 15° askew,
#: slightly out of focus (Gaussian blur of 1.2 px), saved as JPEG at quality 70.
PX_PER_MM, TILT, BLUR, JPEG_QUALITY = 4.0, 15, 1.2, 70
PHOTOS_PER_LAYOUT = 40


def phone_photo(page: Image.Image, dpi: int, page_h: float, layout: str, box) -> Image.Image:
    """The cut badge lying on a grey table, photographed with its QR in the middle of the frame."""
    scale = dpi / 72
    qr = badge_parts(layout, box).qr
    left, top = box.x * scale, (page_h - box.top) * scale
    badge = page.crop((round(left), round(top), round(left + box.w * scale), round(top + box.h * scale)))
    half = round(110 / 25.4 * dpi)
    table = Image.new("RGB", (2 * half, 2 * half), (120, 120, 120))
    cx, cy = (qr.x + qr.w / 2) * scale - left, (page_h - qr.y - qr.h / 2) * scale - top
    table.paste(badge, (round(half - cx), round(half - cy)))
    table = table.rotate(TILT, resample=Image.BICUBIC, fillcolor=(120, 120, 120))
    factor = PX_PER_MM * 25.4 / dpi
    table = table.resize((round(table.width * factor), round(table.height * factor)), Image.BILINEAR)
    w, h = table.size
    frame = table.crop(((w - 640) // 2, (h - 480) // 2, (w + 640) // 2, (h + 480) // 2))
    out = io.BytesIO()
    frame.filter(ImageFilter.GaussianBlur(BLUR)).save(out, "JPEG", quality=JPEG_QUALITY)
    return Image.open(io.BytesIO(out.getvalue())).convert("L")


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_phone_photos_of_printed_badges_read_in_zxing_and_opencv(layout):
    from dataclasses import replace

    import numpy
    import pypdfium2
    import zxingcpp

    cv2 = pytest.importorskip("cv2", reason="opencv-python-headless (requirements-dev.txt)")
    codes = badge_codes(PHOTOS_PER_LAYOUT, seed=14)
    doc = pypdfium2.PdfDocument(render_badges([replace(PERSON, badge_code=c) for c in codes], layout))
    boxes, dpi, detector = layout_boxes(layout), 300, cv2.QRCodeDetector()
    read = {"zxing-cpp": 0, "opencv": 0}
    photos = iter(codes)
    for page in doc:
        image = page.render(scale=dpi / 72).to_pil()
        for box in boxes:
            code = next(photos, None)
            if code is None:
                break
            photo = phone_photo(image, dpi, page.get_height(), layout, box)
            read["zxing-cpp"] += code in [r.text for r in zxingcpp.read_barcodes(photo)]
            read["opencv"] += detector.detectAndDecode(numpy.array(photo))[0] == code
    doc.close()
    for decoder, n in read.items():
        assert n >= 0.95 * PHOTOS_PER_LAYOUT, f"{layout}: {decoder} read {n} of {PHOTOS_PER_LAYOUT}"
