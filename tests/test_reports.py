"""The final report: figures equal the API's counts, numerals agree in Russian, one-page PDF, zeros."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest

from seminar.reports.numerals import counted
from seminar.reports.press import MUNICIPALITY, PARTICIPANT, REGISTERED, SESSION, SPEAKER

FORMS = {  # one / few / many, written out by hand: the rule the library must follow
    (PARTICIPANT, "nomn"): ("участник", "участника", "участников"),
    (SPEAKER, "nomn"): ("спикер", "спикера", "спикеров"),
    (SESSION, "accs"): ("секцию", "секции", "секций"),
    (MUNICIPALITY, "nomn"): ("муниципальное образование", "муниципальных образования",
                             "муниципальных образований"),
    (MUNICIPALITY, "gent"): ("муниципального образования", "муниципальных образований",
                             "муниципальных образований"),
    (REGISTERED, "gent"): ("зарегистрированного", "зарегистрированных", "зарегистрированных"),
}


def expected(n: int, forms: tuple[str, str, str]) -> str:
    """Russian counting: …1 (not …11) takes the first form, …2–4 (not …12–14) the second, else the third."""
    last, last_two = n % 10, n % 100
    if last == 1 and last_two != 11:
        return f"{n} {forms[0]}"
    if 2 <= last <= 4 and not 12 <= last_two <= 14:
        return f"{n} {forms[1]}"
    return f"{n} {forms[2]}"


@pytest.mark.parametrize("phrase,case", list(FORMS))
def test_numerals_agree_with_every_noun_from_0_to_200(phrase, case):
    forms = FORMS[(phrase, case)]
    if case == "gent":  # oblique cases: singular after …1, plural after everything else
        forms = (forms[0], forms[2], forms[2])
    wrong = [(n, counted(n, phrase, case)) for n in range(201) if counted(n, phrase, case) != expected(n, forms)]
    assert wrong == []


def test_the_issue_examples_read_as_written():
    assert counted(100, PARTICIPANT) == "100 участников"
    assert counted(24, MUNICIPALITY) == "24 муниципальных образования"
    assert counted(21, MUNICIPALITY) == "21 муниципальное образование"
    assert counted(1, SPEAKER) == "1 спикер"
    assert counted(5, SPEAKER) == "5 спикеров"


def auth(user):
    return {"Authorization": f"Bearer {user.api_token}"}


@pytest.fixture
def forum(make_event, make_municipality, make_registration, make_session):
    """Three municipalities of five in the region registered; people from two came; one cancelled."""
    region_places = [make_municipality(name=f"Район {i}") for i in range(5)]
    event = make_event(municipality=region_places[0])
    people = []
    for i, place in enumerate(region_places[:3]):
        for j in range(i + 2):
            people.append(make_registration(event, municipality=place, last_name=f"Участник{i}{j}"))
    make_registration(event, municipality=region_places[4], status="cancelled", last_name="Отменил")
    speaker = make_registration(event, municipality=region_places[0], role="speaker", last_name="Докладов")
    make_session(event, "Открытие", speakers=[speaker])
    make_session(event, "Перерыв на кофе", kind="break", offset=timedelta(hours=1))
    return event, people, speaker


def test_report_figures_equal_the_counts_made_from_the_api(client, forum, make_user):
    event, people, speaker = forum
    user = make_user("org@example.ru", event=event)
    for person in people[:4] + [speaker]:
        response = client.post(f"/api/v1/events/{event.slug}/checkins", headers=auth(user),
                               json={"code": person.badge_code})
        assert response.status_code == 201
    report = client.get(f"/api/v1/events/{event.slug}/report", headers=auth(user)).get_json()
    stats = client.get(f"/api/v1/events/{event.slug}/stats", headers=auth(user)).get_json()
    listed = client.get(f"/api/v1/events/{event.slug}/registrations?per_page=500",
                        headers=auth(user)).get_json()["items"]

    came = [r for r in listed if r["checked_in_at"]]
    assert report["registered"] == stats["registered"] == sum(r["status"] != "cancelled" for r in listed) == 10
    assert report["confirmed"] == stats["confirmed"] == sum(r["status"] == "confirmed" for r in listed)
    assert report["came"] == stats["checked_in"] == len(came) == 5
    assert report["municipalities_represented"] == len({r["municipality"] for r in came}) == 2
    assert report["municipalities_total"] == 5
    by_api = {m["municipality"]: (m["registered"], m["checked_in"]) for m in stats["by_municipality"]}
    assert {m["municipality"]: (m["registered"], m["came"]) for m in report["by_municipality"]} == by_api
    assert [s["title"] for s in report["sessions"]] == ["Открытие"]  # a break is not a session
    assert report["sessions"][0]["speakers"] == [speaker.display_name]
    assert "На него пришли 5 участников из 10 зарегистрированных." in report["press_text"]
    assert "Были представлены 2 муниципальных образования из 5 в регионе." in report["press_text"]
    assert "Программа включала 1 секцию, выступил 1 спикер." in report["press_text"]


def test_an_event_with_no_arrivals_reports_zeros_on_page_pdf_and_api(client, make_event, make_user):
    event = make_event()
    user = make_user("org@example.ru", event=event)
    report = client.get(f"/api/v1/events/{event.slug}/report", headers=auth(user)).get_json()
    assert (report["registered"], report["confirmed"], report["came"], report["municipalities_represented"]) \
        == (0, 0, 0, 0)
    assert report["by_municipality"] == [] and report["sessions"] == [] and report["survey"] == []
    client.post("/login", data={"email": user.email, "password": "secret-pass-1"})
    page = client.get(f"/manage/events/{event.slug}/report")
    assert page.status_code == 200 and "0 из 1" in page.get_data(as_text=True)
    assert client.get(f"/manage/events/{event.slug}/report.pdf").status_code == 200


def pdf_text(data: bytes) -> str:
    from pdfminer.high_level import extract_text

    return " ".join(extract_text(io.BytesIO(data)).split())


def test_report_pdf_is_one_page_with_cyrillic_fonts_and_the_press_text(client, forum, make_user):
    from pypdf import PdfReader

    event, people, _ = forum
    user = make_user("org@example.ru", event=event)
    client.post("/login", data={"email": user.email, "password": "secret-pass-1"})
    response = client.get(f"/manage/events/{event.slug}/report.pdf")
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    fonts = {f["/BaseFont"] for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert all("PTSans" in name for name in fonts)
    text = pdf_text(response.data)
    assert "Явка по муниципальным образованиям" in text
    assert "Зарегистрировались 10 участников" in text


def test_report_is_for_organisers_of_the_event(client, make_event, make_user):
    event, other = make_event(), make_event()
    door = make_user("door@example.ru", role="door", event=event)
    stranger = make_user("org2@example.ru", event=other)
    assert client.get(f"/api/v1/events/{event.slug}/report").status_code == 401
    assert client.get(f"/api/v1/events/{event.slug}/report", headers=auth(door)).status_code == 403
    assert client.get(f"/api/v1/events/{event.slug}/report", headers=auth(stranger)).status_code == 403
    client.post("/login", data={"email": stranger.email, "password": "secret-pass-1"})
    assert client.get(f"/manage/events/{event.slug}/report.pdf").status_code == 403


def test_organiser_card_links_to_the_report(client, make_event, make_user):
    event = make_event()
    user = make_user("org@example.ru", event=event)
    client.post("/login", data={"email": user.email, "password": "secret-pass-1"})
    html = client.get(f"/manage/events/{event.slug}/").get_data(as_text=True)
    assert f'href="/manage/events/{event.slug}/report"' in html and "Итоговый отчёт" in html


def test_survey_averages_appear_once_a_survey_feature_gives_them(app, client, make_event, make_user,
                                                                 monkeypatch):
    from seminar.features import features

    event = make_event()
    user = make_user("org@example.ru", event=event)
    monkeypatch.setitem(features(app).hooks, "survey_averages", [lambda e: [("Полезность форума", 4.567)]])
    report = client.get(f"/api/v1/events/{event.slug}/report", headers=auth(user)).get_json()
    assert report["survey"] == [{"label": "Полезность форума", "average": 4.57}]


def test_openapi_lists_the_report_path(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/events/{slug}/report"]
    assert "post" in paths["/events/{slug}/sessions/{session_id}/attendance"]


def test_press_text_has_no_untouched_placeholders(client, forum, make_user):
    event, _, _ = forum
    user = make_user("org@example.ru", event=event)
    text = client.get(f"/api/v1/events/{event.slug}/report", headers=auth(user)).get_json()["press_text"]
    assert not re.search(r"[{}%]", text)


@pytest.mark.browser
def test_report_page_on_desktop_and_phone_shows_the_demo_forum(live_server, browser):
    from conftest import DESKTOP, PHONE, screenshot

    live_server.flask("demo-arrivals")
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(**size)
        page = context.new_page()
        page.goto(f"{live_server.url}/login?next=/manage/events/belogorsk-2022/report")
        page.fill("#email", "organiser@belogorsk-forum.ru")
        page.fill("#password", live_server.passwords["organiser@belogorsk-forum.ru"])
        page.click("button[type=submit]")
        page.wait_for_url("**/report")
        assert page.locator("#report-came").inner_text() == "100"
        assert page.locator("#report-municipalities").inner_text() == "29 из 29"
        assert "На него пришли 100 участников из 120 зарегистрированных." in page.locator("#report-press").input_value()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing spills sideways
        screenshot(page, f"report-{name}")
        context.close()
