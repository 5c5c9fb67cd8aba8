"""CSV and XLSX the way officials open them: Excel, a double click, Cyrillic intact."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence


def excel_safe(value):
    """Text that a spreadsheet will not run as a formula (CSV/formula injection); +7… phones stay."""
    if isinstance(value, str) and value and value[0] in "=+-@\t\r" and not value.startswith("+7"):
        return "'" + value
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a BOM and ';' separators, so Excel opens Cyrillic correctly on a double click."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([excel_safe("" if v is None else v) for v in row])
    return "\ufeff".encode("utf-8") + buffer.getvalue().encode("utf-8")


def xlsx_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence],
               widths: Sequence[int] = ()) -> bytes:
    """One sheet with a bold, frozen header row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([excel_safe(v) for v in row])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

