"""Certificate PDFs: A4 landscape, one per page, PT Serif (no Flask, no ORM).

Takes ``CertificateData`` values and returns PDF bytes. Every text block is fitted
(shrunk, wrapped, ellipsised) into its box, so long names and titles never spill.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import landscape
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from ..badges.render import group_code
from ..pdf.fonts import SANS, SANS_BOLD, SERIF, SERIF_BOLD, register_fonts
from ..pdf.geometry import A4, Rect, mm
from ..pdf.meta import set_metadata
from ..pdf.qr import draw_qr
from ..pdf.text import FittedText, block_height, draw_fitted, fit_text
from .names import FEMALE, MALE

PAGE = landscape(A4)
NAVY = HexColor("#1C3557")
GOLD = HexColor("#A8864B")
INK = HexColor("#1A1A1A")
MUTED = HexColor("#5F6368")

MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
          "сентября", "октября", "ноября", "декабря")


@dataclass(frozen=True)
class CertificateData:
    """What a certificate shows; built by the certificates service."""

    code: str
    verify_url: str  #: absolute /verify/<code> URL, what the QR encodes
    full_name: str  #: ФИО in the nominative, as registered
    gender: str | None  #: 'male', 'female' or None (then "принял(а)")
    role: str  #: registration role; 'speaker' adds "в качестве спикера"
    event_title: str
    starts_on: date  #: first day, in the venue's time zone
    ends_on: date  #: last day, in the venue's time zone
    city: str
    organiser: str  #: who issues it, e.g. the association; may be empty
    issued_on: date


@dataclass(frozen=True)
class Parts:
    """Where the parts of a certificate go on the page."""

    frame: Rect  #: the outer ornamental frame
    content: Rect  #: everything printed lies inside this
    header: Rect  #: organiser line
    body: Rect  #: heading, name, event
    qr: Rect  #: QR square, quiet zone included
    footer: Rect  #: issue date and verification text, left of the QR


#: The grouped code under the QR is this much wider than the QR on each side.
CODE_OVERHANG = 6 * mm


def parts() -> Parts:
    """The fixed page plan of a certificate."""
    frame = Rect(0, 0, *PAGE).inset(10 * mm)
    content = frame.inset(14 * mm, 12 * mm)
    header = Rect(content.x, content.top - 14 * mm, content.w, 14 * mm)
    qr_size = 30 * mm
    footer_h = qr_size + 6 * mm
    qr = Rect(content.right - CODE_OVERHANG - qr_size, content.y + 6 * mm, qr_size, qr_size)
    footer = Rect(content.x, content.y, qr.x - content.x - 8 * mm, footer_h)
    body = Rect(content.x, footer.top + 4 * mm, content.w, header.y - footer.top - 8 * mm)
    return Parts(frame, content, header, body, qr, footer)


def format_dates(start: date, end: date) -> str:
    """30 августа 2022 г.; 29–30 августа 2022 г.; 31 августа – 1 сентября 2022 г."""
    def day_month(d: date) -> str:
        return f"{d.day} {MONTHS[d.month - 1]}"

    if start == end:
        return f"{day_month(start)} {start.year} г."
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{day_month(end)} {end.year} г."
    if start.year == end.year:
        return f"{day_month(start)} – {day_month(end)} {end.year} г."
    return f"{day_month(start)} {start.year} г. – {day_month(end)} {end.year} г."


def format_city(city: str) -> str:
    """Белогорск → г. Белогорск; "с. Ивановка", "пгт Прогресс" stay as typed."""
    city = " ".join(city.split())
    if not city:
        return ""
    first = city.split()[0]
    if first.endswith(".") or first.islower():
        return city
    return f"г. {city}"


def participation(gender: str | None, role: str) -> str:
    """принял участие (в качестве спикера) в мероприятии."""
    verb = {MALE: "принял", FEMALE: "приняла"}.get(gender or "", "принял(а)")
    as_speaker = " в качестве спикера" if role == "speaker" else ""
    return f"{verb} участие{as_speaker} в мероприятии"


@dataclass(frozen=True)
class _Block:
    text: str
    font: str
    size: float
    min_size: float
    max_lines: int = 1
    gap: float = 0.0  #: space above
    color: object = INK
    leading: float = 1.2


def render_certificates(certificates: Sequence[CertificateData]) -> bytes:
    """The certificates as one PDF, one A4 landscape page each."""
    register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=PAGE, pageCompression=1, initialFontName=SERIF)
    title = "Сертификаты" if len(certificates) != 1 else f"Сертификат — {certificates[0].full_name}"
    if certificates:
        title += f" — {certificates[0].event_title}"
    first = certificates[0] if certificates else None
    set_metadata(canvas, title, (first.organiser or first.event_title) if first else "")
    for certificate in certificates:
        draw_certificate(canvas, certificate)
        canvas.showPage()
    if not certificates:
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def draw_certificate(canvas: Canvas, c: CertificateData) -> None:
    """Draw one certificate on the current page."""
    p = parts()
    _draw_frame(canvas, p.frame)

    if c.organiser:
        header = fit_text(c.organiser, SERIF, p.header.w, 11.5, 8.5, 2)
        canvas.setFillColor(MUTED)
        h = block_height(header, SERIF, 1.2)
        draw_fitted(canvas, header, SERIF, p.header.x, p.header.top - (p.header.h - h) / 2,
                    p.header.w, "center", 1.2)

    _draw_body(canvas, c, p.body)

    draw_qr(canvas, c.verify_url, p.qr.x, p.qr.y, p.qr.w)
    code_w = p.qr.w + 2 * CODE_OVERHANG
    code = fit_text(group_code(c.code), SANS, code_w, 8, 6, 1)
    canvas.setFillColor(MUTED)
    draw_fitted(canvas, code, SANS, p.qr.x - CODE_OVERHANG, p.qr.y - 0.5 * mm, code_w, "center")
    _draw_footer(canvas, c, p.footer, p.qr)


def _draw_frame(canvas: Canvas, frame: Rect) -> None:
    """A navy double rule with a gold hairline inside and small corner squares."""
    canvas.saveState()
    canvas.setStrokeColor(NAVY)
    canvas.setLineWidth(2.2)
    canvas.rect(frame.x, frame.y, frame.w, frame.h, stroke=1, fill=0)
    inner = frame.inset(2.2 * mm)
    canvas.setLineWidth(0.6)
    canvas.rect(inner.x, inner.y, inner.w, inner.h, stroke=1, fill=0)
    gold = frame.inset(4 * mm)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(0.5)
    canvas.rect(gold.x, gold.y, gold.w, gold.h, stroke=1, fill=0)
    canvas.setFillColor(GOLD)
    s = 2.4 * mm
    for x, y in ((gold.x, gold.y), (gold.right, gold.y), (gold.x, gold.top), (gold.right, gold.top)):
        canvas.rect(x - s / 2, y - s / 2, s, s, stroke=0, fill=1)
    canvas.restoreState()


def _spaced(canvas: Canvas, text: str, font: str, size: float, spacing: float, cx: float, y: float) -> None:
    """One line centred on cx with extra space between letters."""
    width = stringWidth(text, font, size) + spacing * (len(text) - 1)
    canvas.saveState()  # the character spacing must not leak into later text
    t = canvas.beginText(cx - width / 2, y)
    t.setFont(font, size)
    t.setCharSpace(spacing)
    t.textOut(text)
    canvas.drawText(t)
    canvas.restoreState()


def _draw_body(canvas: Canvas, c: CertificateData, area: Rect) -> None:
    """Heading on top; the statement, name and event centred in the space below."""
    cx = area.x + area.w / 2
    canvas.setFillColor(NAVY)
    heading_size = 46
    y = area.top - heading_size * 0.8
    _spaced(canvas, "СЕРТИФИКАТ", SERIF_BOLD, heading_size, 7, cx, y)
    y -= 9 * mm
    canvas.setFillColor(GOLD)
    _spaced(canvas, "УЧАСТНИКА", SANS_BOLD, 12.5, 5, cx, y)
    y -= 5 * mm
    canvas.setFillColor(GOLD)
    canvas.rect(cx - 22 * mm, y, 44 * mm, 0.7, stroke=0, fill=1)
    canvas.rect(cx - 1.2 * mm, y - 1.2 * mm + 0.35, 2.4 * mm, 2.4 * mm, stroke=0, fill=1)

    text_area = Rect(area.x + 12 * mm, area.y, area.w - 24 * mm, y - 4 * mm - area.y)
    place = ", ".join(p for p in (format_dates(c.starts_on, c.ends_on), format_city(c.city)) if p)
    blocks = [
        _Block("Настоящий сертификат подтверждает, что", SERIF, 15, 12, color=INK),
        _Block(c.full_name, SERIF_BOLD, 32, 18, 2, gap=4 * mm, color=NAVY, leading=1.1),
        _Block(participation(c.gender, c.role), SERIF, 15, 12, gap=4 * mm),
        _Block(f"«{c.event_title}»", SERIF_BOLD, 19, 12, 3, gap=3 * mm, color=NAVY, leading=1.2),
        _Block(place, SERIF, 14, 10, 1, gap=4 * mm, color=INK),
    ]
    fitted = _fit_blocks(blocks, text_area)
    used = sum(block_height(f, b.font, b.leading) + (b.gap if i else 0) for i, (f, b) in enumerate(fitted))
    top = text_area.top - max(0.0, (text_area.h - used) / 2)
    for i, (f, b) in enumerate(fitted):
        if i:
            top -= b.gap
        canvas.setFillColor(b.color)
        top = draw_fitted(canvas, f, b.font, text_area.x, top, text_area.w, "center", b.leading)


def _fit_blocks(blocks: list[_Block], area: Rect) -> list[tuple[FittedText, _Block]]:
    """Fit each block to the width; if together they are too tall, shrink the big ones."""
    scale = 1.0
    while True:
        fitted = [(fit_text(b.text, b.font, area.w, max(b.size * scale, b.min_size), b.min_size,
                            b.max_lines), b) for b in blocks]
        used = sum(block_height(f, b.font, b.leading) + (b.gap * scale if i else 0)
                   for i, (f, b) in enumerate(fitted))
        if used <= area.h or scale < 0.5:
            return fitted
        scale -= 0.05


def _draw_footer(canvas: Canvas, c: CertificateData, footer: Rect, qr: Rect) -> None:
    """Issue date and how to check the certificate, bottom-left, aligned with the QR."""
    lines = [
        (f"Дата выдачи: {c.issued_on.day} {MONTHS[c.issued_on.month - 1]} {c.issued_on.year} г.", SERIF, 10.5, INK),
        ("Подлинность сертификата можно проверить по QR-коду или по адресу:", SANS, 8.5, MUTED),
        (c.verify_url, SANS_BOLD, 8.5, MUTED),
    ]
    y = qr.y + 3 * mm + 3 * 12
    for text, font, size, color in lines:
        f = fit_text(text, font, footer.w, size, 6, 1)
        canvas.setFillColor(color)
        y = draw_fitted(canvas, f, font, footer.x, y, footer.w, "left") - 2.5 * mm
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(0.5)
    canvas.line(footer.x, qr.y + 3 * mm + 3 * 12 + 4 * mm, footer.x + 60 * mm, qr.y + 3 * mm + 3 * 12 + 4 * mm)
