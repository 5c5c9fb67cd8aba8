"""`flask --app seminar badges`: bulk badge PDFs from the command line."""
from __future__ import annotations

from pathlib import Path

import click

from ..extensions import db


@click.command("badges")
@click.argument("slug")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--layout", type=click.Choice(["a6", "card", "single"]), default="a6", show_default=True,
              help="a6: 4 per A4; card: 90×55 mm cards on A4; single: one per page.")
@click.option("--sort", type=click.Choice(["name", "municipality"]), default="name", show_default=True)
@click.option("--role", type=click.Choice(["participant", "speaker", "organiser", "press", "guest"]))
@click.option("--not-printed", is_flag=True, help="Only badges not marked as printed yet.")
@click.option("--mark-printed", is_flag=True, help="Mark the badges in this file as printed.")
def badges_command(slug, output, layout, sort, role, not_printed, mark_printed):
    """Write the badges of an event's confirmed participants to one PDF."""
    from sqlalchemy import select

    from ..dbtypes import utcnow
    from ..events.models import Event
    from . import services

    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"no event with slug {slug}")
    batch = services.BadgeBatch(layout=layout, sort=sort, role=role, not_printed=not_printed,
                                mark_printed=mark_printed)
    with output.open("wb") as out:
        drawn = services.write_badges(event, batch, out, lambda done, total: None)
    if batch.mark_printed:
        services.mark_printed(drawn, utcnow())
    db.session.commit()
    click.echo(f"{len(drawn)} badges written to {output}")
