"""Reading a delegation list: XLSX or CSV into a header and rows of text, or a clear refusal."""
from __future__ import annotations

import csv
import io
import re
import zipfile

from flask_babel import lazy_gettext as _l

#: The biggest list we read (10,000 people in XLSX are about 1 MB).
MAX_BYTES = 10 * 1024 * 1024
#: How many rows from the top the header row may be searched in (a title line often precedes it).
HEADER_SEARCH_ROWS = 10


class UnreadableFile(Exception):
    """The file is not a list we can read; `message` says why, in the user's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def read_rows(data: bytes, filename: str = "") -> list[list[str]]:
    """Every row of the first sheet (XLSX) or of the CSV, as stripped text."""
    if len(data) > MAX_BYTES:
        raise UnreadableFile(_l("Файл больше 10 МБ. Разделите список на части."))
    if not data.strip():
        raise UnreadableFile(_l("Файл пустой."))
    if data[:4] == b"PK\x03\x04":
        return _xlsx_rows(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableFile(_l("Это файл старого Excel (.xls). Сохраните его как «Книга Excel (.xlsx)» "
                                "или CSV и загрузите снова."))
    return _csv_rows(data)


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise UnreadableFile(_l("Файл не похож на таблицу Excel (.xlsx).")) from None
    sheet = book.worksheets[0]
    rows = [["" if v is None else _cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    if any(v.startswith("=") for row in rows for v in row):
        raise UnreadableFile(_l("В таблице есть формулы. Замените их значениями (Копировать → "
                                "Вставить значения) и загрузите снова."))
    # A merged header cell keeps its text in the top-left cell only: give it to every cell it covers.
    for merged in sheet.merged_cells.ranges:
        if merged.min_row > HEADER_SEARCH_ROWS + 1:
            continue
        value = rows[merged.min_row - 1][merged.min_col - 1]
        for r in range(merged.min_row, merged.max_row + 1):
            for c in range(merged.min_col, merged.max_col + 1):
                if r - 1 < len(rows) and c - 1 < len(rows[r - 1]):
                    rows[r - 1][c - 1] = value
    return rows


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM); else Windows-1251 when the text is Cyrillic; else refuse."""
    if b"\x00" in data[:4096]:
        raise UnreadableFile(_l("Файл не похож на таблицу: загрузите XLSX или CSV."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1251", errors="replace")
    letters = [ch for ch in text if ch.isalpha()]
    cyrillic = sum("а" <= ch.lower() <= "я" or ch in "ёЁ" for ch in letters)
    if "\ufffd" in text or not letters or cyrillic < len(letters) * 0.3:
        raise UnreadableFile(_l("Не удалось определить кодировку CSV. Сохраните файл как "
                                "«CSV UTF-8» или как XLSX и загрузите снова."))
    return text


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode(data)
    sample = text[:8192]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:
        delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    try:
        rows = [[_cell_text(v) for v in row]
                for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error:
        raise UnreadableFile(_l("Файл не похож на таблицу: загрузите XLSX или CSV.")) from None
    if any(v.startswith("=") and len(v) > 1 and not v[1:2].isspace() for row in rows for v in row):
        raise UnreadableFile(_l("В таблице есть формулы. Замените их значениями и загрузите снова."))
    return rows
