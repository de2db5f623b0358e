"""The provider's side of a shared report: factual-accuracy comments, read receipts, and what staff see of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from provider_monitor.enums import PROVIDER_VISIBLE_REPORT_STATUSES, ActionStatus, KeyQuestion, Role, VisitStatus
from provider_monitor.jinja import format_date, format_datetime
from provider_monitor.models.action import Action, ActionEvent, ActionEvidence
from provider_monitor.models.service import Service
from provider_monitor.models.user import User
from provider_monitor.models.visit import Visit
from provider_monitor.models.visit_feedback import VisitComment, VisitReadReceipt
from provider_monitor.services.actions import actor_label
from provider_monitor.services.exceptions import DomainError, FieldError
from provider_monitor.services.visits import FINDING_QUESTIONS, comment_window_open

COMMENT_LIMIT = 4000
ACTIVITY_LIMIT = 20


class CommentRefused(DomainError):
    """The report cannot take a comment from this person now (not theirs to comment on, final, window closed)."""


# Comments


def _provider_id(session: Session, visit: Visit) -> int:
    """The provider whose report this is; from the service loaded with the visit when there is one."""
    service = visit.__dict__.get("service")
    if service is not None:
        return service.provider_id
    return session.scalar(sa.select(Service.provider_id).where(Service.id == visit.service_id))


def closed_message(visit: Visit) -> str:
    if visit.comments_due_on is None:
        return "The window for comments has closed"
    return f"The window for comments closed on {format_date(visit.comments_due_on)}"


def check_can_comment(session: Session, visit: Visit, viewer: User, today: date) -> None:
    """Only the provider's own users comment, only on a shared report, only until comments are due."""
    if not viewer.is_provider_user or viewer.provider_id != _provider_id(session, visit):
        raise CommentRefused("Only the provider’s own users can comment on this report")
    if visit.status == VisitStatus.FINAL:
        raise CommentRefused("This report is final, so comments can no longer be added")
    if visit.status != VisitStatus.SHARED:
        raise CommentRefused("Comments can only be added to a report shared with the provider")
    if not comment_window_open(visit, today):
        raise CommentRefused(closed_message(visit))


def _subject(about) -> KeyQuestion | None:
    """The key question a comment is about; blank is the report as a whole."""
    if about in (None, ""):
        return None
    try:
        question = KeyQuestion(about)
    except ValueError:
        question = None
    if question not in FINDING_QUESTIONS:
        raise FieldError("about", "Select what your comment is about from the list")
    return question


def add_comment(
    session: Session, visit: Visit, viewer: User, *, about: KeyQuestion | str | None, body: str | None, today: date
) -> VisitComment:
    """A provider user's factual-accuracy comment on the shared report, while the comment window is open."""
    check_can_comment(session, visit, viewer, today)
    subject = _subject(about)
    text = (body or "").strip()
    if not text:
        raise FieldError("body", "Enter your comment")
    if len(text) > COMMENT_LIMIT:
        raise FieldError("body", f"Comment must be {COMMENT_LIMIT:,} characters or fewer")
    comment = VisitComment(
        visit_id=visit.id, author_id=viewer.id, author_label=actor_label(viewer), about=subject, body=text
    )
    session.add(comment)
    session.flush()
    return comment


def comments_for(session: Session, visit: Visit) -> list[VisitComment]:
    """The report's comments, oldest first, as a conversation reads."""
    stmt = sa.select(VisitComment).where(VisitComment.visit_id == visit.id)
    return list(session.scalars(stmt.order_by(VisitComment.created_at, VisitComment.id)))


# Read receipts


def record_read(session: Session, visit: Visit, viewer: User, now: datetime) -> bool:
    """A provider user opened a shared or final report: one receipt per person, counted. Staff reads are not
    receipts. Returns whether one was recorded."""
    if not viewer.is_provider_user or visit.status not in PROVIDER_VISIBLE_REPORT_STATUSES:
        return False
    if viewer.provider_id != _provider_id(session, visit):
        return False
    # One statement, so two tabs opening the report at once cannot both insert a first read.
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(VisitReadReceipt)
        .values(visit_id=visit.id, user_id=viewer.id, first_read_at=now, last_read_at=now, read_count=1)
        .on_conflict_do_update(
            index_elements=["visit_id", "user_id"],
            set_={"last_read_at": now, "read_count": VisitReadReceipt.read_count + 1},
        )
    )
    session.execute(stmt)
    return True


@dataclass(frozen=True)
class Reader:
    """One of the provider's users and whether (and when) they have read the report."""

    user_id: int
    name: str
    active: bool
    first_read_at: datetime | None
    last_read_at: datetime | None
    read_count: int

    @property
    def has_read(self) -> bool:
        return self.first_read_at is not None


def receipts_for(session: Session, visit: Visit) -> list[Reader]:
    """Each active user of the provider, and anyone who has read the report, with their first and last read."""
    receipt = VisitReadReceipt
    provider_users = sa.and_(
        User.role == Role.PROVIDER, User.provider_id == _provider_id(session, visit), User.active.is_(True)
    )
    stmt = (
        sa.select(User.id, User.name, User.active, receipt.first_read_at, receipt.last_read_at, receipt.read_count)
        .select_from(User)
        .outerjoin(receipt, sa.and_(receipt.user_id == User.id, receipt.visit_id == visit.id))
        .where(sa.or_(receipt.id.is_not(None), provider_users))
        .order_by(User.name, User.id)
    )
    return [Reader(*row[:5], read_count=row[5] or 0) for row in session.execute(stmt)]


# What staff see on the service page


@dataclass(frozen=True)
class Activity:
    """One thing the provider's users did about the service: read a report, commented, added evidence, moved an
    action on."""

    at: datetime
    kind: str  # "read", "comment", "evidence" or "status"
    who: str
    what: str
    detail: str | None = None
    endpoint: str | None = None
    args: dict = field(default_factory=dict)


def _visit_words(visited_on: date | None) -> str:
    return f"the report of the visit on {format_date(visited_on)}" if visited_on else "a visit report"


def _reads(session: Session, service_id: int, limit: int) -> list[Activity]:
    receipt = VisitReadReceipt
    stmt = (
        sa.select(receipt, User.name, User.role, Visit.visited_on)
        .join(Visit, Visit.id == receipt.visit_id)
        .join(User, User.id == receipt.user_id)
        .where(Visit.service_id == service_id)
        .order_by(receipt.last_read_at.desc(), receipt.id.desc())
        .limit(limit)
    )
    found = []
    for read, name, role, visited_on in session.execute(stmt):
        times = "once" if read.read_count == 1 else f"{read.read_count} times"
        found.append(
            Activity(
                at=read.last_read_at, kind="read", who=f"{name} ({role.label})",
                what=f"Read {_visit_words(visited_on)}",
                detail=f"First read {format_datetime(read.first_read_at)}; opened {times}",
                endpoint="visits.view", args={"visit_id": read.visit_id},
            )
        )  # fmt: skip
    return found


def _comments(session: Session, service_id: int, limit: int) -> list[Activity]:
    stmt = (
        sa.select(VisitComment, Visit.visited_on)
        .join(Visit, Visit.id == VisitComment.visit_id)
        .where(Visit.service_id == service_id)
        .order_by(VisitComment.created_at.desc(), VisitComment.id.desc())
        .limit(limit)
    )
    found = []
    for comment, visited_on in session.execute(stmt):
        about = f", about {comment.about.label}" if comment.about else ""
        found.append(
            Activity(
                at=comment.created_at, kind="comment", who=comment.author_label,
                what=f"Commented on {_visit_words(visited_on)}{about}", detail=comment.body,
                endpoint="visits.view", args={"visit_id": comment.visit_id},
            )
        )  # fmt: skip
    return found


def _evidence(session: Session, service_id: int, limit: int) -> list[Activity]:
    # Staff may add evidence on the provider's behalf; only what the provider's own users did counts here.
    stmt = (
        sa.select(ActionEvidence, Action.description)
        .join(Action, Action.id == ActionEvidence.action_id)
        .join(User, User.id == ActionEvidence.uploaded_by_id)
        .where(Action.service_id == service_id, User.role == Role.PROVIDER)
        .order_by(ActionEvidence.uploaded_at.desc(), ActionEvidence.id.desc())
        .limit(limit)
    )
    return [
        Activity(
            at=evidence.uploaded_at, kind="evidence", who=evidence.uploaded_by_label,
            what=f"Added evidence: {evidence.filename}", detail=description,
            endpoint="actions.view", args={"action_id": evidence.action_id},
        )
        for evidence, description in session.execute(stmt)
    ]  # fmt: skip


def _status_moves(session: Session, service_id: int, limit: int) -> list[Activity]:
    stmt = (
        sa.select(ActionEvent, Action.description)
        .join(Action, Action.id == ActionEvent.action_id)
        .join(User, User.id == ActionEvent.user_id)
        .where(Action.service_id == service_id, User.role == Role.PROVIDER, ActionEvent.to_status.is_not(None))
        .order_by(ActionEvent.at.desc(), ActionEvent.id.desc())
        .limit(limit)
    )
    found = []
    for event, description in session.execute(stmt):
        to = ActionStatus(event.to_status)
        detail = description + (f". Note: {event.note}" if event.note else "")
        found.append(
            Activity(
                at=event.at, kind="status", who=event.actor_label, what=f"Marked an action {to.label.lower()}",
                detail=detail, endpoint="actions.view", args={"action_id": event.action_id},
            )
        )  # fmt: skip
    return found


def provider_activity(session: Session, service_id: int, limit: int = ACTIVITY_LIMIT) -> list[Activity]:
    """For staff: what the provider's users have read and done about the service, newest first, at most `limit`.
    Four queries, however much there is."""
    found = [
        *_reads(session, service_id, limit),
        *_comments(session, service_id, limit),
        *_evidence(session, service_id, limit),
        *_status_moves(session, service_id, limit),
    ]
    found.sort(key=lambda entry: entry.at, reverse=True)
    return found[:limit]
