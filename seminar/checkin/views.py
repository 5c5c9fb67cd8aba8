"""Door pages: the scanner page (with its PWA files), the live dashboard and the no-shows export."""
from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from ..access import managed_event_or_404
from ..responses import download
from ..templating import ROLE_LABELS
from .exports import no_shows_csv, no_shows_xlsx
from .roster import event_stats

bp = Blueprint("checkin", __name__)

@bp.get("/manage/events/<slug>/checkin")
@login_required
def door(slug):
    """The door page: scanner input, camera, name search, result card, offline queue."""
    event = managed_event_or_404(slug, "check_in")
    return render_template("checkin/door.html", event=event, stats=event_stats(event),
                           api_base=_api_base(slug),
                           roles={k: str(v) for k, v in ROLE_LABELS.items()})


@bp.get("/manage/events/<slug>/checkin/sw.js")
def service_worker(slug):
    """The door page's service worker; served beside the page so its scope covers it."""
    body = render_template("checkin/sw.js", slug=slug,
                           shell=[url_for(".door", slug=slug),
                                  url_for(".manifest", slug=slug),
                                  url_for("static", filename="css/app.css"),
                                  url_for("static", filename="js/door.js"),
                                  url_for("static", filename="js/door-store.js"),
                                  url_for("static", filename="js/door-camera.js"),
                                  url_for("static", filename="img/door-192.png")])
    return Response(body, mimetype="text/javascript", headers={
        "Cache-Control": "no-cache",
        # The page is /…/checkin and the script /…/checkin/sw.js: allow the wider scope.
        "Service-Worker-Allowed": url_for(".door", slug=slug),
    })


@bp.get("/manage/events/<slug>/checkin/manifest.webmanifest")
def manifest(slug):
    """The web app manifest that makes the door page installable on a phone's home screen."""
    door_url = url_for(".door", slug=slug)
    data = {
        "name": str(_l("Вход: сканер")) + f" — {slug}",
        "short_name": str(_l("Вход")),
        "start_url": door_url,
        "scope": door_url,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f4f6f9",
        "theme_color": "#1f5fae",
        "icons": [
            {"src": url_for("static", filename="img/door-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": url_for("static", filename="img/door-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "any maskable"},
        ],
    }
    return Response(json.dumps(data, ensure_ascii=False), mimetype="application/manifest+json")


@bp.get("/manage/events/<slug>/dashboard")
@login_required
def dashboard(slug):
    """Live arrivals for organisers: over time and per municipality, refreshed by polling."""
    event = managed_event_or_404(slug, "manage")
    return render_template("checkin/dashboard.html", event=event, stats=event_stats(event),
                           api_base=_api_base(slug))


@bp.get("/manage/events/<slug>/no-shows.csv")
@login_required
def no_shows_csv_view(slug):
    """Confirmed participants who did not come, as CSV (UTF-8 with BOM) for Excel."""
    event = managed_event_or_404(slug, "manage")
    return download(no_shows_csv(event, ROLE_LABELS), f"{slug}-no-shows.csv")


@bp.get("/manage/events/<slug>/no-shows.xlsx")
@login_required
def no_shows_xlsx_view(slug):
    """Confirmed participants who did not come, as an Excel workbook."""
    event = managed_event_or_404(slug, "manage")
    return download(no_shows_xlsx(event, ROLE_LABELS), f"{slug}-no-shows.xlsx")


def _api_base(slug: str) -> str:
    return url_for("api.stats", slug=slug).rsplit("/", 1)[0]

