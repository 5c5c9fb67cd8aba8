"""A choice's own limit under real concurrent requests against gunicorn: 60 people, a 40-seat practicum."""
from __future__ import annotations

import json
import re
import sqlite3
import threading
import urllib.request

import pytest

from tests.test_concurrency import Browserish, race_registrations

#: The demo's open forum (belogorsk-next; belogorsk-2022 where the demo has no next edition yet).
SLUGS = ("belogorsk-next", "belogorsk-2022")
OPEN_WIDE = ("UPDATE event SET capacity = 1000, registration_opens = NULL, registration_closes = NULL "
             "WHERE slug = '{slug}'")


def _organiser_token(server, slug: str) -> str:
    server.flask("user", "create", "race-org@example.ru", "--role", "organiser", "--event", slug,
                 "--password-stdin", input="race-pass-123\n")
    return server.flask("token", "create", "race-org@example.ru").strip().splitlines()[-1].strip()


def _add_practicum(server, slug: str, token: str) -> int:
    request = urllib.request.Request(
        f"{server.url}/api/v1/events/{slug}/questions", method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        data=json.dumps({"kind": "registration", "type": "choice", "label": "Секция", "required": True,
                         "choices": ["Практикум", "Лекция"], "limits": {"Практикум": 40}}).encode())
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        return json.load(response)["id"]


def race_for_practicum(server, slug: str, question_id: int, count: int = 60) -> list[int]:
    return race_registrations(server.url, slug, count, email_prefix="practicum", last_name="Практикова",
                              extra={f"q_{question_id}": "Практикум"})


COUNT_SQL = ("SELECT count(*) FROM answer JOIN registration ON registration.id = answer.registration_id "
             "WHERE answer.value = 'Практикум' AND registration.email LIKE 'practicum%'")
REGISTERED_SQL = "SELECT count(*) FROM registration WHERE email LIKE 'practicum%'"


def test_sixty_people_race_for_a_forty_seat_practicum_exactly_forty_get_it(live_server):
    db = sqlite3.connect(live_server.instance / "seminar.sqlite3")
    slug = next(s for s in SLUGS if db.execute("SELECT 1 FROM event WHERE slug = ?", (s,)).fetchone())
    db.execute(OPEN_WIDE.format(slug=slug))
    db.commit()
    question_id = _add_practicum(live_server, slug, _organiser_token(live_server, slug))
    codes = race_for_practicum(live_server, slug, question_id)
    assert sorted(codes) == [200] * 20 + [302] * 40, live_server.errors()
    assert db.execute(COUNT_SQL).fetchone()[0] == 40
    # The 20 refused kept their form (with a message) and were not registered without their choice.
    assert db.execute(REGISTERED_SQL).fetchone()[0] == 40


@pytest.mark.postgres
def test_practicum_race_on_postgresql(pg_live_server):
    import sqlalchemy

    engine = sqlalchemy.create_engine(pg_live_server.database_url)
    with engine.begin() as conn:
        slug = next(s for s in SLUGS if conn.execute(
            sqlalchemy.text("SELECT 1 FROM event WHERE slug = :s"), {"s": s}).first())
        conn.execute(sqlalchemy.text(OPEN_WIDE.format(slug=slug)))
    question_id = _add_practicum(pg_live_server, slug, _organiser_token(pg_live_server, slug))
    codes = race_for_practicum(pg_live_server, slug, question_id)
    with engine.connect() as conn:
        taken = conn.execute(sqlalchemy.text(COUNT_SQL)).scalar()
        registered = conn.execute(sqlalchemy.text(REGISTERED_SQL)).scalar()
    engine.dispose()
    assert sorted(codes) == [200] * 20 + [302] * 40, pg_live_server.errors()
    assert taken == 40 and registered == 40


def test_an_anonymous_survey_sent_from_two_tabs_at_once_is_one_response(live_server):
    live_server.flask("demo-arrivals")
    db = sqlite3.connect(live_server.instance / "seminar.sqlite3")
    event_id = db.execute("SELECT id FROM event WHERE slug = 'belogorsk-2022'").fetchone()[0]
    db.execute("INSERT INTO survey_settings (event_id, anonymous, certificate_after_survey, open_days) "
               "VALUES (?, 1, 0, 100000)", (event_id,))  # the demo forum ended in 2022: keep it open
    db.commit()
    access_token = db.execute(
        "SELECT access_token FROM registration JOIN checkin ON checkin.registration_id = registration.id "
        "WHERE registration.event_id = ? LIMIT 1", (event_id,)).fetchone()[0]
    token = _organiser_token(live_server, "belogorsk-2022")
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/events/belogorsk-2022/questions", method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        data=json.dumps({"kind": "survey", "type": "rating", "label": "Оценка", "required": True}).encode())
    with urllib.request.urlopen(request, timeout=30) as response:
        question_id = json.load(response)["id"]
    tabs = [Browserish(live_server.url) for _ in range(2)]
    forms = []
    for mark, tab in zip(("4", "5"), tabs, strict=True):
        html = tab.get(f"/r/{access_token}/survey")
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        forms.append({"csrf_token": csrf, f"q_{question_id}": mark})
    barrier = threading.Barrier(2)
    codes = [0, 0]

    def send(i):
        barrier.wait()
        codes[i] = tabs[i].post(f"/r/{access_token}/survey", forms[i])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # The later tab is told it has already answered (a page, or a redirect with a message).
    assert 302 in codes and set(codes) <= {200, 302}
    assert db.execute("SELECT count(*) FROM survey_response").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM answer WHERE response_id IS NOT NULL").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM survey_participation").fetchone()[0] == 1
