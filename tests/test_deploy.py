"""deploy/: Debian's nginx with our configuration in front of two app servers on PostgreSQL + Redis."""
from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from conftest import ROOT, free_port, skip_or_fail, start_live_server
from test_concurrency import race_registrations

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_conf(tmp_path, app_ports: list[int], port: int) -> str:
    """deploy/nginx/seminar.conf with the lines marked TEST made fit for a test on loopback."""
    site = (ROOT / "deploy" / "nginx" / "seminar.conf").read_text()
    fmt = (ROOT / "deploy" / "nginx" / "seminar-log-format.conf").read_text()
    upstream = "".join(f"    server 127.0.0.1:{p};\n" for p in app_ports)
    site = re.sub(r"    server 127\.0\.0\.1:5001.*\n    server 127\.0\.0\.1:5002.*\n", upstream, site)
    site = re.sub(r"server \{\n    listen 80;.*?\n\}\n", "", site, flags=re.S)  # no redirect server
    site = site.replace("listen 443 ssl http2;  # TEST: listen", f"listen 127.0.0.1:{port};")
    site = re.sub(r".*# TEST: tls\n", "", site)
    site = site.replace("/var/log/nginx/seminar.access.log", str(tmp_path / "access.log"))
    return (f"daemon off;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
            "events { worker_connections 512; }\n"
            f"http {{\n client_body_temp_path {tmp_path}/body;\n proxy_temp_path {tmp_path}/proxy;\n"
            f" fastcgi_temp_path {tmp_path}/fcgi;\n uwsgi_temp_path {tmp_path}/uwsgi;\n"
            f" scgi_temp_path {tmp_path}/scgi;\n{fmt}\n{site}\n}}\n")


@pytest.fixture
def two_servers_behind_nginx(tmp_path, postgres_url, redis_url):
    if not shutil.which(NGINX) and not (ROOT / NGINX).exists():
        skip_or_fail("no nginx: apt-get install nginx")
    shared = {"SEMINAR_DATABASE_URL": postgres_url, "SEMINAR_REDIS_URL": redis_url,
              "SEMINAR_SECRET_KEY": "one-key-for-every-server", "SEMINAR_BEHIND_PROXY": "1"}
    servers = []
    for name in ("app-1", "app-2"):
        instance = tmp_path / name
        instance.mkdir()
        servers.append(start_live_server(instance, shared))
    servers[0].flask("demo")
    port = free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_conf(tmp_path, [int(s.url.rsplit(":", 1)[1]) for s in servers], port))
    check = subprocess.run([NGINX, "-t", "-c", str(conf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    nginx = subprocess.Popen([NGINX, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}", servers, tmp_path
    nginx.terminate()
    nginx.wait(10)
    for server in servers:
        server.stop()


@pytest.mark.postgres
@pytest.mark.redis
def test_last_seat_race_through_nginx_and_two_app_servers(two_servers_behind_nginx):
    import sqlalchemy

    base, servers, tmp_path = two_servers_behind_nginx
    slug = race_slug(servers[0])
    open_seats = 150 - confirmed(servers[0], slug)
    codes = race_registrations(base, slug, open_seats + 20)
    assert codes == [302] * (open_seats + 20)
    engine = sqlalchemy.create_engine(servers[0].env["SEMINAR_DATABASE_URL"])
    with engine.connect() as conn:
        rows = dict(conn.execute(sqlalchemy.text(
            "SELECT status, count(*) FROM registration WHERE email LIKE 'race%' GROUP BY status")).all())
    engine.dispose()
    assert rows == {"confirmed": open_seats, "waitlisted": 20}
    # Both app servers took part (their JSON request logs), and nginx's log holds no personal token.
    for server in servers:
        posts = [line for line in (server.instance / "gunicorn.log").read_text().splitlines()
                 if '"route": "/events/<slug>/register"' in line and '"method": "POST"' in line]
        assert posts, f"{server.url} served no registration"
    access = (tmp_path / "access.log").read_text()
    assert "/events/" in access and not re.search(r"/r/(?!\*\*\*)[A-Za-z0-9_-]{8,}", access)


@pytest.mark.postgres
@pytest.mark.redis
def test_health_is_ok_through_nginx_on_every_server(two_servers_behind_nginx):
    base, servers, _ = two_servers_behind_nginx
    for url in [base] * 4 + [server.url for server in servers]:
        with urllib.request.urlopen(url + "/healthz", timeout=10) as response:
            body = json.load(response)
            assert body["status"] == "ok" and body["redis"]["ok"] and body["database"]["ok"]
            if url == base:  # nginx's own request id reaches the app and comes back
                assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def race_slug(server) -> str:
    """The demo event whose registration is open."""
    for slug in ("belogorsk-next", "belogorsk-2022"):
        try:
            with urllib.request.urlopen(f"{server.url}/events/{slug}/register", timeout=10) as response:
                if 'name="csrf_token"' in response.read().decode():
                    return slug
        except urllib.error.HTTPError:
            continue
    raise AssertionError("no demo event open for registration")


def confirmed(server, slug: str) -> int:
    import sqlalchemy

    engine = sqlalchemy.create_engine(server.env["SEMINAR_DATABASE_URL"])
    with engine.connect() as conn:
        n = conn.execute(sqlalchemy.text(
            "SELECT count(*) FROM registration r JOIN event e ON e.id = r.event_id "
            "WHERE e.slug = :slug AND r.status = 'confirmed'"), {"slug": slug}).scalar_one()
    engine.dispose()
    return n
