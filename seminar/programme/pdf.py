"""The printable programme: A4, PT Sans with Cyrillic embedded (no Flask, no ORM).

Takes ProgrammeData (plain values, items.py) and returns PDF bytes.
"""
from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from babel.dates import format_date, format_time
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import CondPageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..pdf.fonts import SANS, SANS_BOLD, register_fonts
from ..pdf.geometry import A4, mm
from ..pdf.meta import CREATOR
from ..version import __version__
from .items import ProgrammeData, SessionItem

INK = colors.HexColor("#1d2430")
MUTED = colors.HexColor("#5c6675")
BRAND = colors.HexColor("#1f5fae")
SHADE = colors.HexColor("#eef1f5")

_STYLES: dict[str, ParagraphStyle] = {}


def _styles() -> dict[str, ParagraphStyle]:
    if not _STYLES:
        register_fonts()
        base = dict(fontName=SANS, textColor=INK, fontSize=10, leading=12.5)
        _STYLES.update(
            title=ParagraphStyle("title", **{**base, "fontName": SANS_BOLD, "fontSize": 17, "leading": 21}),
            meta=ParagraphStyle("meta", **{**base, "textColor": MUTED, "fontSize": 10.5, "leading": 14}),
            day=ParagraphStyle("day", **{**base, "fontName": SANS_BOLD, "fontSize": 13, "leading": 16,
                                         "textColor": BRAND, "spaceBefore": 8, "spaceAfter": 4}),
            time=ParagraphStyle("time", **{**base, "fontName": SANS_BOLD}),
            session=ParagraphStyle("session", **{**base, "fontName": SANS_BOLD, "fontSize": 10.5, "leading": 12.5}),
            small=ParagraphStyle("small", **{**base, "fontSize": 8.5, "leading": 10.5, "textColor": MUTED}),
            body=ParagraphStyle("body", **{**base, "fontSize": 9, "leading": 11}),
        )
    return _STYLES


def _p(text: str, style: str) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), _styles()[style])


def _session_cell(s: SessionItem) -> list:
    cell = [_p(s.title, "session"), _p(" · ".join(p for p in (s.kind_label, s.room_name, s.track) if p), "small")]
    for speaker in s.speakers:
        extra = ", ".join(p for p in (speaker.position, speaker.organization) if p)
        cell.append(Paragraph(f"<font name='{SANS_BOLD}'>{escape(speaker.name)}</font>"
                              + (f" — {escape(extra)}" if extra else ""), _styles()["body"]))
    return cell


def programme_pdf(data: ProgrammeData, locale: str = "ru", author: str = "") -> bytes:
    """All days of the programme on A4 pages with an event header and page numbers."""
    ev = data.event
    out = BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=12 * mm,
                            bottomMargin=16 * mm, title=f"Программа — {ev.title}", author=author or ev.title,
                            creator=CREATOR, producer=f"{CREATOR} {__version__}",
                            initialFontName=SANS)  # the template's own default, Helvetica, is never embedded
    first_day = format_date(ev.local(ev.starts_at).date(), "d MMMM y", locale=locale)
    last_day = format_date(ev.local(ev.ends_at).date(), "d MMMM y", locale=locale)
    when = first_day if first_day == last_day else f"{first_day} — {last_day}"
    offset = ev.local(ev.starts_at).utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset else 0
    story = [
        _p("Программа", "meta"),
        _p(ev.title, "title"), Spacer(1, 2 * mm),
        _p(f"{when} · {ev.place}", "meta"),
        _p(f"Время местное (UTC{hours:+d}, {ev.timezone})", "meta"), Spacer(1, 3 * mm),
    ]
    if not data.days:
        story.append(_p("Программа готовится.", "body"))
    width = A4[0] - 32 * mm
    for day in data.days:
        heading = _p(format_date(day.day, "EEEE, d MMMM y", locale=locale).capitalize(), "day")
        rows = []
        for s in day.sessions:
            times = f"{format_time(ev.local(s.starts_at), 'HH:mm', locale=locale)}–" \
                    f"{format_time(ev.local(s.ends_at), 'HH:mm', locale=locale)}"
            rows.append([_p(times, "time"), _session_cell(s)])
        table = Table(rows, colWidths=[24 * mm, width - 24 * mm], repeatRows=0)
        # A Table sets its cells' font even around Paragraphs; its default is Helvetica.
        style = [("FONTNAME", (0, 0), (-1, -1), SANS), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                 ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#d9dee6")),
                 ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                 ("LEFTPADDING", (0, 0), (-1, -1), 3)]
        style += [("BACKGROUND", (0, i), (-1, i), SHADE) for i, s in enumerate(day.sessions) if s.all_rooms]
        table.setStyle(TableStyle(style))
        story += [CondPageBreak(40 * mm), heading, table]  # a heading never ends a page

    def footer(canvas, doc_):
        canvas.saveState()
        canvas.setFont(SANS, 8.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(16 * mm, 9 * mm, ev.title[:110])
        canvas.drawRightString(A4[0] - 16 * mm, 9 * mm, f"{doc_.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer, canvasmaker=Canvas)
    return out.getvalue()
