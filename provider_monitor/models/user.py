"""People who sign in: council staff and provider users."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from provider_monitor.enums import STAFF_ROLES, Role
from provider_monitor.models.base import Base, TimestampMixin, VersionedMixin, enum_column, utcnow

if TYPE_CHECKING:
    from provider_monitor.models.provider import Provider


class User(UserMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "user_account"
    __audit__ = True
    # Secrets and counters change on every sign-in; they are not register history.
    __audit_exclude__ = frozenset(
        {"password_hash", "api_token_hash", "failed_sign_in_count", "last_sign_in_at", "updated_at"}
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[Role] = mapped_column(enum_column(Role), index=True)
    provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("provider.id"), index=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    failed_sign_in_count: Mapped[int] = mapped_column(default=0)
    last_sign_in_at: Mapped[datetime | None]
    api_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    api_token_created_at: Mapped[datetime | None]

    provider: Mapped[Provider | None] = relationship(back_populates="users")

    __table_args__ = (
        # A provider user belongs to exactly one provider; staff belong to none.
        sa.CheckConstraint(
            "(role = 'provider' AND provider_id IS NOT NULL) OR (role <> 'provider' AND provider_id IS NULL)",
            name="provider_link_matches_role",
        ),
    )

    # Flask-Login asks for is_active; an inactive user can never be signed in.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_provider_user(self) -> bool:
        return self.role == Role.PROVIDER

    def get_id(self) -> str:
        # Flask-Login stores this in the cookie: the sign-in's own token, never the user id,
        # so revoking the server-side session makes a copied cookie useless.
        token = getattr(self, "session_token", None)
        if not token:
            raise RuntimeError("sign the user in through services.auth, which issues a session token")
        return token

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class UserSession(Base):
    """One sign-in: revoked on sign-out, on deactivation and after idle or absolute timeout."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(255))

    user: Mapped[User] = relationship()
