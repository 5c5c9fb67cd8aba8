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

