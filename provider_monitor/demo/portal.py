"""The demo provider user's own story: a report awaiting their comments, open actions and an escalation, so the
provider portal shows something to do on the day the demo is loaded."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.enums import Role, VisitStatus
from provider_monitor.models import Action, Escalation, Provider, Service, User, Visit
from provider_monitor.services.action_rules import AWAITING_PROVIDER
from provider_monitor.services.escalation_rules import LEVELS
from provider_monitor.services.visit_policy import load_policy

# How long ago the report was shared when none of the provider's is open for comments.
SHARED_DAYS_AGO = 3


def _provider_user(session: Session) -> User | None:
    return session.scalar(sa.select(User).where(User.role == Role.PROVIDER).order_by(User.id).limit(1))


def _open_for_comments(provider_id: int, today: date) -> sa.Select:
    return (
        sa.select(Visit.id)
        .join(Service, Service.id == Visit.service_id)
        .where(Service.provider_id == provider_id, Visit.status == VisitStatus.SHARED, Visit.comments_due_on >= today)
    )


def ensure_report_awaiting_comments(session: Session, today: date) -> None:
    """Share the provider's latest logged report if none of theirs is open for comments today."""
    user = _provider_user(session)
    if user is None or session.scalar(_open_for_comments(user.provider_id, today).limit(1)) is not None:
        return
    latest = session.scalar(
        sa.select(Visit)
        .join(Service, Service.id == Visit.service_id)
        .where(Service.provider_id == user.provider_id, Visit.status.in_((VisitStatus.DRAFT, VisitStatus.FINAL)))
        .order_by(Visit.visited_on.desc(), Visit.id.desc())
        .limit(1)
    )
    if latest is None:
        return
    shared_on = max(latest.visited_on, today - timedelta(days=SHARED_DAYS_AGO))
    latest.status = VisitStatus.SHARED
    latest.shared_at = datetime.combine(shared_on, time(10, 30), tzinfo=UTC)
    latest.shared_by_id = latest.logged_by_id
    latest.comments_due_on = shared_on + timedelta(days=load_policy(session).comment_window_days)
    latest.finalised_at = latest.finalised_by_id = None
    session.flush()


def provider_account_line(session: Session, today: date) -> str:
    """What the demo provider user will find waiting for them."""
    user = _provider_user(session)
    if user is None:
        return "No provider user."
    provider = session.get(Provider, user.provider_id)
    services = sa.select(Service.id).where(Service.provider_id == provider.id)
    reports = session.scalar(sa.select(sa.func.count()).select_from(_open_for_comments(provider.id, today).subquery()))
    actions = session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(Action.due_on < today)).where(
            Action.service_id.in_(services), Action.status.in_(AWAITING_PROVIDER)
        )
    ).one()
    level = session.scalar(
        sa.select(sa.func.max(Escalation.level)).where(
            Escalation.provider_id == provider.id, Escalation.closed_on.is_(None)
        )
    )
    escalation = f"escalation level {level} ({LEVELS[level].lower()})" if level else "no escalation"
    return (
        f"The provider user ({user.email}) works for {provider.name}: {reports} "
        f"{'report' if reports == 1 else 'reports'} awaiting their comments, {actions[0]} open actions "
        f"({actions[1]} overdue), {escalation}."
    )
