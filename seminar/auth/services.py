"""Staff accounts: creating users and tokens, checking passwords and tokens."""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from functools import cache
from importlib import resources

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from ..dbtypes import utcnow
from ..events.models import Event
from ..extensions import db
from .models import ApiToken, User, UserRole

#: The shortest password a staff account may have.
MIN_PASSWORD_LENGTH = 12
#: A token's last use is written at most this often (the door scans every second).
LAST_USED_STEP = timedelta(minutes=1)


class AccountError(Exception):
    pass


@cache
def common_passwords() -> frozenset[str]:
    """The small list of passwords seen most often in leaks (seminar/data/common_passwords.txt)."""
    text = resources.files("seminar.data").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def check_email(email: str) -> str:
    """The address, normalised; AccountError when it is not a valid e-mail address."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(f"invalid e-mail address: {exc}") from None


def check_password_strength(email: str, password: str) -> None:
    """AccountError unless the password is long, not the e-mail and not a common one."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    lowered = password.lower()
    local = email.strip().lower().partition("@")[0]
    if lowered in (email.strip().lower(), local) or (len(local) >= 4 and local in lowered and
                                                     len(lowered) - len(local) < 4):
        raise AccountError("the password must not be the e-mail address")
    stem = re.sub(r"[\d\W_]+$", "", lowered)
    if lowered in common_passwords() or stem in common_passwords() or len(set(lowered)) < 4:
        raise AccountError("this password is too common: choose another one")


def create_staff_account(email: str, role: str, password: str, event_slug: str | None = None, *,
                         may_create_events: bool | None = None) -> User:
    """Create a staff account (or update it) after checking the address and the password."""
    email = check_email(email)
    check_password_strength(email, password)
    user = create_or_update_user(email, role, password, event_slug)
    if may_create_events is not None:
        user.may_create_events = may_create_events
    return user


def change_password(user: User, password: str) -> None:
    """A new password; every earlier session and remember-me cookie stops working."""
    check_password_strength(user.email, password)
    user.set_password(password)


def allow_events(user: User, allowed: bool = True) -> None:
    """Let an organiser create and publish events (or take it back)."""
    if user.role != UserRole.organiser.value and allowed and not user.is_admin:
        raise AccountError("only organisers can be allowed to create events")
    user.may_create_events = allowed


def disable_user(user: User, *, now: datetime) -> None:
    """The account can no longer sign in; its sessions end and its tokens are deleted."""
    user.disabled_at = now
    user.end_sessions()
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
        db.session.delete(token)


def enable_user(user: User) -> None:
    user.disabled_at = None


def unbind_user(user: User, event_slug: str) -> None:
    """The account no longer works on that event."""
    event = db.session.scalar(select(Event).where(Event.slug == event_slug))
    if event is None:
        raise AccountError(f"no event with slug {event_slug}")
    if event not in user.events:
        raise AccountError(f"{user.email} is not bound to {event_slug}")
    user.events.remove(event)
    user.end_sessions()


def list_tokens(user: User | None = None) -> list[ApiToken]:
    """API tokens (of one user, or all), oldest first."""
    query = select(ApiToken).order_by(ApiToken.id)
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(db.session.scalars(query))


def revoke_token(token_id: int) -> ApiToken:
    """Delete a token: the API refuses it at once (the door's grant cache within 10 s)."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise AccountError(f"no token with id {token_id}")
    db.session.delete(token)
    return token


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def create_or_update_user(email: str, role: str, password: str, event_slug: str | None = None) -> User:
    """Create a staff account (or update its role and password), optionally bound to an event."""
    if role not in {r.value for r in UserRole}:
        raise AccountError(f"unknown role {role}")
    if len(password) < 8:
        raise AccountError("password must have at least 8 characters")
    user = find_user(email) or User(email=email.strip().lower())
    user.role = role
    user.set_password(password)
    if event_slug:
        event = db.session.scalar(select(Event).where(Event.slug == event_slug))
        if event is None:
            raise AccountError(f"no event with slug {event_slug}")
        if event not in user.events:
            user.events.append(event)
    db.session.add(user)
    db.session.flush()
    return user


#: Checked when the account does not exist, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))


def authenticate(email: str, password: str) -> User | None:
    """The active account with that address and password, or None (in about the same time)."""
    user = find_user(email)
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if user.check_password(password) and user.is_active:
        return user
    return None


def end_sessions(user: User) -> None:
    """Sign the user out everywhere (logout): every earlier cookie stops working."""
    user.end_sessions()


def create_token(user: User) -> str:
    """A new API token for the user; only its hash is kept."""
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=ApiToken.hash(token)))
    db.session.flush()
    return token


def user_for_token(token: str, *, now: datetime | None = None) -> User | None:
    """The active user holding the token; its last use is recorded (at most once a minute)."""
    api_token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token)))
    if api_token is None or not api_token.user.is_active:
        return None
    now = now or utcnow()
    if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_STEP:
        # A plain UPDATE in its own short transaction: the request's session may be read-only.
        with db.engine.begin() as connection:
            connection.execute(update(ApiToken).where(ApiToken.id == api_token.id).values(last_used_at=now))
        set_committed_value(api_token, "last_used_at", now)
    return api_token.user


# ---------------------------------------------------------------- staff of an event (organiser pages)

#: How long the link a new staff member sets their password with works.
PASSWORD_LINK_MAX_AGE = 7 * 24 * 3600
_PASSWORD_SALT = "staff-set-password"
MIN_PASSWORD = 8


def add_staff(event: Event, email: str, role: str) -> tuple[User, bool]:
    """Bind an account (created without a password if new) to the event; True when created.

    An existing account keeps its role: an organiser of one event cannot change what an
    account may do at other events.
    """
    if role not in (UserRole.organiser.value, UserRole.door.value):
        raise AccountError(f"unknown role {role}")
    user = find_user(email)
    created = user is None
    if user is None:
        user = User(email=email.strip().lower(), role=role, password_hash="")
        db.session.add(user)
    if not user.is_admin and event not in user.events:
        user.events.append(event)
    db.session.flush()
    return user, created


def remove_staff(event: Event, user: User) -> None:
    """Unbind the account from the event (the account itself stays)."""
    if event in user.events:
        user.events.remove(event)
    db.session.flush()


def staff_of(event: Event) -> list[User]:
    """Accounts bound to the event, organisers first."""
    users = db.session.scalars(select(User).where(User.events.contains(event))).all()
    return sorted(users, key=lambda u: (u.role != UserRole.organiser.value, u.email))


def _password_signer(secret_key: str):
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(secret_key, salt=_PASSWORD_SALT)


def password_token(user: User, secret_key: str) -> str:
    """A signed, expiring token to set the password; it stops working once a password is set."""
    return _password_signer(secret_key).dumps({"u": user.id, "h": user.password_hash[-16:]})


def user_for_password_token(token: str, secret_key: str) -> User | None:
    """The account the token was made for, if it is genuine, fresh and unused."""
    from itsdangerous import BadData

    try:
        data = _password_signer(secret_key).loads(token, max_age=PASSWORD_LINK_MAX_AGE)
    except BadData:
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or user.password_hash[-16:] != data.get("h"):
        return None
    return user


def set_own_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError("password too short")
    user.set_password(password)
    db.session.flush()


def tokens_of(users: list[User]) -> list[ApiToken]:
    """API tokens of these accounts, newest first."""
    if not users:
        return []
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id.in_([u.id for u in users]))
                                   .order_by(ApiToken.created_at.desc())))


