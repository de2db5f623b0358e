"""User accounts: created by an admin (or the command line), never by default."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from provider_monitor.enums import Role
from provider_monitor.models.provider import Provider
from provider_monitor.models.user import User
from provider_monitor.services import auth, passwords
from provider_monitor.services.editing import apply_changes, flush_checked
from provider_monitor.services.exceptions import DomainError, DuplicateValue, FieldError, NotFound

UNIQUE_MESSAGES = {"email": "A user with this email address already exists"}


def generate_password() -> str:
    """A random password to hand over once: about 96 bits."""
    return secrets.token_urlsafe(12)


def _check_role(session: Session, role: Role, provider_id: int | None) -> None:
    if role == Role.PROVIDER:
        if provider_id is None or session.get(Provider, provider_id) is None:
            raise FieldError("provider_id", "Select the provider this person works for")
    elif provider_id is not None:
        raise FieldError("provider_id", "Only provider users belong to a provider")


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role,
    provider_id: int | None = None,
    password: str | None = None,
) -> tuple[User, str]:
    """A new active user and their password (generated when none is given)."""
    email = auth.normalise_email(email)
    _check_role(session, role, provider_id)
    password = password or generate_password()
    problem = passwords.password_problem(password, email=email)
    if problem:
        raise FieldError("password", problem)
    if session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise DuplicateValue("email", UNIQUE_MESSAGES["email"])
    user = User(
        email=email,
        name=name,
        role=Role(role),
        provider_id=provider_id,
        password_hash=passwords.hash_password(password),
    )
    session.add(user)
    flush_checked(session, UNIQUE_MESSAGES, noun="user")
    return user, password


def get_user(session: Session, user_id: int) -> User:
    user = session.scalar(sa.select(User).where(User.id == user_id).options(joinedload(User.provider)))
    if user is None:
        raise NotFound("user")
    return user


def find_by_email(session: Session, email: str) -> User:
    user = session.scalar(sa.select(User).where(User.email == auth.normalise_email(email)))
    if user is None:
        raise NotFound(f"No user has the email address {email}")
    return user


def list_users(session: Session) -> list[User]:
    stmt = sa.select(User).options(joinedload(User.provider)).order_by(User.active.desc(), User.name)
    return list(session.scalars(stmt))


def update_user(session: Session, user: User, *, editor: User, data: dict, expected_version: int | None) -> User:
    """Change a user's details; a change of role or provider ends their sessions."""
    data = {**data, "email": auth.normalise_email(data["email"]), "role": Role(data["role"])}
    _check_role(session, data["role"], data.get("provider_id"))
    if user.id == editor.id and data["role"] != Role.ADMIN:
        raise FieldError("role", "You cannot remove your own admin role: ask another admin")
    clash = session.scalar(sa.select(User.id).where(User.email == data["email"], User.id != user.id))
    if clash is not None:
        raise DuplicateValue("email", UNIQUE_MESSAGES["email"])
    changed = apply_changes(session, user, data, expected_version=expected_version, noun="user")
    flush_checked(session, UNIQUE_MESSAGES, noun="user")
    if "role" in changed or "provider_id" in changed:
        auth.end_all_sessions(session, user)
    return user


def deactivate_user(session: Session, user: User, *, editor: User) -> None:
    """Stop the user signing in, and end every session they have now."""
    if user.id == editor.id:
        raise DomainError("You cannot deactivate your own account")
    user.active = False
    auth.end_all_sessions(session, user)
    session.flush()


def reactivate_user(session: Session, user: User) -> None:
    user.active = True
    user.failed_sign_in_count = 0
    session.flush()


def reset_password(session: Session, user: User) -> str:
    """A new generated password (unlocks the account and ends its sessions)."""
    password = generate_password()
    user.password_hash = passwords.hash_password(password)
    user.failed_sign_in_count = 0
    auth.end_all_sessions(session, user)
    session.flush()
    return password


def change_password(session: Session, user: User, *, current: str, new: str, keep_token: str | None) -> None:
    """Change one's own password; other sessions end, this one stays."""
    if not passwords.verify_password(user.password_hash, current):
        raise FieldError("current_password", "Your current password is not right")
    problem = passwords.password_problem(new, email=user.email)
    if problem:
        raise FieldError("new_password", problem)
    user.password_hash = passwords.hash_password(new)
    # Anyone else holding a session (a stolen cookie, a forgotten laptop) is signed out.
    auth.end_all_sessions(session, user, keep_token=keep_token)
    session.flush()


def is_locked(user: User, max_failures: int) -> bool:
    return user.failed_sign_in_count >= max_failures
