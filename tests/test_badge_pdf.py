"""Badge PDFs: what a printed badge must guarantee, checked on the PDF itself."""

from __future__ import annotations

import io
import random
from dataclasses import replace

import pdfplumber
import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from seminar.badges.render import LAYOUTS, ROLES, BadgeData, badge_parts, group_code, layout_boxes, render_badges
from seminar.pdf.fonts import SANS, SANS_BOLD, register_fonts
from seminar.pdf.geometry import Rect, mm
from seminar.pdf.qr import QUIET_ZONE, qr_matrix
from seminar.pdf.text import ELLIPSIS, fit_text

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32

LONG = BadgeData(
    event_title="Региональный форум «Цифровая трансформация муниципального управления Дальнего Востока» — 2026",
    last_name="Константинопольский-Преображенский",
    first_name="Александра",
    middle_name="Владиславовна",
    position="Заместитель главы администрации города по информационным технологиям и цифровой трансформации",
    organization="Администрация Благовещенского муниципального округа Амурской области",
    municipality="Константиновский муниципальный округ",
    role="speaker",
    badge_code="7KQ2M9XH4TRW8CPD3FVN6JYB5GZA2E1S",
)
SHORT = BadgeData("Форум", "Ли", "Ян", "", "", "", "Тында", "guest", "ABCD2345")


def codes(n: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(ALPHABET) for _ in range(32)) for _ in range(n)]


def sheet(n: int, base: BadgeData = LONG) -> list[BadgeData]:
    roles = list(ROLES)
    return [replace(base, badge_code=c, role=roles[i % len(roles)]) for i, c in enumerate(codes(n))]


def page_images(pdf: bytes, dpi: int = 200):
    doc = pypdfium2.PdfDocument(pdf)
    try:
        for page in doc:
            yield page.render(scale=dpi / 72).to_pil()
    finally:
        doc.close()


def chars_by_page(pdf: bytes):
    """Each page's chars as (text, Rect in PDF coordinates)."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            h = page.height
            yield [(c["text"], Rect(c["x0"], h - c["bottom"], c["x1"] - c["x0"], c["bottom"] - c["top"]))
                   for c in page.chars]


def page_text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


# ---- QR ----------------------------------------------------------------------

@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_qr_on_every_layout_decodes_to_its_badge_code(layout):
    badges = sheet(len(layout_boxes(layout)) + 3)  # a full page and part of the next
    decoded = []
    for image in page_images(render_badges(badges, layout)):
        decoded += [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert sorted(decoded) == sorted(b.badge_code for b in badges)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_qr_is_at_least_25_mm_with_a_4_module_quiet_zone(layout):
    parts = badge_parts(layout, layout_boxes(layout)[0])
    assert parts.qr.w >= 25 * mm and parts.qr.h == parts.qr.w
    assert QUIET_ZONE >= 4


def test_32_char_code_uses_the_smallest_version_that_holds_it():
    assert len(qr_matrix(LONG.badge_code)) == 25  # version 2 at level M holds 38 alphanumerics


def test_codes_outside_the_alphanumeric_set_still_encode():
    assert len(qr_matrix("https://example.org/ч/1")) >= 21


def test_badge_code_is_printed_grouped_under_the_qr():
    text = page_text(render_badges([LONG], "single"))
    assert "7KQ2 M9XH 4TRW 8CPD" in text
    assert group_code("7KQ2M9XH4T") == "7KQ2 M9XH 4T"


# ---- text --------------------------------------------------------------------

@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_cyrillic_names_and_role_word_are_real_text(layout):
    text = page_text(render_badges([LONG, replace(LONG, last_name="Иванова", role="organiser")], layout))
    for word in ("Константинопольский", "Александра", "Владиславовна", "СПИКЕР", "Иванова", "ОРГАНИЗАТОР"):
        assert word in text


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_char_stays_inside_its_badge_and_off_the_qr(layout):
    badges = sheet(len(layout_boxes(layout)) + 1) + [SHORT, replace(LONG, organization="")]
    boxes = layout_boxes(layout)
    qrs = [badge_parts(layout, b).qr for b in boxes]
    for chars in chars_by_page(render_badges(badges, layout)):
        assert chars
        for text, rect in chars:
            if not text.strip():
                continue
            inside = [i for i, box in enumerate(boxes) if box.contains(rect, tol=0.01)]
            assert inside, f"{text!r} at {rect} is outside every badge"
            assert not qrs[inside[0]].overlaps(rect), f"{text!r} at {rect} overlaps the QR"


def test_empty_organisation_shows_the_municipality():
    text = page_text(render_badges([replace(LONG, organization="")], "single"))
    assert "Константиновский муниципальный округ" in text


def test_long_strings_are_wrapped_or_ellipsised_never_spilled():
    text = " ".join([LONG.position] * 3)
    for width in (60, 120, 250):
        fitted = fit_text(text, SANS, width, 12, 8, max_lines=2)
        assert len(fitted.lines) == 2
        assert fitted.lines[-1].endswith(ELLIPSIS)
        assert all(stringWidth(line, SANS, fitted.size) <= width + 1e-6 for line in fitted.lines)


def test_fit_text_prefers_one_line_at_start_size_then_shrinking_then_wrapping():
    register_fonts()
    assert fit_text("Иванов", SANS_BOLD, 200, 20, 10).lines == ("Иванов",)
    assert fit_text("Иванов", SANS_BOLD, 200, 20, 10).size == 20
    name = LONG.last_name
    width = stringWidth(name, SANS_BOLD, 20) * 0.8
    shrunk = fit_text(name, SANS_BOLD, width, 20, 10)
    assert shrunk.lines == (name,) and 10 <= shrunk.size < 20
    wrapped = fit_text(name, SANS_BOLD, width, 20, 18)
    assert wrapped.lines == ("Константинопольский-", "Преображенский")  # breaks after the hyphen
    single = fit_text(name, SANS_BOLD, 50, 20, 10, max_lines=1)
    assert single.lines[0].endswith(ELLIPSIS) and single.widths[0] <= 50


def test_a_word_wider_than_the_box_at_the_floor_breaks_inside_the_box():
    register_fonts()
    fitted = fit_text("Константинопольский", SANS, 30, 12, 10, max_lines=3)
    assert all(w <= 30 for w in fitted.widths) and fitted.lines


# ---- fonts -------------------------------------------------------------------

def test_register_fonts_twice_is_harmless():
    register_fonts()
    register_fonts()
    assert stringWidth("Ж", SANS, 10) > 0


def test_each_font_is_embedded_once_for_many_pages():
    pdf = render_badges(sheet(30), "a6")
    reader = PdfReader(io.BytesIO(pdf))
    font_files, names = set(), set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert "/FontDescriptor" in font, f"{font['/BaseFont']} is not embedded"
            font_files.add(font["/FontDescriptor"]["/FontFile2"].indirect_reference.idnum)
            names.add(font["/BaseFont"].split("+")[-1])
    assert len(reader.pages) == 8
    assert names == {"PTSans-Regular", "PTSans-Bold"}
    assert len(font_files) == 2  # one FontFile2 stream per font, shared by all pages
    assert pdf.count(b"/FontFile2") == 2  # and no other copy anywhere in the file


# ---- API ---------------------------------------------------------------------

def test_layouts_are_known_by_name_and_unknown_ones_are_refused():
    assert set(LAYOUTS) == {"single", "a6", "card"}
    with pytest.raises(ValueError):
        render_badges([LONG], "a5")


def test_unknown_role_is_refused():
    with pytest.raises(ValueError):
        replace(LONG, role="vip")


def test_single_layout_puts_one_a6_badge_per_page():
    reader = PdfReader(io.BytesIO(render_badges([LONG, SHORT], "single")))
    assert len(reader.pages) == 2
    box = reader.pages[0].mediabox
    assert round(float(box.width) / mm) == 105 and round(float(box.height) / mm) == 148


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_an_overlong_organisation_is_ellipsised_on_the_badge(layout):
    badge = replace(LONG, organization=" ".join([LONG.organization] * 4))
    text = page_text(render_badges([badge], layout))
    assert ELLIPSIS in text
    assert "Александра" in text and "СПИКЕР" in text
