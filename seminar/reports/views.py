"""The organiser's final report: the page and its one-page PDF."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from ..access import managed_event_or_404
from ..features import features
from ..responses import pdf_response
from .pdf import report_pdf
from .services import build_report

bp = Blueprint("reports", __name__)


def survey_source():
    """The survey's averages, when a survey feature offers them (else None)."""
    sources = features().hook("survey_averages")
    return sources[0] if sources else None


@bp.get("/manage/events/<slug>/report")
@login_required
def report_page(slug):
    """Figures for the press: who came, from where, to which sessions; the press-release paragraph."""
    event = managed_event_or_404(slug)
    return render_template("reports/report.html", event=event, report=build_report(event, survey=survey_source()))


@bp.get("/manage/events/<slug>/report.pdf")
@login_required
def report_pdf_view(slug):
    """The same report on one A4 page."""
    event = managed_event_or_404(slug)
    return pdf_response(report_pdf(build_report(event, survey=survey_source())), f"{slug}-report.pdf")
