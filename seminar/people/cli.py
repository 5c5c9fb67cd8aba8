"""`flask --app seminar registrations import SLUG FILE [--dry-run]`."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..audit.services import record
from ..dbtypes import utcnow
from ..events.models import Event
from ..extensions import db
from .importing import ImportRefused, apply, preview
from .jobs import send_personal_links
from .reading import MAX_BYTES, UnreadableFile

registrations_cli = AppGroup("registrations", help="Registrations of an event.")


@registrations_cli.command("import")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; add nobody.")
@click.option("--no-links", is_flag=True, help="Do not e-mail the imported people their personal links.")
def import_command(slug, file, dry_run, no_links):
    """Import participants from an XLSX or CSV list (one transaction: all rows or none)."""
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"no event with slug {slug}")
    if file.stat().st_size > MAX_BYTES:
        raise click.ClickException(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        result = preview(event, file.read_bytes(), file.name)
    except (UnreadableFile, ImportRefused) as exc:
        raise click.ClickException(str(exc.message)) from None
    for row in result.errors:
        hint = f" (maybe: {', '.join(row.suggestions)})" if row.suggestions else ""
        click.echo(f"row {row.number}: " + "; ".join(row.errors) + hint, err=True)
    click.echo(f"{len(result.rows)} rows, {len(result.errors)} with errors.")
    if dry_run:
        click.echo("Dry run: nothing imported.")
        return
    try:
        applied = apply(event, result, now=utcnow())
    except ImportRefused as exc:
        raise click.ClickException(str(exc.message)) from None
    record("registration.import", actor="cli", event_id=event.id,
           detail={"rows": len(applied.ids), "links": not no_links})
    db.session.commit()
    click.echo(f"Imported {len(applied.ids)}: {applied.count('confirmed')} confirmed, "
               f"{applied.count('pending')} pending, {applied.count('waitlisted')} waitlisted.")
    if not no_links:
        send_personal_links(applied.ids)
