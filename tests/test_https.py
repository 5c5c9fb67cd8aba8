"""HTTPS=1 make run: a self-signed certificate made once in the instance folder."""
from __future__ import annotations

import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from cryptography import x509

from seminar.tls import ensure_certificate
from tests.conftest import ROOT, free_port


def test_certificate_is_made_once_and_covers_localhost(tmp_path):
    cert, key = ensure_certificate(str(tmp_path), "0.0.0.0")
    again = ensure_certificate(str(tmp_path), "0.0.0.0")
    assert (cert, key) == again
    parsed = x509.load_pem_x509_certificate(Path(cert).read_bytes())
    names = parsed.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert parsed.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_https_run_serves_the_app_over_tls(tmp_path):
    import os

    port = free_port()
    env = {**os.environ, "SEMINAR_INSTANCE_PATH": str(tmp_path), "HTTPS": "1", "PORT": str(port),
           "HOST": "127.0.0.1", "WORKERS": "1", "THREADS": "2"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "seminar", "db", "upgrade"], env=env, cwd=ROOT,
                   check=True, capture_output=True)
    proc = subprocess.Popen([sys.executable, "-m", "seminar.serve"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline, body = time.time() + 30, None
        while time.time() < deadline:
            try:
                context = ssl.create_default_context(cafile=str(tmp_path / "tls" / "cert.pem"))
                context.check_hostname = False
                with urllib.request.urlopen(f"https://127.0.0.1:{port}/", context=context, timeout=2) as r:
                    body = r.read().decode()
                break
            except OSError:
                time.sleep(0.3)
        assert body is not None and "Мероприятия" in body
    finally:
        proc.terminate()
        proc.wait(10)
