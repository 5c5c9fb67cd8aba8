"""`flask --app seminar certificates`: issue and print an event's certificates."""
from __future__ import annotations

from pathlib import Path

import click

from ..extensions import db
from ..links import public_url


@click.command("certificates")
@click.argument("slug")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--zip", "as_zip", is_flag=True,
              help="Write a ZIP with one PDF per person, named by ФИО, instead of one PDF.")
@click.option("--base-url", help="Site address the QR codes point to "
              "(default: SEMINAR_PUBLIC_URL, else http://127.0.0.1:5000).")
def certificates_command(slug, output, as_zip, base_url):
    """Issue the missing certificates of an event and write them to one PDF (one per A4 page),
    or with --zip to a ZIP of one PDF per person."""
    from flask import current_app
    from sqlalchemy import select

    from ..dbtypes import utcnow
    from ..events.models import Event
    from . import services

    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"no event with slug {slug}")
    base = (base_url or current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/")
    certificates = services.issue_all(event, utcnow())
    if not certificates:
        raise click.ClickException("no certificates: they go to people checked in at the door, "
                                   "once the event has ended")

    def verify_url(code: str) -> str:
        return public_url("certificates.verify", _base=base, code=code)

    if as_zip:
        with output.open("wb") as out:
            services.write_zip(certificates, verify_url, out)
    else:
        output.write_bytes(services.certificates_pdf(certificates, verify_url))
    db.session.commit()
    click.echo(f"{len(certificates)} certificates written to {output}")
