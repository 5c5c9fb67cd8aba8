"""File responses: PDFs to open or save, spreadsheets to save."""
from __future__ import annotations

import io

from flask import Response, send_file

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def pdf_response(data: bytes, filename: str, download: bool = False) -> Response:
    """A PDF shown in the browser (or saved, with download=True)."""
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=filename,
                     as_attachment=download)


def download(body: bytes, filename: str) -> Response:
    """A spreadsheet to save: XLSX or CSV by its name."""
    content_type = XLSX_MIMETYPE if filename.endswith(".xlsx") else "text/csv; charset=utf-8"
    return Response(body, content_type=content_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
