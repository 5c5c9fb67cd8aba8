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


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _user_or_fail(email: str):
    from .auth.services import find_user

    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no user {email}")
    return user


@user_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "organiser", "door"]), required=True)
@click.option("--event", "event_slug", help="Slug of the event this account works on.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--allow-events/--no-allow-events", default=None,
              help="An organiser may create and publish events (admins always may).")
def user_create(email, role, event_slug, password_stdin, allow_events):
    """Create a staff account (or update its role and password).

    The password needs at least 12 characters, must not be the e-mail address and must not be a
    common one."""
    from .auth.services import AccountError, create_staff_account

    password = _read_password(password_stdin)
    try:
        user = create_staff_account(email, role, password, event_slug, may_create_events=allow_events)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"User {user.email} ({user.role}) saved.")


@user_cli.command("password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_password(email, password_stdin):
    """Set a new password; every earlier session and remember-me cookie of the account ends."""
    from .auth.services import AccountError, change_password

    user = _user_or_fail(email)
    try:
        change_password(user, _read_password(password_stdin))
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Password of {user.email} changed; earlier sessions ended.")


@user_cli.command("disable")
@click.argument("email")
@click.option("--enable", is_flag=True, help="Let the account sign in again instead.")
def user_disable(email, enable):
    """Disable an account: no sign-in, its sessions end and its API tokens are deleted."""
    from .auth.services import disable_user, enable_user
    from .dbtypes import utcnow

    user = _user_or_fail(email)
    if enable:
        enable_user(user)
    else:
        disable_user(user, now=utcnow())
    db.session.commit()
    click.echo(f"User {user.email} {'enabled' if enable else 'disabled'}.")


@user_cli.command("unbind")
@click.argument("email")
@click.option("--event", "event_slug", required=True, help="Slug of the event to take away.")
def user_unbind(email, event_slug):
    """The account no longer works on the event (its sessions end; tokens lose it within 10 s)."""
    from .auth.services import AccountError, unbind_user

    user = _user_or_fail(email)
    try:
        unbind_user(user, event_slug)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"User {user.email} no longer works on {event_slug}.")


@user_cli.command("allow-events")
@click.argument("email")
@click.option("--revoke", is_flag=True, help="Take the right back.")
def user_allow_events(email, revoke):
    """Let an organiser create and publish events (admins always may)."""
    from .auth.services import AccountError, allow_events

    user = _user_or_fail(email)
    try:
        allow_events(user, not revoke)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"User {user.email} {'may not' if revoke else 'may'} create and publish events.")


@token_cli.command("create")
@click.argument("email")
def token_create(email):
    """Print a new API token for the user (shown once, stored hashed)."""
    from .auth.services import create_token

    user = _user_or_fail(email)
    if not user.is_active:
        raise click.ClickException(f"user {email} is disabled")
    token = create_token(user)
    db.session.commit()
    click.echo(token)


@token_cli.command("list")
@click.argument("email", required=False)
def token_list(email):
    """API tokens: id, owner, created, last used (the tokens themselves are never stored)."""
    from .auth.services import list_tokens

    for token in list_tokens(_user_or_fail(email) if email else None):
        last = token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else "never"
        click.echo(f"{token.id}\t{token.user.email}\tcreated {token.created_at.isoformat(timespec='seconds')}"
                   f"\tlast used {last}")


@token_cli.command("revoke")
@click.argument("token_id", type=click.IntRange(min=1, max=2**62))
def token_revoke(token_id):
    """Delete an API token: refused at once (a door's cached grant within 10 seconds)."""
    from .auth.services import AccountError, revoke_token

    try:
        token = revoke_token(token_id)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Token {token.id} of {token.user.email} revoked.")


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
