"""Exports as LibreOffice (headless) opens them: phones keep their +, times are dates in XLSX,
no guard characters on ordinary values, nothing anyone typed is ever computed."""
from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import sign_in
from openpyxl import load_workbook

from seminar.checkin.models import CheckIn
from seminar.extensions import db
from seminar.spreadsheets import csv_text
from tests.conftest import skip_or_fail

ATTACK = "+7*0+cmd|' /C calc'!A0"


def soffice(source: Path, target: str, tmp_path: Path, infilter: str | None = None) -> Path:
    """Open `source` in LibreOffice headless and save it as `target` ("xlsx" or a csv filter)."""
    program = shutil.which("soffice") or shutil.which("libreoffice")
    if program is None:
        skip_or_fail("LibreOffice (soffice) is needed to open the exports")
    out = tmp_path / "converted"
    args = [program, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
            "--convert-to", target, "--outdir", str(out)]
    if infilter:
        args.append(f"--infilter={infilter}")
    subprocess.run([*args, str(source)], check=True, capture_output=True, timeout=180)
    [result] = out.glob(source.stem + ".*")
    return result


@pytest.fixture
def exported(client, make_event, make_registration, make_user):
    """The registration list with awkward but stored values, one person checked in."""
    event = make_event()
    person = make_registration(event, last_name="Ив\x01анова", phone="+79142101431", position="-2+3",
                               organization=ATTACK, middle_name="=HYPERLINK(\"http://x\")")
    db.session.add(CheckIn(event_id=event.id, registration_id=person.id, device="door-1",
                           checked_in_at=datetime(2031, 1, 1, 0, 12, tzinfo=UTC)))
    db.session.commit()
    sign_in(client, make_user(event=event))
    responses = {}
    for kind in ("csv", "xlsx"):
        responses[kind] = client.get(f"/manage/events/{event.slug}/registrations.{kind}")
        responses[kind].get_data()  # streamed: read while its request is the current one
    return responses


def cells(path: Path) -> list[list]:
    sheet = load_workbook(path).active
    return [[c for c in row] for row in sheet.iter_rows(min_row=2)]


def test_csv_opened_in_libreoffice_keeps_phones_and_computes_nothing(exported, tmp_path):
    response = exported["csv"]
    assert response.headers["Content-Type"].lower().count("charset") == 1
    source = tmp_path / "registrations.csv"
    source.write_bytes(response.data)
    [row] = cells(soffice(source, "xlsx", tmp_path, infilter="CSV:59,34,76,1"))
    assert all(c.data_type != "f" for c in row), "LibreOffice found a formula"
    values = [c.value for c in row]
    assert "+7 914 210 14 31" in values
    assert "Иванова" in values
    assert "'" + ATTACK in values and "'-2+3" in values


def test_xlsx_opened_in_libreoffice_has_text_phones_real_dates_and_no_guards(exported, tmp_path):
    source = tmp_path / "registrations.xlsx"
    source.write_bytes(exported["xlsx"].data)
    [row] = cells(soffice(source, "xlsx", tmp_path))
    assert all(c.data_type != "f" for c in row), "LibreOffice found a formula"
    values = [c.value for c in row]
    assert "+79142101431" in values and ATTACK in values and "-2+3" in values
    assert "Иванова" in values
    assert datetime(2031, 1, 1, 9, 12) in values  # the check-in, Yakutsk wall clock, a real date
    shown = soffice(source, "csv:Text - txt - csv (StarCalc):59,34,76,1", tmp_path / "as-csv")
    [line] = list(csv.reader(io.StringIO(shown.read_text("utf-8-sig")), delimiter=";"))[1:]
    assert "+79142101431" in line and ATTACK in line and "-2+3" in line
    assert "01.01.2031 09:12" in line


def test_no_shows_exports_never_fail_on_stored_control_characters(client, make_event, make_registration,
                                                                  make_user):
    event = make_event()
    # Stored by an older version (PostgreSQL cannot hold NUL at all; \x01 is as bad for XLSX).
    make_registration(event, last_name="Ко\x0bваль", organization="\x01Администрация\x1f")
    sign_in(client, make_user(event=event))
    book = load_workbook(io.BytesIO(client.get(f"/manage/events/{event.slug}/no-shows.xlsx").data))
    row = list(book.active.values)[1]
    assert "Коваль" in row and "Администрация" in row
    assert "Коваль" in client.get(f"/manage/events/{event.slug}/no-shows.csv").data.decode("utf-8-sig")


def test_csv_guards_only_what_a_spreadsheet_would_compute():
    assert csv_text("+79142101431") == "+7 914 210 14 31"
    assert csv_text("Администрация") == "Администрация"
    assert csv_text(ATTACK) == "'" + ATTACK
    assert csv_text("+7 914 210 14 31*0") == "'+7 914 210 14 31*0"
    assert csv_text("@SUM(A1)") == "'@SUM(A1)"
    assert csv_text("=1+1") == "'=1+1"
