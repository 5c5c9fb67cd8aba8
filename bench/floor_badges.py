"""The naive floor from docs/performance.md: reportlab + qrcode, name (PT Sans) + city +
a vector QR drawn as one path, 4 per A4. ``qrcode`` as it comes: make(fit=True),
which tries every version and all 8 masks."""

from __future__ import annotations

import io

import qrcode
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from seminar.pdf.fonts import SANS, register_fonts
from seminar.pdf.qr import dark_runs  # the same run merging; everything else stays naive


def render_floor(attendees: list[tuple[str, str, str]]) -> bytes:
    """(name, city, code) per attendee -> a PDF with 4 A6 badges per A4."""
    register_fonts()
    out = io.BytesIO()
    c = Canvas(out, pagesize=A4)
    w, h = 105 * mm, 148 * mm
    slots = [(0, h), (w, h), (0, 0), (w, 0)]
    for i, (name, city, code) in enumerate(attendees):
        x, y = slots[i % 4]
        c.setFont(SANS, 20)
        c.drawCentredString(x + w / 2, y + h - 30 * mm, name)
        c.setFont(SANS, 12)
        c.drawCentredString(x + w / 2, y + h - 40 * mm, city)
        qr = qrcode.QRCode()
        qr.add_data(code)
        qr.make(fit=True)
        matrix = qr.get_matrix()  # quiet zone included
        n = len(matrix)
        module = 30 * mm / n
        qx, qy = x + (w - 30 * mm) / 2, y + 20 * mm
        path = c.beginPath()
        for r, start, length in dark_runs(matrix):
            path.rect(qx + start * module, qy + (n - 1 - r) * module, length * module, module)
        c.drawPath(path, stroke=0, fill=1)
        if i % 4 == 3:
            c.showPage()
    if len(attendees) % 4:
        c.showPage()
    c.save()
    return out.getvalue()
