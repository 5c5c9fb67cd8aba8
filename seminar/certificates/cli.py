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
@click.option("--base-url", help="Site address the QR codes point to (default: SEMINAR_PUBLIC_URL).")
@click.option("--allow-local", is_flag=True,
              help="Print even if the QR codes would point to this machine only (localhost, 127.0.0.1).")
def certificates_command(slug, output, as_zip, base_url, allow_local):
    """Issue the missing certificates of an event and write them to one PDF (one per A4 page),
    or with --zip to a ZIP of one PDF per person."""
    from sqlalchemy import select

    from ..dbtypes import utcnow
    from ..events.models import Event
    from ..links import is_loopback, public_base
    from . import services

    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"no event with slug {slug}")
    base = (base_url or public_base()).rstrip("/")
    if is_loopback(base) and not allow_local:
        raise click.ClickException(
            f"the QR codes would point to {base}, which no phone can open; set SEMINAR_PUBLIC_URL "
            "or --base-url to the site's public address (or pass --allow-local for a test print)")
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
