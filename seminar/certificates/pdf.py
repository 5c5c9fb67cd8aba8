"""Certificate PDFs: A4 landscape, one per page, PT Serif (no Flask, no ORM).

Takes ``CertificateData`` values (and the organiser's ``CertificateDesign``) and
returns PDF bytes. Every text block is fitted (shrunk, wrapped, ellipsised) into
its box, so long names and titles never spill. The organiser's pictures become
form XObjects defined once per file and drawn on every page by reference:
reportlab's own image cache would hash the decoded pixels again on every page.
"""
from __future__ import annotations

import copy
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfdoc import PDFImageXObject
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from ..badges.render import group_code
from ..pdf.fonts import SANS, SANS_BOLD, SERIF, SERIF_BOLD, register_fonts
from ..pdf.geometry import A4, Rect, mm
from ..pdf.meta import set_metadata
from ..pdf.qr import draw_qr
from ..pdf.text import FittedText, block_height, draw_fitted, fit_text

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
    full_name: str  #: ФИО in the nominative, as registered (the file's title)
    name_line: str  #: the name as printed after "выдан": the dative, or as corrected
    kind: str  #: 'participant', 'speaker' or 'organiser': the line under the heading
    wording: str  #: "за участие в мероприятии «…»", placeholders already filled
    event_title: str
    starts_on: date  #: first day, in the venue's time zone
    ends_on: date  #: last day, in the venue's time zone
    city: str
    organiser: str  #: who issues it, e.g. the association; may be empty
    issued_on: date
    number: str = ""  #: e.g. БЛГ-2022-0007; empty when the event numbers none
    hours: float | None = None  #: academic hours, if the organiser gave them (or counted from sessions)
    #: Titles of the sessions attended, when the organiser lists them (the attendance feature).
    sessions: tuple[str, ...] = ()
    signatory_name: str = ""
    signatory_position: str = ""


@dataclass(frozen=True)
class CertificateDesign:
    """The organiser's pictures, the same on every page: each goes into a file once."""

    background: bytes | None = None  #: PNG or JPEG covering the whole page (no frame is drawn)
    logo: bytes | None = None  #: PNG or JPEG, top left
    signature: bytes | None = None  #: PNG (transparent, ideally), beside the signatory's name


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
    header = Rect(content.x, content.top - 16 * mm, content.w, 16 * mm)
    qr_size = 30 * mm
    footer_h = qr_size + 6 * mm
    qr = Rect(content.right - CODE_OVERHANG - qr_size, content.y + 6 * mm, qr_size, qr_size)
    footer = Rect(content.x, content.y, qr.x - content.x - 8 * mm, footer_h)
    body = Rect(content.x, footer.top + 5 * mm, content.w, header.y - footer.top - 8 * mm)
    return Parts(frame, content, header, body, qr, footer)


#: The line under СЕРТИФИКАТ, by the kind of certificate.
SUBTITLES = {"participant": "УЧАСТНИКА", "speaker": "СПИКЕРА", "organiser": "ОРГАНИЗАТОРА"}
LOGO_BOX = (42 * mm, 16 * mm)
SIGNATURE_H = 15 * mm


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


def hours_line(hours: float | None) -> str:
    """в объёме 1 академического часа / 6 академических часов / 4,5 академического часа."""
    if not hours:
        return ""
    if hours != int(hours):  # a fraction takes the genitive singular: 4,5 часа
        return f"в объёме {str(hours).replace('.', ',')} академического часа"
    whole = int(hours)
    one = whole % 10 == 1 and whole % 100 != 11
    return f"в объёме {whole} академическ{'ого часа' if one else 'их часов'}"


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


def render_certificates(certificates: Sequence[CertificateData],
                        design: CertificateDesign | None = None) -> bytes:
    """The certificates as one PDF, one A4 landscape page each."""
    register_fonts()
    design = design or CertificateDesign()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=PAGE, pageCompression=1, initialFontName=SERIF)
    title = "Сертификаты" if len(certificates) != 1 else f"Сертификат — {certificates[0].full_name}"
    if certificates:
        title += f" — {certificates[0].event_title}"
    first = certificates[0] if certificates else None
    set_metadata(canvas, title, (first.organiser or first.event_title) if first else "")
    pictures = _define_pictures(canvas, design)
    for certificate in certificates:
        draw_certificate(canvas, certificate, pictures)
        canvas.showPage()
    if not certificates:
        canvas.showPage()
    canvas.save()
    return out.getvalue()


@dataclass(frozen=True)
class _Picture:
    """A form XObject defined once per file: its name and drawn size in points."""

    name: str
    w: float
    h: float


def _define_picture(canvas: Canvas, name: str, data: bytes, box: tuple[float, float]) -> _Picture:
    """Define a small picture (logo, signature) as a form scaled to fit ``box``."""
    reader = ImageReader(io.BytesIO(data))
    iw, ih = reader.getSize()
    scale = min(box[0] / iw, box[1] / ih)
    w, h = iw * scale, ih * scale
    canvas.beginForm(name, 0, 0, w, h)
    canvas.drawImage(reader, 0, 0, w, h, mask="auto")
    canvas.endForm()
    return _Picture(name, w, h)


@lru_cache(maxsize=4)
def _background_image(data: bytes) -> PDFImageXObject:
    """The background as a PDF image object, encoded once per process for these bytes.

    A JPEG passes through as it is; a PNG is flattened onto white and compressed once. Every
    PDF then only copies the encoded stream, so a ZIP of 1,000 files or each person's own
    download does not decode a 300-dpi page again (reportlab's drawImage would, to hash it).
    """
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        if image.format == "JPEG" and image.mode in ("RGB", "L"):
            reader = ImageReader(io.BytesIO(data))
        else:
            rgba = image.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            reader = ImageReader(flat)
    xobject = PDFImageXObject("background-" + hashlib.sha1(data).hexdigest(), reader)
    return xobject


def _define_background(canvas: Canvas, data: bytes) -> _Picture:
    """A form covering the page with the background, its image registered once in this file."""
    image = copy.copy(_background_image(data))
    name = canvas._doc.getXObjectName(image.name)
    canvas._doc.Reference(image, name)
    canvas._doc.addForm(image.name, image)
    pw, ph = PAGE
    scale = max(pw / image.width, ph / image.height)
    w, h = image.width * scale, image.height * scale
    canvas.beginForm("background", 0, 0, pw, ph)  # the form's box clips what overhangs the page
    canvas.saveState()
    canvas.translate((pw - w) / 2, (ph - h) / 2)
    canvas.scale(w, h)
    canvas._code.append(f"/{name} Do")  # what drawImage writes, minus hashing the pixels again
    canvas._formsinuse.append(image.name)
    canvas.restoreState()
    canvas.endForm()
    return _Picture("background", pw, ph)


def _define_pictures(canvas: Canvas, design: CertificateDesign) -> dict[str, _Picture]:
    pictures = {}
    if design.background:
        pictures["background"] = _define_background(canvas, design.background)
    if design.logo:
        pictures["logo"] = _define_picture(canvas, "logo", design.logo, LOGO_BOX)
    if design.signature:
        pictures["signature"] = _define_picture(canvas, "signature", design.signature,
                                                (45 * mm, SIGNATURE_H))
    return pictures


def _place(canvas: Canvas, picture: _Picture, x: float, y: float) -> None:
    canvas.saveState()
    canvas.translate(x, y)
    canvas.doForm(picture.name)
    canvas.restoreState()


def draw_certificate(canvas: Canvas, c: CertificateData, pictures: dict[str, _Picture] | None = None) -> None:
    """Draw one certificate on the current page."""
    pictures = pictures or {}
    p = parts()
    if "background" in pictures:
        _place(canvas, pictures["background"], 0, 0)
    else:
        _draw_frame(canvas, p.frame)

    header = p.header
    logo = pictures.get("logo")
    if logo is not None:
        _place(canvas, logo, header.x, header.top - logo.h)
        header = header.inset(logo.w + 4 * mm, 0)  # stay centred on the page, clear of the logo
    if c.organiser:
        fitted = fit_text(c.organiser, SERIF, header.w, 11.5, 8, 3)
        canvas.setFillColor(MUTED)
        h = block_height(fitted, SERIF, 1.2)
        draw_fitted(canvas, fitted, SERIF, header.x, header.top - max(0.0, (header.h - h) / 2),
                    header.w, "center", 1.2)

    _draw_body(canvas, c, p.body)

    if "background" in pictures:  # the QR's quiet zone must be light to scan, whatever the design
        canvas.setFillColorRGB(1, 1, 1)
        canvas.rect(p.qr.x, p.qr.y, p.qr.w, p.qr.h, stroke=0, fill=1)
    draw_qr(canvas, c.verify_url, p.qr.x, p.qr.y, p.qr.w)
    code_w = p.qr.w + 2 * CODE_OVERHANG
    code = fit_text(group_code(c.code), SANS, code_w, 8, 6, 1)
    canvas.setFillColor(MUTED)
    draw_fitted(canvas, code, SANS, p.qr.x - CODE_OVERHANG, p.qr.y - 0.5 * mm, code_w, "center")
    _draw_footer(canvas, c, p.footer, pictures.get("signature"))


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
    """Heading and number on top; the name, the wording and the place centred below."""
    cx = area.x + area.w / 2
    canvas.setFillColor(NAVY)
    heading_size = 44
    y = area.top - heading_size * 0.8
    _spaced(canvas, "СЕРТИФИКАТ", SERIF_BOLD, heading_size, 7, cx, y)
    y -= 8.5 * mm
    canvas.setFillColor(GOLD)
    _spaced(canvas, SUBTITLES.get(c.kind, SUBTITLES["participant"]), SANS_BOLD, 12.5, 5, cx, y)
    y -= 5 * mm
    canvas.rect(cx - 22 * mm, y, 44 * mm, 0.7, stroke=0, fill=1)
    canvas.rect(cx - 1.2 * mm, y - 1.2 * mm + 0.35, 2.4 * mm, 2.4 * mm, stroke=0, fill=1)
    if c.number:
        y -= 6.5 * mm
        number = fit_text(f"№ {c.number}", SANS_BOLD, 120 * mm, 11.5, 8, 1)
        canvas.setFillColor(NAVY)
        draw_fitted(canvas, number, SANS_BOLD, cx - 60 * mm, y + 3.2 * mm, 120 * mm, "center")

    text_area = Rect(area.x + 12 * mm, area.y, area.w - 24 * mm, y - 4 * mm - area.y)
    place = ", ".join(p for p in (format_dates(c.starts_on, c.ends_on), format_city(c.city)) if p)
    blocks = [
        _Block("Настоящий сертификат выдан", SERIF, 15, 11, color=INK),
        _Block(c.name_line, SERIF_BOLD, 30, 16, 2, gap=3 * mm, color=NAVY, leading=1.1),
        _Block(c.wording, SERIF, 17, 11, 4, gap=3 * mm, color=INK, leading=1.2),
        _Block(place, SERIF, 13, 9, 1, gap=3 * mm, color=INK),
    ]
    if c.sessions:
        listed = "Секции: " + ", ".join(f"«{title}»" for title in c.sessions)
        blocks.append(_Block(listed, SERIF, 12, 8, 3, gap=2 * mm, color=INK, leading=1.15))
    if c.hours:
        blocks.append(_Block(hours_line(c.hours), SERIF, 13, 9, 1, gap=1.5 * mm, color=INK))
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


def _draw_footer(canvas: Canvas, c: CertificateData, footer: Rect, signature: _Picture | None) -> None:
    """The signatory on top (position, signature, name); the issue date and how to check it below."""
    lines_top = footer.y + 9 * mm + 3 * 12  # level with the QR (6 mm above the content edge)
    if c.signatory_name or c.signatory_position or signature is not None:
        row = Rect(footer.x, lines_top + 3 * mm, footer.w, SIGNATURE_H)
        left_w, mid_w = row.w * 0.42, row.w * 0.28
        canvas.setFillColor(INK)
        if c.signatory_position:
            position = fit_text(c.signatory_position, SERIF, left_w - 3 * mm, 10.5, 7, 3)
            h = block_height(position, SERIF, 1.15)
            draw_fitted(canvas, position, SERIF, row.x, row.y + (row.h + h) / 2, left_w - 3 * mm)
        canvas.setStrokeColor(MUTED)
        canvas.setLineWidth(0.4)
        line_y = row.y + 2 * mm
        canvas.line(row.x + left_w, line_y, row.x + left_w + mid_w, line_y)
        if signature is not None:
            _place(canvas, signature, row.x + left_w + (mid_w - signature.w) / 2, row.y + (row.h - signature.h) / 2)
        if c.signatory_name:
            name = fit_text(c.signatory_name, SERIF_BOLD, row.w - left_w - mid_w - 3 * mm, 10.5, 7, 2)
            h = block_height(name, SERIF_BOLD, 1.15)
            canvas.setFillColor(INK)
            draw_fitted(canvas, name, SERIF_BOLD, row.x + left_w + mid_w + 3 * mm, line_y + h - 1 * mm,
                        row.w - left_w - mid_w - 3 * mm, "right")
    else:
        canvas.setStrokeColor(GOLD)
        canvas.setLineWidth(0.5)
        canvas.line(footer.x, lines_top + 4 * mm, footer.x + 60 * mm, lines_top + 4 * mm)
    issued = f"Дата выдачи: {c.issued_on.day} {MONTHS[c.issued_on.month - 1]} {c.issued_on.year} г."
    lines = [
        (issued, SERIF, 10.5, INK),
        ("Подлинность сертификата можно проверить по QR-коду или по адресу:", SANS, 8.5, MUTED),
        (c.verify_url, SANS_BOLD, 8.5, MUTED),
    ]
    y = lines_top
    for text, font, size, color in lines:
        f = fit_text(text, font, footer.w, size, 6, 1)
        canvas.setFillColor(color)
        y = draw_fitted(canvas, f, font, footer.x, y, footer.w, "left") - 2.5 * mm


def first_page_png(pdf: bytes, dpi: int = 96) -> bytes:
    """The first page as a PNG, for the preview on the settings page."""
    import pypdfium2

    doc = pypdfium2.PdfDocument(pdf)
    try:
        image = doc[0].render(scale=dpi / 72).to_pil()
    finally:
        doc.close()
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False, compress_level=6)
    return out.getvalue()
