"""Staff accounts: creating users and tokens, checking passwords and tokens."""
from __future__ import annotations

import secrets

from sqlalchemy import select

from ..events.models import Event
from ..extensions import db
from .models import ApiToken, User, UserRole


class AccountError(Exception):
    pass


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


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    if user is not None and user.check_password(password):
        return user
    return None


def create_token(user: User) -> str:
    """A new API token for the user; only its hash is kept."""
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=ApiToken.hash(token)))
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    api_token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token)))
    if api_token is None:
        return None
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


def revoke_token(api_token: ApiToken) -> None:
    """The token stops working (within the API's 10-second grant cache)."""
    db.session.delete(api_token)
    db.session.flush()
