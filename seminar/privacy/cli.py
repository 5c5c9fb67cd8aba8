"""`privacy anonymise SLUG [--dry-run] [--force]`, `backup -o FILE` and `restore FILE [--force]`."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..dbtypes import utcnow
from ..events.models import Event
from ..extensions import db
from . import services
from .backup import BackupError, describe, make_backup, restore_backup
from .retention import EventNotOver, Report

privacy_cli = AppGroup("privacy", help="Personal data (152-FZ): retention and anonymisation.")


def _print(report: Report, dry_run: bool) -> None:
    verb = "would anonymise" if dry_run else "anonymised"
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(report.by_status.items())) or "none"
    click.echo(f"{report.event_slug}: {verb} {report.registrations} registrations ({statuses})")
    click.echo(f"  e-mails in the outbox {'to delete' if dry_run else 'deleted'}: {report.outbox_files}")
    for name, count in report.other.items():
        click.echo(f"  {name}: {count}")
    click.echo(f"  kept: {report.check_ins_kept} check-ins, {report.certificates_kept} certificates, "
               "counts by municipality, role and status")


@privacy_cli.command("anonymise")
@click.argument("slug")
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
@click.option("--force", is_flag=True, help="Anonymise even though the event has not ended.")
def anonymise_command(slug, dry_run, force):
    """Anonymise an ended event's personal data now (counts, check-in times, certificate codes stay)."""
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"no event {slug}")
    try:
        report = services.anonymise(event, utcnow(), actor="cli", force=force, dry_run=dry_run)
    except EventNotOver:
        db.session.commit()  # the refusal is in the audit log
        raise click.ClickException(f"{slug} has not ended yet: add --force to anonymise it anyway") from None
    db.session.commit()
    _print(report, dry_run)


@privacy_cli.command("run")
def run_command():
    """Anonymise every event whose retention has passed (what the queue does each night)."""
    reports = services.anonymise_due(utcnow())
    db.session.commit()
    for report in reports:
        _print(report, False)
    if not reports:
        click.echo("no event's retention has passed")


@click.command("backup")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The archive to write, e.g. backups/seminar-$(date +%F-%H%M).tar.gz")
def backup_command(output):
    """Back up the database and the instance's secret key into one file (safe while the app runs)."""
    db.session.remove()
    try:
        result = make_backup(current_app.config["SQLALCHEMY_DATABASE_URI"],
                             current_app.config["SECRET_KEY"], output)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror}") from exc
    click.echo(f"{result.path}: {describe(result.manifest)}")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the data of a database that is not empty.")
def restore_command(file, force):
    """Restore a backup into an empty database; the backup's secret key replaces the instance's."""
    db.session.remove()
    try:
        manifest = restore_backup(file, db.engine, current_app.instance_path, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {describe(manifest)}")
    click.echo("Next: `flask --app seminar db upgrade` (if the app is newer), then restart the app "
               "so it uses the restored secret key.")
