"""The final report on one A4 page: figures, a bar chart of turnout per municipality, sessions,
survey averages and the press text. PT Sans embedded; takes a `Report`, returns PDF bytes (no Flask, no ORM)."""
from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from ..pdf.fonts import SANS, SANS_BOLD, register_fonts
from ..pdf.geometry import A4, mm
from ..pdf.text import draw_fitted, fit_text
from .data import Report
from .numerals import counted

INK = colors.HexColor("#1d2430")
MUTED = colors.HexColor("#5c6675")
BRAND = colors.HexColor("#1f5fae")
LIGHT = colors.HexColor("#c9d8ee")
SHADE = colors.HexColor("#eef1f5")
MARGIN = 16 * mm
#: At most this many sessions are listed; the rest are summed up in one line.
MAX_SESSIONS = 12
MIN_BAR_ROW, MAX_BAR_ROW = 9.5, 15.0
#: Height of a session's two lines (title; room and speakers).
ROW = 17.0


def _style(size: float, *, bold: bool = False, color=INK, leading: float | None = None) -> ParagraphStyle:
    return ParagraphStyle("s", fontName=SANS_BOLD if bold else SANS, fontSize=size,
                          leading=leading or size * 1.25, textColor=color)


def _paragraph(canvas: Canvas, text: str, style: ParagraphStyle, x: float, top: float, width: float) -> float:
    """Draw a wrapped paragraph below `top`; return its bottom."""
    para = Paragraph(escape(text), style)
    _, height = para.wrap(width, 1000)
    para.drawOn(canvas, x, top - height)
    return top - height


def _paragraph_height(text: str, style: ParagraphStyle, width: float) -> float:
    return Paragraph(escape(text), style).wrap(width, 1000)[1]


def report_pdf(report: Report) -> bytes:
    """One A4 page of the report."""
    register_fonts()
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=SANS)  # no Helvetica referenced
    canvas.setTitle(f"Итоговый отчёт — {report.title}")
    width, height = A4
    inner = width - 2 * MARGIN
    top = _header(canvas, report, height - MARGIN, inner)
    top = _figures(canvas, report, top - 4 * mm, inner)
    press_style = _style(9.5, leading=12.5)
    press_height = _paragraph_height(report.press_text, press_style, inner - 6 * mm) + 9 * mm
    sessions = report.sessions[:MAX_SESSIONS]
    sessions_height = (9 * mm + ROW * len(sessions) + (12 if len(report.sessions) > MAX_SESSIONS else 0)
                       if sessions else 0)
    survey_height = 7 * mm + 12 * len(report.survey) if report.survey else 0
    chart_bottom = MARGIN + press_height + sessions_height + survey_height + 4 * mm
    bottom = _chart(canvas, report, top - 5 * mm, chart_bottom, inner)
    if sessions:
        bottom = _sessions(canvas, report, bottom - 4 * mm, inner)
    if report.survey:
        bottom = _survey(canvas, report, bottom - 3 * mm, inner)
    _press(canvas, report.press_text, press_style, MARGIN + press_height - 2 * mm, inner)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _header(canvas: Canvas, report: Report, top: float, inner: float) -> float:
    canvas.setFillColor(BRAND)
    canvas.setFont(SANS_BOLD, 9)
    canvas.drawString(MARGIN, top - 9, "ИТОГОВЫЙ ОТЧЁТ")
    canvas.setFillColor(INK)
    title = fit_text(report.title, SANS_BOLD, inner, 17, min_size=12, max_lines=2)
    bottom = draw_fitted(canvas, title, SANS_BOLD, MARGIN, top - 14, inner)
    tz = ZoneInfo(report.timezone)
    when = format_date(report.starts_at.astimezone(tz).date(), "d MMMM y", locale="ru")
    if report.ends_at.astimezone(tz).date() != report.starts_at.astimezone(tz).date():
        when += " — " + format_date(report.ends_at.astimezone(tz).date(), "d MMMM y", locale="ru")
    meta = " · ".join(p for p in (when, report.city, report.region) if p)
    canvas.setFillColor(MUTED)
    return draw_fitted(canvas, fit_text(meta, SANS, inner, 10, min_size=8, max_lines=1), SANS,
                       MARGIN, bottom - 4, inner)


def _figures(canvas: Canvas, report: Report, top: float, inner: float) -> float:
    boxes = [
        (str(report.registered), "зарегистрировано"),
        (str(report.confirmed), "подтверждено"),
        (str(report.came), f"пришли ({report.turnout} % подтверждённых)"),
        (f"{report.municipalities_represented} из {report.municipalities_total}",
         "муниципальных образований представлено"),
    ]
    gap, box_h = 3 * mm, 17 * mm
    box_w = (inner - gap * (len(boxes) - 1)) / len(boxes)
    for i, (figure, label) in enumerate(boxes):
        x = MARGIN + i * (box_w + gap)
        canvas.setFillColor(SHADE)
        canvas.roundRect(x, top - box_h, box_w, box_h, 2 * mm, stroke=0, fill=1)
        canvas.setFillColor(BRAND)
        draw_fitted(canvas, fit_text(figure, SANS_BOLD, box_w - 6 * mm, 18, min_size=11, max_lines=1),
                    SANS_BOLD, x + 3 * mm, top - 2.5 * mm, box_w - 6 * mm)
        canvas.setFillColor(MUTED)
        draw_fitted(canvas, fit_text(label, SANS, box_w - 6 * mm, 8, min_size=6.5, max_lines=2),
                    SANS, x + 3 * mm, top - 10 * mm, box_w - 6 * mm, leading=1.1)
    return top - box_h


def _chart(canvas: Canvas, report: Report, top: float, bottom: float, inner: float) -> float:
    """Horizontal bars: registered (light) and came (blue) per municipality, largest turnout first."""
    canvas.setFillColor(INK)
    canvas.setFont(SANS_BOLD, 11)
    canvas.drawString(MARGIN, top - 11, "Явка по муниципальным образованиям")
    canvas.setFont(SANS, 7.5)
    canvas.setFillColor(LIGHT)
    legend_x = MARGIN + inner - 62 * mm
    canvas.rect(legend_x, top - 9, 8, 6, stroke=0, fill=1)
    canvas.setFillColor(BRAND)
    canvas.rect(legend_x + 32 * mm, top - 9, 8, 6, stroke=0, fill=1)
    canvas.setFillColor(MUTED)
    canvas.drawString(legend_x + 11, top - 8.5, "зарегистрированы")
    canvas.drawString(legend_x + 32 * mm + 11, top - 8.5, "пришли")
    top -= 16
    rows = report.by_municipality
    if not rows:
        canvas.setFont(SANS, 9)
        canvas.drawString(MARGIN, top - 10, "Регистраций пока нет.")
        return top - 14
    space = top - bottom
    fits = max(int(space // MIN_BAR_ROW), 1)
    shown = rows if len(rows) <= fits else rows[: fits - 1]
    row_h = min(MAX_BAR_ROW, space / max(len(shown) + (1 if len(shown) < len(rows) else 0), 1))
    label_w, number_w = 62 * mm, 22 * mm
    bar_x, bar_w = MARGIN + label_w + 2 * mm, inner - label_w - number_w - 4 * mm
    scale = max(max(m.registered for m in rows), max(m.came for m in rows), 1)
    font_size = min(8.5, row_h * 0.72)
    y = top
    for m in shown:
        y -= row_h
        canvas.setFillColor(INK)
        label = fit_text(m.name, SANS, label_w, font_size, min_size=max(font_size - 1.5, 5.5), max_lines=1)
        draw_fitted(canvas, label, SANS, MARGIN, y + row_h * 0.5 + font_size * 0.45, label_w)
        bar_h = row_h * 0.62
        by = y + (row_h - bar_h) / 2
        canvas.setFillColor(LIGHT)
        canvas.rect(bar_x, by, bar_w * m.registered / scale, bar_h, stroke=0, fill=1)
        canvas.setFillColor(BRAND)
        canvas.rect(bar_x, by, bar_w * m.came / scale, bar_h, stroke=0, fill=1)
        canvas.setFillColor(MUTED)
        canvas.setFont(SANS, font_size)
        canvas.drawRightString(MARGIN + inner, y + row_h * 0.5 - font_size * 0.35,
                               f"{m.came} / {m.registered} · {m.turnout} %")
    if len(shown) < len(rows):
        rest = rows[len(shown):]
        y -= row_h
        canvas.setFillColor(MUTED)
        canvas.setFont(SANS, font_size)
        canvas.drawString(MARGIN, y + row_h * 0.5 - font_size * 0.35,
                          f"и ещё {counted(len(rest), 'муниципальное образование')}: "
                          f"пришли {sum(m.came for m in rest)} из {sum(m.registered for m in rest)}")
    return y


def _sessions(canvas: Canvas, report: Report, top: float, inner: float) -> float:
    canvas.setFillColor(INK)
    canvas.setFont(SANS_BOLD, 11)
    canvas.drawString(MARGIN, top - 11, f"Секции и спикеры: {counted(len(report.sessions), 'секция')}, "
                                        f"{counted(report.speakers, 'спикер')}")
    y = top - 18
    tz = ZoneInfo(report.timezone)
    time_w, count_w = 22 * mm, 22 * mm
    text_w = inner - time_w - count_w - 2 * mm
    canvas.setFont(SANS, 7)
    canvas.setFillColor(MUTED)
    canvas.drawRightString(MARGIN + inner, y + 1, "пришли / мест")
    for s in report.sessions[:MAX_SESSIONS]:
        y -= ROW
        canvas.setFillColor(INK)
        canvas.setFont(SANS, 8)
        canvas.drawString(MARGIN, y + 7, f"{format_time(s.starts_at.astimezone(tz), 'HH:mm', locale='ru')}–"
                                         f"{format_time(s.ends_at.astimezone(tz), 'HH:mm', locale='ru')}")
        draw_fitted(canvas, fit_text(s.title, SANS_BOLD, text_w, 8.5, min_size=6.5, max_lines=1), SANS_BOLD,
                    MARGIN + time_w, y + 15.5, text_w)
        detail = " · ".join(p for p in (s.room, ", ".join(s.speakers)) if p)
        if detail:
            canvas.setFillColor(MUTED)
            draw_fitted(canvas, fit_text(detail, SANS, text_w, 7, min_size=6, max_lines=1), SANS,
                        MARGIN + time_w, y + 6, text_w)
        canvas.setFillColor(BRAND)
        canvas.setFont(SANS_BOLD, 9)
        canvas.drawRightString(MARGIN + inner, y + 7, f"{s.attended} / {s.capacity}" if s.capacity else str(s.attended))
    if len(report.sessions) > MAX_SESSIONS:
        y -= 12
        canvas.setFillColor(MUTED)
        canvas.setFont(SANS, 8)
        canvas.drawString(MARGIN + time_w, y + 3, f"и ещё {counted(len(report.sessions) - MAX_SESSIONS, 'секция')}")
    return y


def _survey(canvas: Canvas, report: Report, top: float, inner: float) -> float:
    canvas.setFillColor(INK)
    canvas.setFont(SANS_BOLD, 11)
    canvas.drawString(MARGIN, top - 11, "Опрос участников: средние оценки")
    y = top - 16
    for line in report.survey:
        y -= 12
        canvas.setFillColor(INK)
        draw_fitted(canvas, fit_text(line.label, SANS, inner - 20 * mm, 8.5, min_size=6.5, max_lines=1), SANS,
                    MARGIN, y + 9, inner - 20 * mm)
        canvas.setFillColor(BRAND)
        canvas.setFont(SANS_BOLD, 9)
        canvas.drawRightString(MARGIN + inner, y + 1.2, f"{line.average:.1f}".replace(".", ","))
    return y


def _press(canvas: Canvas, text: str, style: ParagraphStyle, top: float, inner: float) -> None:
    canvas.setFillColor(SHADE)
    canvas.roundRect(MARGIN, MARGIN, inner, top - MARGIN, 2 * mm, stroke=0, fill=1)
    canvas.setFillColor(BRAND)
    canvas.setFont(SANS_BOLD, 8)
    canvas.drawString(MARGIN + 3 * mm, top - 4 * mm, "ДЛЯ ПРЕСС-РЕЛИЗА")
    _paragraph(canvas, text, style, MARGIN + 3 * mm, top - 6 * mm, inner - 6 * mm)
