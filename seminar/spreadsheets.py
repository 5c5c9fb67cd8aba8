"""CSV and XLSX the way officials open them: Excel or LibreOffice, a double click, Cyrillic intact.

What a spreadsheet program must show is what we stored: a phone keeps its `+`, a time is a
real date in XLSX, and nothing a participant typed is ever run as a formula (CSV/formula
injection). XLSX cells are written as explicit strings, so they need no guard; CSV has no
types, so the rare value a program would read as a formula gets a leading apostrophe.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import IO

import phonenumbers

#: Characters XML 1.0 (and so XLSX) cannot hold; openpyxl raises IllegalCharacterError on them.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: A first character that makes Excel or LibreOffice read a CSV field as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
#: "+7 914 210 14 31": a phone, which spreadsheets keep as text, and which no program computes.
SPACED_PHONE = re.compile(r"\+\d{1,3}( \d{1,5})+")
#: An E.164 phone as stored ("+79142101431"), which LibreOffice would turn into a number.
E164 = re.compile(r"\+\d{8,15}")
DATE_FORMAT = "DD.MM.YYYY"
DATETIME_FORMAT = "DD.MM.YYYY HH:MM"


def clean_text(value: str) -> str:
    """Stored text without the control characters no spreadsheet can hold."""
    return CONTROL_CHARACTERS.sub("", value)


def spaced_phone(value: str) -> str:
    """+79142101431 → +7 914 210 14 31 (international grouping, spaces only)."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    grouped = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return re.sub(r"[^\d+]+", " ", grouped).strip()


def csv_text(value) -> str:
    """One CSV field: dates as dd.mm.yyyy [hh:mm], phones grouped, formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if not isinstance(value, str):
        return str(value)
    text = clean_text(value)
    if E164.fullmatch(text):
        text = spaced_phone(text)
    if text.startswith(FORMULA_START) and not SPACED_PHONE.fullmatch(text):
        return "'" + text
    return text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a BOM and ';' separators, so Excel opens Cyrillic correctly on a double click."""
    return b"".join(csv_chunks(header, rows))


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence], rows_per_chunk: int = 500) -> Iterator[bytes]:
    """The same CSV as `csv_bytes`, a few hundred rows at a time, for a streamed download."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    yield "\ufeff".encode("utf-8") + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(rows, start=1):
        writer.writerow([csv_text(v) for v in row])
        if count % rows_per_chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def _cell(sheet, value):
    """One XLSX value: text as an explicit string (never a formula), times as real dates.

    Plain text goes as it is (openpyxl stores it as a string); only what openpyxl would take
    for a formula, and dates, need a cell object of their own."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        text = clean_text(value)
        if not text.startswith("="):
            return text
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"
        return cell
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))  # already the venue's wall clock
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


def xlsx_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence],
               widths: Sequence[int] = ()) -> bytes:
    """One sheet with a bold, frozen header row."""
    out = io.BytesIO()
    write_xlsx(out, title, header, rows, widths)
    return out.getvalue()


def write_xlsx(out: IO[bytes], title: str, header: Sequence[str], rows: Iterable[Sequence],
               widths: Sequence[int] = ()) -> None:
    """One sheet to `out` (see `write_workbook`)."""
    write_workbook(out, [(title, header, rows, widths)])


def workbook_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence], Sequence[int]]]) -> bytes:
    """Several sheets, each (title, header, rows, widths), as the bytes of one XLSX file."""
    out = io.BytesIO()
    write_workbook(out, sheets)
    return out.getvalue()


def write_workbook(out: IO[bytes],
                   sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence], Sequence[int]]]) -> None:
    """Write the workbook in openpyxl's write-only mode: rows go out as they come, so 20,000 of
    them take a fraction of the memory and time of a normal workbook. Each sheet has a bold,
    frozen header row."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, header, rows, widths in sheets:
        sheet = book.create_sheet(clean_text(title)[:31])
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        cells = []
        for value in header:
            cell = WriteOnlyCell(sheet, value=clean_text(str(value)))
            cell.font = bold
            cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
        for row in rows:
            sheet.append([_cell(sheet, v) for v in row])
    book.save(out)
