"""Badge PDFs: one per page, 4 A6 per A4, or 10 business cards per A4.

Pure rendering: takes ``BadgeData`` values, returns PDF bytes. Drawn with the
reportlab canvas (no platypus) so 1,000 badges take about a second.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A6
from reportlab.pdfgen.canvas import Canvas

from seminar.pdf.fonts import SANS, SANS_BOLD, register_fonts
from seminar.pdf.geometry import A4, Rect, draw_cut_marks, grid, mm
from seminar.pdf.meta import set_metadata
from seminar.pdf.qr import draw_qr
from seminar.pdf.text import FittedText, block_height, draw_fitted, fit_text, lines_height

#: role -> (word on the band, band colour); colours stay distinct in print
ROLES: dict[str, tuple[str, str]] = {
    "participant": ("УЧАСТНИК", "#1F5FA8"),
    "speaker": ("СПИКЕР", "#C62828"),
    "organiser": ("ОРГАНИЗАТОР", "#2E7D32"),
    "press": ("ПРЕССА", "#E65100"),
    "guest": ("ГОСТЬ", "#6A1B9A"),
}

INK = HexColor("#1A1A1A")
MUTED = HexColor("#5F6368")
WHITE = HexColor("#FFFFFF")


@dataclass(frozen=True)
class BadgeData:
    """What a badge shows; built by the badges service, knows no ORM."""

    event_title: str
    last_name: str
    first_name: str
    middle_name: str
    position: str
    organization: str
    municipality: str
    role: str  #: one of ROLES
    badge_code: str  #: what the QR encodes and check-in looks up

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")


@dataclass(frozen=True)
class Style:
    font: str
    size: float
    min_size: float
    max_lines: int = 2
    leading: float = 1.15
    gap: float = 0.0  #: space above the block
    color: object = INK


@dataclass(frozen=True)
class Design:
    """Sizes of one badge format; all lengths in points."""

    size: tuple[float, float]
    margin: float
    band_h: float
    band_font: Style
    qr_size: float  #: printed QR side, quiet zone included (modules >= 1 mm for phone cameras)
    #: A6 badges reach the paper's edge (4 on A4, or one per A6 sheet), where printers leave
    #: ~5 mm white: their band stops SAFE short of the left, right and bottom edges
    #: (bleed-free); cards sit well inside the sheet, so their band runs edge to edge.
    band_inset: float
    qr_beside_text: bool  #: card: QR top-right, text on its left; A6: QR centred below
    code: Style
    align: str
    title: Style
    last_name: Style
    first_name: Style
    position: Style
    organization: Style
    municipality: Style


A6_DESIGN = Design(
    size=A6,
    margin=7 * mm,
    band_h=13 * mm,
    band_font=Style(SANS_BOLD, 24, 14, 1, color=WHITE),
    qr_size=44 * mm,
    band_inset=5 * mm,
    qr_beside_text=False,
    code=Style(SANS, 9, 7, 2, leading=1.1, color=MUTED),
    align="center",
    title=Style(SANS, 9.5, 7.5, 2, leading=1.15, color=MUTED),
    last_name=Style(SANS_BOLD, 30, 17, 2, leading=1.02),
    first_name=Style(SANS, 17, 12, 2, leading=1.1, gap=2),
    position=Style(SANS, 10.5, 8, 2, gap=9, color=MUTED),
    organization=Style(SANS_BOLD, 10.5, 8, 2, gap=4),
    municipality=Style(SANS, 10, 8, 1, gap=2, color=MUTED),
)

CARD_DESIGN = Design(
    size=(90 * mm, 55 * mm),
    margin=3.5 * mm,
    band_h=7.5 * mm,
    band_font=Style(SANS_BOLD, 12, 8, 1, color=WHITE),
    qr_size=34 * mm,
    band_inset=0,
    qr_beside_text=True,
    code=Style(SANS, 6.5, 5.5, 2, leading=1.1, color=MUTED),
    align="left",
    title=Style(SANS, 6.5, 5.5, 2, leading=1.1, color=MUTED),
    last_name=Style(SANS_BOLD, 15, 11, 2, leading=1.02),
    first_name=Style(SANS, 10, 7.5, 2, leading=1.1),
    position=Style(SANS, 7, 6, 2, leading=1.1, gap=4, color=MUTED),
    organization=Style(SANS_BOLD, 7, 6, 2, leading=1.1, gap=2),
    municipality=Style(SANS, 6.5, 6, 1, gap=1, color=MUTED),
)


@dataclass(frozen=True)
class Layout:
    page: tuple[float, float]
    cols: int
    rows: int
    design: Design
    cut_marks: bool


_LAYOUTS = {
    "single": Layout(A6, 1, 1, A6_DESIGN, cut_marks=False),
    "a6": Layout(A4, 2, 2, A6_DESIGN, cut_marks=True),
    "card": Layout(A4, 2, 5, CARD_DESIGN, cut_marks=True),
}

#: The layouts' names: what a form, the CLI and a stored batch pass as ``layout``.
LAYOUTS: tuple[str, ...] = tuple(_LAYOUTS)


def _layout(name: str) -> Layout:
    try:
        return _LAYOUTS[name]
    except KeyError:
        raise ValueError(f"unknown badge layout {name!r}; expected one of {sorted(_LAYOUTS)}") from None


def layout_boxes(layout: str) -> list[Rect]:
    """Badge rectangles on one page, in the order badges fill them."""
    spec = _layout(layout)
    return grid(spec.page, spec.design.size, spec.cols, spec.rows)


@dataclass(frozen=True)
class BadgeParts:
    band: Rect
    qr: Rect  #: the QR square including its quiet zone
    code: Rect  #: the badge code text under the QR
    text: Rect  #: everything else: title, names, position, organisation


def badge_parts(layout: str, box: Rect) -> BadgeParts:
    """Where each part of a badge goes inside ``box``."""
    return _parts(_layout(layout).design, box)


def _parts(d: Design, b: Rect) -> BadgeParts:
    band = Rect(b.x + d.band_inset, b.y + d.band_inset, b.w - 2 * d.band_inset, d.band_h)
    q = d.qr_size
    code_h = lines_height(d.code.font, d.code.size, d.code.max_lines, d.code.leading)
    if d.qr_beside_text:
        qr = Rect(b.right - 1.5 * mm - q, b.top - 1.5 * mm - q, q, q)
        code = Rect(qr.x, qr.y - code_h, q, code_h)
        left = b.x + d.margin
        text = Rect(left, band.top + 2 * mm, qr.x - 1 * mm - left, b.top - d.margin - band.top - 2 * mm)
    else:
        code = Rect(b.x + (b.w - q) / 2, band.top + 2.5 * mm, q, code_h)
        qr = Rect(code.x, code.top, q, q)
        text = Rect(b.x + d.margin, qr.top + 1 * mm, b.w - 2 * d.margin, b.top - d.margin - qr.top - 1 * mm)
    return BadgeParts(band, qr, code, text)


def group_code(code: str, size: int = 4) -> str:
    """'7KQ2M9XH…' -> '7KQ2 M9XH …' for reading aloud and typing by hand."""
    return " ".join(code[i : i + size] for i in range(0, len(code), size))


def render_badges(badges: Sequence[BadgeData], layout: str = "a6", author: str = "") -> bytes:
    """The badges as one PDF, ``layout`` being one of ``LAYOUTS``; ``author``: who issues them."""
    out = io.BytesIO()
    sheets = BadgeSheets(out, layout, badges[0].event_title if badges else "", author)
    sheets.add(badges)
    sheets.close()
    return out.getvalue()


class BadgeSheets:
    """A badge PDF drawn page by page as badges are added, then written to ``out`` (a file):
    a batch of 20,000 is fed in chunks and never held whole, as data or as drawing commands."""

    def __init__(self, out: IO[bytes], layout: str = "a6", event_title: str = "", author: str = "") -> None:
        self.spec = _layout(layout)
        register_fonts()
        self.boxes = grid(self.spec.page, self.spec.design.size, self.spec.cols, self.spec.rows)
        self.canvas = Canvas(out, pagesize=self.spec.page, pageCompression=1, initialFontName=SANS)
        set_metadata(self.canvas, "Бейджи" + (f" — {event_title}" if event_title else ""),
                     author or event_title)
        self.pending: list[BadgeData] = []
        self.pages = 0

    def add(self, badges: Iterable[BadgeData]) -> None:
        """Draw these badges after the ones added before (full pages at once, the rest later)."""
        self.pending.extend(badges)
        per_page = len(self.boxes)
        while len(self.pending) >= per_page:
            self._page(self.pending[:per_page])
            del self.pending[:per_page]

    def close(self) -> None:
        """Draw the last, partly filled page and write the PDF (an empty page when there was nothing)."""
        if self.pending or not self.pages:
            self._page(self.pending)
            self.pending = []
        self.canvas.save()

    def _page(self, page: list[BadgeData]) -> None:
        for badge, box in zip(page, self.boxes, strict=False):
            draw_badge(self.canvas, badge, self.spec.design, box)
        if self.spec.cut_marks and page:
            full = len(page) == len(self.boxes)
            draw_cut_marks(self.canvas, self.boxes[: len(page)] if full else self.boxes, self.spec.page)
        self.canvas.showPage()
        self.pages += 1


def draw_badge(canvas: Canvas, badge: BadgeData, d: Design, box: Rect) -> None:
    """Draw one badge into ``box``."""
    parts = _parts(d, box)
    word, colour = ROLES[badge.role]
    colour = HexColor(colour)

    canvas.setFillColor(colour)
    if d.band_inset:
        canvas.roundRect(parts.band.x, parts.band.y, parts.band.w, parts.band.h, 1.5 * mm, stroke=0, fill=1)
    else:
        canvas.rect(parts.band.x, parts.band.y, parts.band.w, parts.band.h, stroke=0, fill=1)
    band_text = parts.band.inset(min(d.margin, 3 * mm), 0)
    fitted = fit_text(word, d.band_font.font, band_text.w, d.band_font.size, d.band_font.min_size, 1)
    h = block_height(fitted, d.band_font.font)
    canvas.setFillColor(WHITE)
    draw_fitted(canvas, fitted, d.band_font.font, band_text.x, band_text.top - (band_text.h - h) / 2,
                band_text.w, "center")

    draw_qr(canvas, badge.badge_code, parts.qr.x, parts.qr.y, parts.qr.w)
    _draw_block(canvas, group_code(badge.badge_code), d.code, parts.code, "center", parts.code.top)

    _draw_text(canvas, badge, d, parts.text, colour)


def _draw_text(canvas: Canvas, badge: BadgeData, d: Design, area: Rect, accent) -> None:
    """Title on top; the rest vertically centred in the space left, lines that do
    not fit dropped from the bottom (municipality first)."""
    title_fit = _fit(badge.event_title, d.title, area.w)
    y = area.top
    if title_fit.lines:
        y = _draw_block(canvas, None, d.title, area, d.align, y, title_fit)
        rule_w = min(area.w, 18 * mm)
        rule_x = area.x + (area.w - rule_w) / 2 if d.align == "center" else area.x
        canvas.setFillColor(accent)
        canvas.rect(rule_x, y - 2.2 * mm, rule_w, 0.8 * mm, stroke=0, fill=1)
        y -= 2.2 * mm + 2 * mm
    first = " ".join(p for p in (badge.first_name, badge.middle_name) if p.strip())
    organization = badge.organization.strip() or badge.municipality
    municipality = badge.municipality if badge.organization.strip() else ""
    wanted = [
        (badge.last_name, d.last_name),
        (first, d.first_name),
        (badge.position, d.position),
        (organization, d.organization),
        (municipality, d.municipality),
    ]
    blocks: list = []
    used = 0.0
    room = y - area.y
    for text, style in wanted:
        # not enough height left: fewer lines, then nothing
        for max_lines in range(style.max_lines, 0, -1):
            fitted = _fit(text, style, area.w, max_lines)
            h = block_height(fitted, style.font, style.leading) + (style.gap if blocks else 0)
            if fitted.lines and used + h <= room:
                blocks.append((fitted, style))
                used += h
                break
    y -= (room - used) / 2
    for i, (fitted, style) in enumerate(blocks):
        if i:
            y -= style.gap
        y = _draw_block(canvas, None, style, area, d.align, y, fitted)


def _fit(text: str, style: Style, width: float, max_lines: int | None = None) -> FittedText:
    return fit_text(text, style.font, width, style.size, style.min_size, max_lines or style.max_lines)


def _draw_block(canvas, text, style: Style, area: Rect, align: str, top: float,
                fitted: FittedText | None = None) -> float:
    fitted = fitted or _fit(text, style, area.w)
    canvas.setFillColor(style.color)
    return draw_fitted(canvas, fitted, style.font, area.x, top, area.w, align, style.leading)
