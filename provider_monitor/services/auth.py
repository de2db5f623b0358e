"""Signing in and out: lockout, server-side sessions, idle timeout and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.models.base import utcnow
from provider_monitor.models.user import User, UserSession
from provider_monitor.services import passwords

# Writing last_seen_at on every request would make every page a write; a minute is precise enough.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    absolute: timedelta


def authenticate(session: Session, *, email: str, password: str, max_failures: int) -> User | None:
    """The user these credentials belong to, or None for any failure (the caller says the same for all)."""
    user = session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None:
        passwords.verify_password(passwords.DUMMY_HASH, password)
        return None
    if user.failed_sign_in_count >= max_failures or not user.active:
        passwords.verify_password(passwords.DUMMY_HASH, password)
        return None
    if not passwords.verify_password(user.password_hash, password):
        # One UPDATE counted in the database holds across processes and restarts.
        session.execute(
            sa.update(User)
            .where(User.id == user.id)
            .values(failed_sign_in_count=User.failed_sign_in_count + 1)
            .execution_options(synchronize_session=False)
        )
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.failed_sign_in_count = 0
    return user


def start_session(session: Session, user: User, *, ip_address: str | None, user_agent: str | None) -> str:
    """Record a new sign-in and return the token to put in the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            user_id=user.id,
            token_hash=_digest(token),
            ip_address=(ip_address or "")[:45] or None,
            user_agent=(user_agent or "")[:255] or None,
        )
    )
    user.last_sign_in_at = utcnow()
    user.session_token = token
    session.flush()
    return token


def load_session_user(session: Session, token: str, *, policy: SessionPolicy) -> User | None:
    """The user behind a session token, if the session is live; expired sessions are revoked."""
    record = session.scalar(
        sa.select(UserSession)
        .where(UserSession.token_hash == _digest(token))
        .options(sa.orm.joinedload(UserSession.user))
    )
    if record is None or record.revoked_at is not None or not record.user.active:
        return None
    now = utcnow()
    if now - record.last_seen_at > policy.idle or now - record.created_at > policy.absolute:
        record.revoked_at = now
        return None
    if now - record.last_seen_at > LAST_SEEN_RESOLUTION:
        record.last_seen_at = now
    record.user.session_token = token
    return record.user


def end_session(session: Session, token: str | None) -> None:
    """Revoke one session (sign-out)."""
    if token:
        session.execute(
            sa.update(UserSession)
            .where(UserSession.token_hash == _digest(token), UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def end_all_sessions(session: Session, user: User, *, keep_token: str | None = None) -> None:
    """Revoke every session of a user but the one kept (deactivation, password or role change)."""
    stmt = sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep_token:
        stmt = stmt.where(UserSession.token_hash != _digest(keep_token))
    session.execute(stmt.values(revoked_at=utcnow()))


def recent_sessions(session: Session, user: User, limit: int = 10) -> list[UserSession]:
    stmt = (
        sa.select(UserSession)
        .where(UserSession.user_id == user.id)
        .order_by(UserSession.created_at.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def issue_api_token(session: Session, user: User) -> str:
    """A new API token for the user, replacing any earlier one; only its hash is kept."""
    token = "pm_" + secrets.token_urlsafe(32)
    user.api_token_hash = _digest(token)
    user.api_token_created_at = utcnow()
    session.flush()
    return token


def user_for_api_token(session: Session, token: str) -> User | None:
    if not token:
        return None
    user = session.scalar(sa.select(User).where(User.api_token_hash == _digest(token)))
    if user is None or not user.active:
        return None
    user.session_token = "api"  # marks a token-authenticated request; never a cookie value
    return user
