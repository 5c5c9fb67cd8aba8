"""File responses: PDFs to open or save, spreadsheets to save."""
from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO
from urllib.parse import quote

from flask import Response, send_file, stream_with_context

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sized(response: Response, size: int | None) -> Response:
    """A streamed body's length, when the caller knows it (a prepared file read piece by piece)."""
    if size is not None:
        response.content_length = size
    return response


def pdf_response(data: bytes | IO[bytes], filename: str, download: bool = False,
                 size: int | None = None) -> Response:
    """A PDF shown in the browser (or saved, with download=True); bytes, or a file read as it is sent."""
    body = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    return _sized(send_file(body, mimetype="application/pdf", download_name=filename, as_attachment=download),
                  size)


def download(body: bytes | IO[bytes], filename: str, size: int | None = None) -> Response:
    """A spreadsheet to save: XLSX or CSV by its name; bytes, or a file read as it is sent."""
    content_type = XLSX_MIMETYPE if filename.endswith(".xlsx") else "text/csv; charset=utf-8"
    if not isinstance(body, bytes | bytearray):
        return _sized(send_file(body, mimetype=content_type, download_name=filename, as_attachment=True), size)
    return Response(body, content_type=content_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def named_file(body: bytes | IO[bytes], mimetype: str, filename: str, ascii_filename: str,
               download: bool = True, size: int | None = None) -> Response:
    """A file whose name may be Cyrillic: `filename*` (RFC 5987) carries it, `filename` an ASCII
    fallback for old clients (e.g. "Воробьёва Алёна.pdf" and "Vorobeva_Alena.pdf")."""
    disposition = "attachment" if download else "inline"
    header = f"{disposition}; filename=\"{ascii_filename}\"; filename*=UTF-8''{quote(filename, safe='')}"
    if isinstance(body, bytes | bytearray):
        return Response(body, mimetype=mimetype, headers={"Content-Disposition": header})
    response = send_file(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = header
    return _sized(response, size)


def download_stream(chunks: Iterator[bytes], filename: str) -> Response:
    """A spreadsheet sent as it is produced (a CSV of 20,000 rows starts at once)."""
    content_type = XLSX_MIMETYPE if filename.endswith(".xlsx") else "text/csv; charset=utf-8"
    return Response(stream_with_context(chunks), content_type=content_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def file_chunks(handle: IO[bytes], size: int = 64 * 1024) -> Iterator[bytes]:
    """A finished temporary file, read back in chunks and closed at the end."""
    try:
        handle.seek(0)
        while chunk := handle.read(size):
            yield chunk
    finally:
        handle.close()
