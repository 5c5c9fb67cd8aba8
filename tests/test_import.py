"""Importing a delegation list (XLSX or CSV): preview with an error per row, then all rows or none."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from seminar.audit.models import AuditEntry
from seminar.extensions import db
from seminar.registration.models import Registration

HEADER = ["ФИО", "E-mail", "Телефон", "Муниципальное образование", "Организация", "Должность", "Роль"]


def xlsx(rows, header=HEADER, before=()):
    book = Workbook()
    sheet = book.active
    for line in before:
        sheet.append(line)
    if header:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_text(rows, header=HEADER, sep=";"):
    return "\r\n".join(sep.join(r) for r in [header, *rows]) + "\r\n"


def people(event, n=3, start=0):
    name = event.region.municipalities[0].name
    return [[f"Петров{'абвгдежзиклмнопрстуф'[i % 20]} Иван Ильич", f"p{i}@example.ru", "+7 914 000-00-00",
             name, "Администрация", "Глава", ""] for i in range(start, start + n)]


def count(event):
    return db.session.scalar(select(func.count(Registration.id)).where(Registration.event_id == event.id))


def run_import(runner, event, tmp_path, data: bytes, name="list.xlsx", *args):
    path = tmp_path / name
    path.write_bytes(data)
    return runner.invoke(args=["registrations", "import", event.slug, str(path), *args])


def test_cli_imports_an_xlsx_list_with_seat_rules_and_sends_links(runner, make_event, tmp_path, outbox):
    event = make_event(capacity=2)
    result = run_import(runner, event, tmp_path, xlsx(people(event, 3)))
    assert result.exit_code == 0, result.output
    assert "Imported 3: 2 confirmed, 0 pending, 1 waitlisted" in result.output
    assert len(outbox()) == 3
    petrov = db.session.scalar(select(Registration).where(Registration.email == "p0@example.ru"))
    assert (petrov.last_name, petrov.first_name, petrov.middle_name) == ("Петрова", "Иван", "Ильич")
    assert petrov.phone == "+79140000000"
    assert db.session.scalar(select(AuditEntry.action)) == "registration.import"


def test_dry_run_changes_nothing(runner, make_event, tmp_path, outbox):
    event = make_event()
    result = run_import(runner, event, tmp_path, xlsx(people(event)), "list.xlsx", "--dry-run")
    assert result.exit_code == 0 and "Dry run" in result.output
    assert count(event) == 0 and outbox() == []


def test_three_name_columns_english_headers_and_a_title_line(runner, make_event, tmp_path):
    event = make_event()
    m = event.region.municipalities[0].name
    data = xlsx([["Kim", "Sasha", "", "kim@example.ru", m, "School", "Teacher", "speaker"]],
                header=["Last name", "First name", "Middle name", "Email", "Municipality", "Organization",
                        "Position", "Role"], before=[["Список делегации"], []])
    result = run_import(runner, event, tmp_path, data)
    assert result.exit_code == 0, result.output
    kim = db.session.scalar(select(Registration).where(Registration.email == "kim@example.ru"))
    assert kim.first_name == "Sasha" and kim.role == "speaker"


def test_merged_fio_header_over_three_columns(runner, make_event, tmp_path):
    event = make_event()
    m = event.region.municipalities[0].name
    book = Workbook()
    sheet = book.active
    sheet.append(["ФИО", None, None, "E-mail", "Муниципальное образование", "Организация", "Должность"])
    sheet.merge_cells("A1:C1")
    sheet.append(["Сидорова", "Мария", "Ивановна", "s@example.ru", m, "Школа", "Учитель"])
    sheet.append([None] * 7)  # an empty row between delegations
    sheet.append(["Зуев", "Олег", None, "z@example.ru", m, "Школа", "Директор"])
    out = io.BytesIO()
    book.save(out)
    result = run_import(runner, event, tmp_path, out.getvalue())
    assert result.exit_code == 0, result.output
    names = db.session.execute(select(Registration.last_name, Registration.middle_name)
                               .order_by(Registration.id)).all()
    assert names == [("Сидорова", "Ивановна"), ("Зуев", "")]


def test_a_list_with_errors_is_not_imported_at_all_and_each_row_says_why(runner, make_event, make_registration,
                                                                       tmp_path):
    event = make_event()
    taken = make_registration(event)
    m = event.region.municipalities[0].name
    rows = people(event, 2) + [
        ["Иванов Иван", "bad-address", "", m, "А", "Б", ""],
        ["Носов Нос", "nosov@example.ru", "", m[:-1] + "х", "А", "Б", ""],
        ["Копия Иван", "p0@example.ru", "", m, "А", "Б", ""],
        ["Старый Иван", taken.email, "", m, "А", "Б", ""],
        ["Ролев Иван", "r@example.ru", "", m, "А", "Б", "король"],
    ]
    result = run_import(runner, event, tmp_path, xlsx(rows))
    assert result.exit_code != 0
    assert count(event) == 1
    assert "row 4: Электронная почта — проверьте адрес, например ivanov@example.ru." in result.output
    assert re.search(rf"row 5: .*не найдено.*maybe: {re.escape(m)}", result.output)
    assert "row 6: Адрес p0@example.ru уже есть в строке 2" in result.output
    assert "row 7: Адрес " + taken.email + " уже зарегистрирован" in result.output
    assert "row 8: Неизвестная роль" in result.output


def test_cp1251_csv_is_read(runner, make_event, tmp_path):
    event = make_event()
    data = csv_text([";".join(r).split(";") for r in people(event, 2)]).encode("cp1251")
    result = run_import(runner, event, tmp_path, data, "list.csv")
    assert result.exit_code == 0, result.output
    assert count(event) == 2
    assert db.session.scalar(select(Registration.last_name).order_by(Registration.id)) == "Петрова"


def test_utf8_csv_with_commas_and_a_bom(runner, make_event, tmp_path):
    event = make_event()
    rows = [[v.replace(",", " ") for v in r] for r in people(event, 2)]
    data = ("\ufeff" + csv_text(rows, sep=",")).encode()
    result = run_import(runner, event, tmp_path, data, "list.csv")
    assert result.exit_code == 0, result.output
    assert count(event) == 2


@pytest.mark.parametrize("data,message", [
    (b"%PDF-1.4 binary \x00\x01\x02", "не похож на таблицу"),
    (b"PK\x03\x04 not really a zip", "не похож на таблицу Excel"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel", "старого Excel"),
    ("Иван;Петров;ivan@example.ru\r\n".encode(), "Не найдена строка заголовков"),
    (bytes(range(128, 256)) * 50, "кодировку"),
])
def test_unreadable_files_get_a_clear_message_and_change_nothing(runner, make_event, tmp_path, data, message):
    event = make_event()
    result = run_import(runner, event, tmp_path, data, "list.csv")
    assert result.exit_code != 0 and message in result.output
    assert count(event) == 0


def test_formulas_are_refused(runner, make_event, tmp_path):
    event = make_event()
    rows = people(event, 1)
    rows[0][5] = "=HYPERLINK(\"http://evil\")"
    result = run_import(runner, event, tmp_path, xlsx(rows))
    assert result.exit_code != 0 and "формулы" in result.output
    assert count(event) == 0


def test_a_file_over_the_limit_is_refused(runner, make_event, tmp_path):
    event = make_event()
    result = run_import(runner, event, tmp_path, b"x" * (11 * 1024 * 1024), "big.csv")
    assert result.exit_code != 0 and "MB" in result.output


# ---------------------------------------------------------------- the page

def test_the_page_previews_then_imports_in_one_go(client, make_event, organiser, outbox):
    event = make_event()
    organiser(event)
    page = client.post(f"/manage/events/{event.slug}/import",
                       data={"file": (io.BytesIO(xlsx(people(event, 2))), "list.xlsx")},
                       content_type="multipart/form-data")
    assert page.status_code == 200 and "готово" in page.text
    assert count(event) == 0  # the preview adds nobody
    action = re.search(r'action="([^"]+/import/[0-9a-f]+)"', page.text).group(1)
    done = client.post(action, data={"csrf_token": "-"}, follow_redirects=True)  # links unticked: no mail
    assert "Импортировано: 2" in done.text
    assert count(event) == 2 and outbox() == []


def test_the_page_shows_errors_and_offers_no_import(client, make_event, organiser):
    event = make_event()
    organiser(event)
    rows = people(event, 1) + [["Без Почты", "", "", "Нигде", "А", "Б", ""]]
    page = client.post(f"/manage/events/{event.slug}/import",
                       data={"file": (io.BytesIO(xlsx(rows)), "list.xlsx")}, content_type="multipart/form-data")
    assert "Муниципальное образование «Нигде» не найдено" in page.text
    assert "/import/" not in page.text.split('id="import-preview"')[1]


def test_a_field_error_reads_as_one_sentence_with_one_colon_at_most(client, make_event, organiser):
    """The column's name, a dash, then the message in lower case: no «Почта: Проверьте адрес: …»."""
    event = make_event()
    organiser(event)
    m = event.region.municipalities[0].name
    rows = [["Иванов Иван", "bad-address", "+7 000", m, "А", "Б", ""]]
    page = client.post(f"/manage/events/{event.slug}/import",
                       data={"file": (io.BytesIO(xlsx(rows)), "list.xlsx")}, content_type="multipart/form-data")
    errors = re.findall(r'<p class="error">([^<]*)</p>', page.text)
    assert "Электронная почта — проверьте адрес, например ivanov@example.ru." in errors
    assert "Телефон — проверьте номер, например +7 914 123-45-67." in errors
    assert all(error.count(":") == 0 for error in errors)


def test_the_page_refuses_a_huge_upload(client, make_event, organiser):
    event = make_event()
    organiser(event)
    page = client.post(f"/manage/events/{event.slug}/import",
                       data={"file": (io.BytesIO(b"x" * (50 * 1024 * 1024)), "big.csv")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert page.status_code == 200 and "больше 10 МБ" in page.text


def test_an_address_registered_between_preview_and_import_fails_the_whole_import(client, make_event, organiser,
                                                                                 monkeypatch):
    from seminar.people import importing

    event = make_event()
    organiser(event)
    page = client.post(f"/manage/events/{event.slug}/import",
                       data={"file": (io.BytesIO(xlsx(people(event, 3))), "list.xlsx")},
                       content_type="multipart/form-data")
    action = re.search(r'action="([^"]+/import/[0-9a-f]+)"', page.text).group(1)
    counts = importing._seat_counts

    def someone_registers_meanwhile(ev):
        db.session.add(Registration(event_id=ev.id, last_name="Сам", first_name="Пришёл", email="p2@example.ru",
                                    status="confirmed"))
        return counts(ev)

    monkeypatch.setattr(importing, "_seat_counts", someone_registers_meanwhile)
    done = client.post(action, data={"csrf_token": "-"}, follow_redirects=True)
    assert done.status_code == 200 and "Ничего не импортировано" in done.text
    assert count(event) == 0


def test_quota_applies_to_imported_rows_in_file_order(runner, make_event, tmp_path):
    event = make_event(municipality_quota=2)
    result = run_import(runner, event, tmp_path, xlsx(people(event, 3)), "list.xlsx", "--no-links")
    assert result.exit_code == 0 and "2 confirmed, 0 pending, 1 waitlisted" in result.output
    last = db.session.scalar(select(Registration).order_by(Registration.id.desc()))
    assert last.email == "p2@example.ru" and last.status == "waitlisted"


def test_the_previewed_list_waits_in_the_database_so_the_click_may_reach_another_app_server(
        app_config, client, make_event, organiser, tmp_path):
    from pathlib import Path

    from seminar import create_app
    from tests.conftest import sign_in

    event = make_event()
    user = organiser(event)
    page = client.post(f"/manage/events/{event.slug}/import",
                       data={"file": (io.BytesIO(xlsx(people(event, 2))), "list.xlsx")},
                       content_type="multipart/form-data")
    action = re.search(r'action="([^"]+/import/[0-9a-f]+)"', page.text).group(1)
    before = {p for p in Path(app_config["INSTANCE_PATH"]).rglob("*") if p.is_file()}
    assert not any("imports" in p.parts for p in before)  # nothing of the list on this server's disk
    second = create_app({**app_config, "INSTANCE_PATH": str(tmp_path / "server-2")})
    other = second.test_client()
    sign_in(other, user)
    done = other.post(action, data={"csrf_token": "-"}, follow_redirects=True)
    assert "Импортировано: 2" in done.text
    assert count(event) == 2
    again = other.post(action, data={"csrf_token": "-"})  # the kept list is gone once imported
    assert again.status_code == 404
