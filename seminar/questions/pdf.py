"""The survey's one-page summary for the association's report (no Flask, no ORM).

Takes SummaryData (plain values) and returns PDF bytes: A4, PT Sans embedded. Whatever the
number of questions, it stays on one page: the longest lists are cut with a note, and the
whole is shrunk to the page if still too tall.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepInFrame, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..pdf.fonts import SANS, SANS_BOLD, register_fonts
from ..pdf.geometry import A4, mm

INK = colors.HexColor("#1d2430")
MUTED = colors.HexColor("#5c6675")
BRAND = colors.HexColor("#1f5fae")
TRACK = colors.HexColor("#e6ebf2")
MAX_SESSIONS = 12
MAX_CHARTS = 6
MAX_QUOTES = 4


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    share: float  # 0..1 of the answers to the question


@dataclass(frozen=True)
class Chart:
    title: str
    answered: int
    bars: tuple[Bar, ...]
    average: float | None = None


@dataclass(frozen=True)
class SessionMark:
    title: str
    average: float | None
    answered: int


@dataclass(frozen=True)
class SummaryData:
    event_title: str
    when_where: str
    responses: int
    came: int
    sessions: tuple[SessionMark, ...]
    charts: tuple[Chart, ...]
    quotes: tuple[str, ...]
    labels: dict  # the few words of the page, in the report's language


_STYLES: dict[str, ParagraphStyle] = {}


def _styles() -> dict[str, ParagraphStyle]:
    if not _STYLES:
        register_fonts()
        base = dict(fontName=SANS, textColor=INK, fontSize=9.5, leading=12)
        _STYLES.update(
            title=ParagraphStyle("title", **{**base, "fontName": SANS_BOLD, "fontSize": 15, "leading": 19}),
            meta=ParagraphStyle("meta", **{**base, "textColor": MUTED, "fontSize": 10, "leading": 13}),
            h=ParagraphStyle("h", **{**base, "fontName": SANS_BOLD, "fontSize": 11.5, "leading": 14,
                                     "textColor": BRAND, "spaceBefore": 6, "spaceAfter": 3}),
            q=ParagraphStyle("q", **{**base, "fontName": SANS_BOLD, "fontSize": 9.5, "spaceBefore": 4}),
            body=ParagraphStyle("body", **base),
            small=ParagraphStyle("small", **{**base, "fontSize": 8.5, "leading": 10.5, "textColor": MUTED}),
            quote=ParagraphStyle("quote", **{**base, "fontSize": 9, "leading": 11.5, "leftIndent": 8}),
        )
    return _STYLES


def _p(text: str, style: str) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), _styles()[style])


class _Bar(Flowable):
    """A horizontal bar on a light track (drawn directly: no font of its own is referenced)."""

    def __init__(self, share: float, width: float, height: float):
        super().__init__()
        self.share, self.width, self.height = share, width, height

    def draw(self) -> None:
        self.canv.setFillColor(TRACK)
        self.canv.rect(0, 0, self.width, self.height, stroke=0, fill=1)
        if self.share > 0:
            self.canv.setFillColor(BRAND)
            self.canv.rect(0, 0, max(self.width * min(self.share, 1.0), 0.6), self.height, stroke=0, fill=1)


def _bar(share: float, width: float = 60 * mm, height: float = 3.2 * mm) -> _Bar:
    return _Bar(share, width, height)


def _rows_table(rows: list[list], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 1),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1), ("LEFTPADDING", (0, 0), (-1, -1), 2)]))
    return table


def summary_pdf(data: SummaryData) -> bytes:
    """One A4 page: responses, sessions by average mark, a bar per answer option, a few quotes."""
    out = BytesIO()
    margin = 15 * mm
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=12 * mm,
                            bottomMargin=14 * mm, title=f"{data.labels['title']} — {data.event_title}",
                            author="seminar")
    width = A4[0] - 2 * margin
    words = data.labels
    story: list = [
        _p(words["title"], "meta"), _p(data.event_title, "title"), _p(data.when_where, "meta"),
        Spacer(1, 2 * mm), _p(words["responses"].format(n=data.responses, came=data.came), "body"),
    ]
    if data.sessions:
        story.append(_p(words["sessions"], "h"))
        rows = [[_p(f"{i}. {s.title}", "body"), _bar((s.average or 0) / 5, 45 * mm),
                 _p("—" if s.average is None else f"{s.average:.2f}".replace(".", ",") + f" ({s.answered})", "body")]
                for i, s in enumerate(data.sessions[:MAX_SESSIONS], start=1)]
        story.append(_rows_table(rows, [width - 75 * mm, 48 * mm, 27 * mm]))
        if len(data.sessions) > MAX_SESSIONS:
            story.append(_p(words["more"].format(n=len(data.sessions) - MAX_SESSIONS), "small"))
    if data.charts:
        story.append(_p(words["answers"], "h"))
        for chart in data.charts[:MAX_CHARTS]:
            title = chart.title + (f" — {chart.average:.2f}".replace(".", ",") if chart.average is not None else "")
            story.append(_p(title, "q"))
            rows = [[_p(bar.label, "body"), _bar(bar.share), _p(f"{bar.count} · {round(bar.share * 100)}%", "body")]
                    for bar in chart.bars[:8]]
            story.append(_rows_table(rows, [width - 90 * mm, 63 * mm, 27 * mm]))
        if len(data.charts) > MAX_CHARTS:
            story.append(_p(words["more"].format(n=len(data.charts) - MAX_CHARTS), "small"))
    if data.quotes:
        story.append(_p(words["quotes"], "h"))
        for quote in data.quotes[:MAX_QUOTES]:
            story.append(_p("« " + (quote if len(quote) <= 400 else quote[:399] + "…") + " »", "quote"))
    if not data.responses:
        story.append(_p(words["empty"], "body"))
    height = A4[1] - 26 * mm
    frame = KeepInFrame(width, height, story, mode="shrink")

    def footer(canvas, doc_):
        canvas.saveState()
        canvas.setFont(SANS, 8)
        canvas.setFillColor(MUTED)
        canvas.drawString(margin, 8 * mm, data.event_title[:120])
        canvas.restoreState()

    doc.build([frame], onFirstPage=footer, onLaterPages=footer, canvasmaker=partial(Canvas, initialFontName=SANS))
    return out.getvalue()
