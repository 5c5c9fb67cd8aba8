"""GET /metrics in Prometheus' format (SEMINAR_METRICS=1), by prometheus-flask-exporter.

Requests are counted per endpoint (never per path: paths hold personal tokens). Under gunicorn
each worker keeps its own counters unless PROMETHEUS_MULTIPROC_DIR names a shared folder.
"""
from __future__ import annotations

import os

from flask import Flask


def init_app(app: Flask) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics

        GunicornInternalPrometheusMetrics(app, group_by="endpoint")
    else:
        from prometheus_flask_exporter import PrometheusMetrics

        PrometheusMetrics(app, group_by="endpoint")
