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
    """Load the demo forums (belogorsk-2022 as it happened, belogorsk-next open); running it again changes nothing."""
    from . import demo

    result = demo.load_demo()
    db.session.commit()
    _echo_demo(result)


def _echo_demo(result) -> None:
    """Say what the demo loading did, and the new staff accounts' passwords (shown only now)."""
    from . import demo

    for slug in (demo.SLUG, demo.NEXT_SLUG):
        click.echo(("Created" if slug in result.created else "Already present:") + f" demo forum {slug}.")
    if result.accounts:
        click.echo("Sign in at /login with these passwords, made for this instance and shown only now:")
        for email, password in result.accounts.items():
            click.echo(f"  {email}  {password}")
    else:
        click.echo(f"Demo accounts {demo.ORGANISER_EMAIL} and {demo.DOOR_EMAIL} keep their passwords; "
                   "set a new one with `flask user create EMAIL --role ROLE --password-stdin`.")


@click.command("demo-arrivals")
def demo_arrivals_command():
    """Kept for old scripts: the demo's 2022 forum now comes with its 100 arrivals."""
    from . import demo

    result = demo.load_demo()
    db.session.commit()
    _echo_demo(result)
    click.echo(f"The demo forum {demo.SLUG} has its {demo.CHECKED_IN} check-ins.")


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
    """Send again the messages kept in <instance>/outbox/failed/ while the mail server was down."""
    from flask import current_app

    from . import mail

    settings = mail.MailSettings.from_config(current_app.config)
    if not settings.url:
        raise click.ClickException("SEMINAR_MAIL_URL is not set")
    sent, failed = mail.resend_failed(settings)
    click.echo(f"sent {sent}, still failing {failed}")


@click.command("seed-if-empty")
def seed_if_empty():
    """Load the demo into the instance's own SQLite database when it has no events (used by make run)."""
    from flask import current_app
    from sqlalchemy import func, select

    from . import demo
    from .events.models import Event

    own = "sqlite:///" + str(Path(current_app.instance_path) / "seminar.sqlite3")
    if current_app.config["SQLALCHEMY_DATABASE_URI"] != own:
        click.echo("SEMINAR_DATABASE_URL is set; demo not loaded (run `flask demo` to load it there).")
    elif db.session.scalar(select(func.count(Event.id))):
        click.echo("Database has events; demo not loaded.")
        from .auth.services import find_user

        if find_user(demo.ORGANISER_EMAIL) is not None:
            click.echo(f"Demo accounts {demo.ORGANISER_EMAIL} and {demo.DOOR_EMAIL} keep the passwords "
                       "printed when the demo was loaded.")
    else:
        result = demo.load_demo()
        db.session.commit()
        _echo_demo(result)


def init_app(app: Flask) -> None:
    for command in (demo_command, demo_arrivals_command, seed_if_empty, mail_cli, user_cli, token_cli,
                    municipalities_cli):
        app.cli.add_command(command)
