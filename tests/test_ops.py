"""Operations: /healthz, request logs without tokens, /metrics."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from seminar import create_app
from tests.conftest import ROOT


def test_healthz_reports_database_queue_and_no_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["redis"] == {"ok": True, "configured": False}
    assert body["queue"]["ok"] is True and body["queue"]["pending"] >= 0


def test_healthz_says_degraded_when_redis_is_away_and_down_without_database(app_config, tmp_path):
    app = create_app({**app_config, "REDIS_URL": "redis://127.0.0.1:1/0"})
    body = app.test_client().get("/healthz").get_json()
    assert body["status"] == "degraded" and body["redis"]["ok"] is False
    broken = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/x"})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["status"] == "down"


def test_request_log_is_json_with_an_id_and_no_personal_token(client, caplog, make_event, make_registration):
    registration = make_registration(make_event())
    with caplog.at_level(logging.INFO, logger="seminar.request"):
        response = client.get(f"/r/{registration.access_token}?lang=ru",
                              headers={"X-Request-ID": "nginx-42"})
    assert response.headers["X-Request-ID"] == "nginx-42"
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "seminar.request"]
    assert lines[-1]["request_id"] == "nginx-42" and lines[-1]["status"] == 200
    assert lines[-1]["route"] == "/r/<token>"
    assert registration.access_token not in caplog.text and registration.email not in caplog.text


def test_request_id_from_outside_is_replaced_when_it_is_not_sane(client):
    response = client.get("/healthz", headers={"X-Request-ID": "x" * 200})
    assert len(response.headers["X-Request-ID"]) == 32


def test_metrics_are_served_when_switched_on_and_count_by_endpoint(app_config):
    app = create_app({**app_config, "METRICS": True})
    client = app.test_client()
    client.get("/healthz")
    body = client.get("/metrics").get_data(as_text=True)
    assert "flask_http_request_total" in body and 'endpoint="ops.healthz"' in body
    assert create_app(app_config).test_client().get("/metrics").status_code == 404


@pytest.mark.postgres
def test_postgresql_going_away_answers_503_in_russian_and_the_app_reconnects_by_itself(
        app_config, postgres_url, make_event):
    """A PostgreSQL restart cuts every connection, and for a few seconds no new one is accepted:
    the visitor gets a clear 503 (nothing written), and once the server is back the same app
    serves again without a restart of its own."""
    import psycopg

    from seminar.extensions import db as app_db
    from tests.conftest import PG_ADMIN_URL

    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": postgres_url})
    name = postgres_url.rsplit("/", 1)[1]
    with app.app_context():
        app_db.create_all()
        app_db.session.remove()
    client = app.test_client()
    assert client.get("/").status_code == 200  # the pool now holds a live connection

    def restart(allow: bool) -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allow).lower()}')
            if not allow:
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))

    # A quick restart: the pooled connection is dead, the next request does not notice.
    restart(allow=False)
    restart(allow=True)
    assert client.get("/").status_code == 200
    # A longer one: the server refuses connections for a while.
    restart(allow=False)
    try:
        away = client.get("/")
        assert away.status_code == 503
        assert away.headers["Retry-After"] == "5"
        assert "База данных сейчас недоступна" in away.get_data(as_text=True)
        api = client.get("/api/v1/openapi.json")  # the document needs no database: still served
        assert api.status_code == 200
        door = client.post("/api/v1/events/forum/checkins", json={"code": "ABCD-EFGH"},
                           headers={"Authorization": "Bearer some-door-token"})
        assert door.status_code == 503 and door.headers["Retry-After"] == "5"
        assert door.get_json()["status"] == "database_unavailable"
        assert "База данных сейчас недоступна" in door.get_json()["message"]
    finally:
        restart(allow=True)
    assert client.get("/").status_code == 200  # reconnected, same process


def test_the_queue_worker_runs_at_lower_cpu_priority_than_the_web_server(runner, monkeypatch):
    """A 20,000-badge PDF keeps the worker busy for a minute: door scans on the same machine go first."""
    from seminar import queue

    asked: list[int] = []
    monkeypatch.setattr(queue, "lower_priority", lambda niceness: asked.append(niceness) or niceness)
    monkeypatch.setattr(queue.huey, "create_consumer", lambda **options: SimpleNamespace(run=lambda: None))
    shipped = runner.invoke(args=["worker"])
    assert shipped.exit_code == 0, shipped.output
    assert "at nice 10" in shipped.output
    assert runner.invoke(args=["worker", "--nice", "0"]).exit_code == 0
    assert asked == [queue.WORKER_NICE, 0] and queue.WORKER_NICE == 10


def test_lowering_the_priority_never_raises_it_back(tmp_path):
    """Started under `nice -n 15` (a systemd Nice=, say), the worker keeps 15, not the default 10."""
    script = ("import os, sys; from seminar.queue import lower_priority; os.nice(int(sys.argv[1])); "
              "print(lower_priority(10), lower_priority(12))")
    env = {**os.environ, "SEMINAR_INSTANCE_PATH": str(tmp_path)}
    env.pop("SEMINAR_REDIS_URL", None)
    base = os.getpriority(os.PRIO_PROCESS, 0)

    def run(extra: int) -> list[int]:
        done = subprocess.run([sys.executable, "-c", script, str(extra)], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=60, check=True)
        return [int(v) for v in done.stdout.split()]

    assert run(0) == [max(base, 10), max(base, 12)]
    assert run(15) == [min(base + 15, 19)] * 2
