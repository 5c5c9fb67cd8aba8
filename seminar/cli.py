"""The app-wide commands (demo, accounts, tokens, municipalities, mail); features add their own
through `features(app).add_commands` (badges, certificates…). Each is thin: parse, call a service, print."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from .extensions import db

user_cli = AppGroup("user", help="Staff accounts.")
token_cli = AppGroup("token", help="API tokens.")
municipalities_cli = AppGroup("municipalities", help="The municipalities registrants choose from.")


@click.command("demo")
def demo_command():
    """Load the demo forum (belogorsk-2022); running it again changes nothing."""
    from . import demo

    event, created = demo.load_demo()
    db.session.commit()
    click.echo(("Created" if created else "Already present:") + f" demo forum {event.slug}.")
    click.echo(f"Organiser: {demo.ORGANISER_EMAIL} / {demo.ORGANISER_PASSWORD}")
    click.echo(f"Door:      {demo.DOOR_EMAIL} / {demo.DOOR_PASSWORD}")


@click.command("demo-arrivals")
def demo_arrivals_command():
    """Check in 100 of the demo forum's 120 people at 09:20–10:10, to try the dashboard and certificates."""
    from . import demo

    added = demo.load_demo_arrivals()
    db.session.commit()
    click.echo(f"{added} demo check-ins added." if added else "The demo forum already has check-ins.")


@user_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "organiser", "door"]), required=True)
@click.option("--event", "event_slug", help="Slug of the event this account works on.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_create(email, role, event_slug, password_stdin):
    """Create a staff account (or update its role and password)."""
    from .auth.services import AccountError, create_or_update_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_or_update_user(email, role, password, event_slug)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"User {user.email} ({user.role}) saved.")


@token_cli.command("create")
@click.argument("email")
def token_create(email):
    """Print a new API token for the user (shown once, stored hashed)."""
    from .auth.services import create_token, find_user

    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no user {email}")
    token = create_token(user)
    db.session.commit()
    click.echo(token)


@municipalities_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def municipalities_import(file):
    """Import municipalities from a CSV with columns region,name,kind."""
    from .events.importing import MunicipalityImportError, import_municipalities

    try:
        result = import_municipalities(file.read_text(encoding="utf-8-sig"))
    except (MunicipalityImportError, UnicodeDecodeError) as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}")


mail_cli = AppGroup("mail", help="Outgoing e-mail.")


@mail_cli.command("resend")
def mail_resend():
    """Send again the messages that failed (the mail server refused them or was down too long)."""
    from .messages import outbox

    queued = outbox.retry_failed(wake_queue=False)
    db.session.commit()
    result = outbox.drain()
    click.echo(f"queued {queued}; sent {result.sent}, still failing {result.failed + result.retrying}")


@click.command("seed-if-empty")
def seed_if_empty():
    """Load the demo forum when the database has no events (used by make run), and say how to sign in."""
    from sqlalchemy import func, select

    from . import demo
    from .auth.services import find_user
    from .events.models import Event

    if db.session.scalar(select(func.count(Event.id))):
        click.echo("Database has events; demo not loaded.")
    else:
        demo.load_demo()
        db.session.commit()
        click.echo("Loaded the demo forum belogorsk-2022.")
    if find_user(demo.ORGANISER_EMAIL) is not None:
        click.echo("Sign in at /login:")
        click.echo(f"  organiser  {demo.ORGANISER_EMAIL} / {demo.ORGANISER_PASSWORD}")
        click.echo(f"  door       {demo.DOOR_EMAIL} / {demo.DOOR_PASSWORD}")


def init_app(app: Flask) -> None:
    for command in (demo_command, demo_arrivals_command, seed_if_empty, mail_cli, user_cli, token_cli,
                    municipalities_cli):
        app.cli.add_command(command)
