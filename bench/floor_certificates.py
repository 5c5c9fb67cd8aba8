"""The bare reportlab floor for certificates: A4 landscape, one per page, a heading, the name,
the event, a vector QR of the verification URL (``qrcode`` as it comes, make(fit=True)), and
optionally a full-page background given to reportlab as a file name, which its image cache
keys by name, the cheapest way (nothing fitted, no frame, no signatory)."""
from __future__ import annotations

import io
import tempfile

import qrcode
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from seminar.pdf.fonts import SERIF, SERIF_BOLD, register_fonts
from seminar.pdf.qr import dark_runs


def render_floor(rows: list[tuple[str, str, str]], background: bytes | None = None) -> bytes:
    """(name, event, verify URL) per certificate -> one PDF, a page each."""
    register_fonts()
    page_w, page_h = landscape(A4)
    out = io.BytesIO()
    c = Canvas(out, pagesize=(page_w, page_h), pageCompression=1)
    if background is None:
        _pages(c, rows, None, page_w, page_h)
    else:
        suffix = ".jpg" if background[:2] == b"\xff\xd8" else ".png"
        with tempfile.NamedTemporaryFile(suffix=suffix) as image:
            image.write(background)
            image.flush()
            _pages(c, rows, image.name, page_w, page_h)
    c.save()
    return out.getvalue()


def _pages(c: Canvas, rows, image: str | None, page_w: float, page_h: float) -> None:
    for name, event, url in rows:
        if image is not None:
            c.drawImage(image, 0, 0, page_w, page_h)  # embedded once: reportlab keys it by file name
        c.setFont(SERIF_BOLD, 44)
        c.drawCentredString(page_w / 2, page_h - 60 * mm, "СЕРТИФИКАТ")
        c.setFont(SERIF_BOLD, 28)
        c.drawCentredString(page_w / 2, page_h - 95 * mm, name)
        c.setFont(SERIF, 14)
        c.drawCentredString(page_w / 2, page_h - 110 * mm, event)
        qr = qrcode.QRCode()
        qr.add_data(url)
        qr.make(fit=True)
        matrix = qr.get_matrix()
        module = 30 * mm / len(matrix)
        qx, qy = page_w - 60 * mm, 25 * mm
        path = c.beginPath()
        for r, start, length in dark_runs(matrix):
            path.rect(qx + start * module, qy + (len(matrix) - 1 - r) * module, length * module, module)
        c.drawPath(path, stroke=0, fill=1)
        c.showPage()
