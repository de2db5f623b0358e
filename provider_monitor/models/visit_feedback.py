"""What the provider does with a shared report: factual-accuracy comments, and when each of their users read it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from provider_monitor.enums import KeyQuestion
from provider_monitor.models.base import Base, enum_column, utcnow
from provider_monitor.models.user import User
from provider_monitor.models.visit import Visit


class VisitComment(Base):
    """A provider's factual-accuracy comment on a shared report. Never edited or deleted: a correction is a new one."""

    __tablename__ = "visit_comment"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visit.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # Who, in words, as it was at the time (a name and role), so renaming a user keeps the record true.
    author_label: Mapped[str] = mapped_column(sa.String(200))
    # The key question the comment is about; none means the report as a whole.
    about: Mapped[KeyQuestion | None] = mapped_column(enum_column(KeyQuestion))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    visit: Mapped[Visit] = relationship(lazy="raise")

    def __repr__(self) -> str:
        return f"<VisitComment {self.id} visit={self.visit_id}>"


class VisitReadReceipt(Base):
    """A provider user has opened a shared or final report: when first, when last, how often."""

    __tablename__ = "visit_read_receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visit.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    first_read_at: Mapped[datetime]
    last_read_at: Mapped[datetime]
    read_count: Mapped[int] = mapped_column(default=1)

    user: Mapped[User] = relationship(lazy="raise")

    __table_args__ = (sa.UniqueConstraint("visit_id", "user_id", name="uq_visit_read_receipt_visit_user"),)

    def __repr__(self) -> str:
        return f"<VisitReadReceipt visit={self.visit_id} user={self.user_id} x{self.read_count}>"


@sa.event.listens_for(VisitComment, "before_update")
def _comments_are_never_edited(mapper, connection, target) -> None:
    raise ValueError("a factual-accuracy comment is never edited; add a new one")


@sa.event.listens_for(VisitComment, "before_delete")
def _comments_are_never_deleted(mapper, connection, target) -> None:
    raise ValueError("a factual-accuracy comment is never deleted")
