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
from collections.abc import Iterable, Sequence
from datetime import date, datetime

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
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_text(v) for v in row])
    return "\ufeff".encode("utf-8") + buffer.getvalue().encode("utf-8")


def _set(cell, value) -> None:
    """Write one XLSX cell: text as an explicit string (never a formula), times as real dates."""
    if isinstance(value, str):
        cell.value = clean_text(value)
        cell.data_type = "s"
    elif isinstance(value, datetime):
        cell.value = value.replace(tzinfo=None)  # already the venue's wall clock
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    else:
        cell.value = value


def xlsx_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence],
               widths: Sequence[int] = ()) -> bytes:
    """One sheet with a bold, frozen header row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = clean_text(title)[:31]
    for row_index, row in enumerate([list(header), *rows], start=1):
        for column, value in enumerate(row, start=1):
            _set(sheet.cell(row=row_index, column=column), value)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
