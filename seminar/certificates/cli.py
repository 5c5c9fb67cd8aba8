"""`flask --app seminar certificates`: issue and print an event's certificates."""
from __future__ import annotations

from pathlib import Path

import click

from ..extensions import db
from ..links import public_url


@click.command("certificates")
@click.argument("slug")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--base-url", help="Site address the QR codes point to "
              "(default: SEMINAR_PUBLIC_URL, else http://127.0.0.1:5000).")
def certificates_command(slug, output, base_url):
    """Issue the missing certificates of an event and write them all to one PDF (one per A4 page)."""
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
    data = services.certificates_pdf(
        certificates, lambda code: public_url("certificates.verify", _base=base, code=code))
    db.session.commit()
    output.write_bytes(data)
    click.echo(f"{len(certificates)} certificates written to {output}")
