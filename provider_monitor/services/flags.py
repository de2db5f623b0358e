"""The sweep: work out which flags should be open now, raise the new ones and resolve those that cleared.

A fixed number of queries however many services there are; writes only what changed, so a second
sweep on the same day changes nothing. Flushes, never commits.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.enums import ChangeDirection, FlagKind, RegistrationStatus, ServiceStatus
from provider_monitor.models.action import Action
from provider_monitor.models.escalation import Escalation, EscalationTimer
from provider_monitor.models.flag import Flag
from provider_monitor.models.rating import RatingChange, RatingSnapshot
from provider_monitor.models.service import Service
from provider_monitor.services import flag_rules as rules
from provider_monitor.services import ratings, visit_policy
from provider_monitor.services.action_rules import AWAITING_PROVIDER

KIND_ORDER = {kind: position for position, kind in enumerate(FlagKind)}


@dataclass(frozen=True)
class SweepResult:
    """What one sweep did, and what is open after it (every kind, zero where none)."""

    raised: int
    resolved: int
    updated: int
    open_by_kind: dict[FlagKind, int]

    @property
    def still_open(self) -> int:
        return sum(self.open_by_kind.values())

    def summary(self) -> str:
        """'Raised 12, resolved 3, still open 240 (visit overdue 81, …)'."""
        line = f"Raised {self.raised}, resolved {self.resolved}, still open {self.still_open}"
        parts = [f"{rules.kind_phrase(kind)} {count}" for kind, count in self.open_by_kind.items() if count]
        return f"{line} ({', '.join(parts)})" if parts else line


@dataclass(frozen=True)
class _ActiveService:
    provider_id: int
    contract_reference: str | None
    contract_end: date | None
    registration_status: RegistrationStatus


def _active_services(session: Session) -> tuple[sa.Select, dict[int, _ActiveService]]:
    ids = sa.select(Service.id).where(Service.status == ServiceStatus.ACTIVE)
    rows = session.execute(
        sa.select(
            Service.id, Service.provider_id, Service.contract_reference, Service.contract_end,
            Service.registration_status,
        ).where(Service.status == ServiceStatus.ACTIVE)
    )  # fmt: skip
    return ids, {row.id: _ActiveService(*row[1:]) for row in rows}


def _service_flags(session: Session, ids: sa.Select, active: dict[int, _ActiveService], today: date):
    policy = visit_policy.load_policy(session)
    dues = visit_policy.due_dates(session, ids, today, policy)
    for service_id, service in active.items():
        due = dues.get(service_id)
        if due is not None:
            yield rules.visit_flag(service_id, service.provider_id, due, today, policy.due_soon_days)
        yield rules.contract_flag(
            service_id, service.provider_id, reference=service.contract_reference,
            contract_end=service.contract_end, today=today,
        )  # fmt: skip
        yield rules.registration_flag(
            service_id, service.provider_id, deregistered=service.registration_status == RegistrationStatus.DEREGISTERED
        )


def _decline_flags(session: Session, active: dict[int, _ActiveService], today: date):
    since = today - timedelta(days=rules.RATING_DECLINE_WINDOW_DAYS)
    declines = [c for c in ratings.declines_since(session, since) if c.service_id in active]
    declining = (
        sa.select(RatingChange.service_id)
        .where(RatingChange.direction == ChangeDirection.DECLINE, RatingChange.changed_on >= since)
        .distinct()
    )
    current = {
        s.service_id: s
        for s in session.scalars(
            sa.select(RatingSnapshot).where(
                RatingSnapshot.is_current.is_(True), RatingSnapshot.service_id.in_(declining)
            )
        )
    }
    for change in declines:
        snapshot = current.get(change.service_id)
        yield rules.decline_flag(
            rules.Decline(
                change_id=change.id, service_id=change.service_id, provider_id=active[change.service_id].provider_id,
                question=change.key_question, before=change.from_rating, after=change.to_rating,
                changed_on=change.changed_on, high_severity=change.high_severity,
                current=getattr(snapshot, change.key_question.value) if snapshot else None,
            ),
            today,
        )  # fmt: skip


def _action_flags(session: Session, active: dict[int, _ActiveService], today: date):
    rows = session.execute(
        sa.select(Action.id, Action.service_id, Action.description, Action.status, Action.priority, Action.due_on)
        .join(Service, Service.id == Action.service_id)
        .where(Action.status.in_(AWAITING_PROVIDER), Action.due_on < today, Service.status == ServiceStatus.ACTIVE)
    )
    for row in rows:
        if row.service_id in active:
            yield rules.action_flag(
                row.id, row.service_id, active[row.service_id].provider_id, description=row.description,
                status=row.status, priority=row.priority, due_on=row.due_on, today=today,
            )  # fmt: skip


def _escalation_flags(session: Session, today: date):
    reviews = session.execute(
        sa.select(Escalation.id, Escalation.provider_id, Escalation.service_id, Escalation.level,
                  Escalation.next_review_on)
        .where(Escalation.closed_on.is_(None), Escalation.next_review_on < today)
    )  # fmt: skip
    for row in reviews:
        yield rules.review_flag(
            row.id, row.provider_id, row.service_id, level=row.level, next_review_on=row.next_review_on, today=today
        )
    timers = session.execute(
        sa.select(EscalationTimer.id, EscalationTimer.kind, EscalationTimer.due_on, EscalationTimer.met_on,
                  Escalation.provider_id, Escalation.service_id)
        .join(Escalation, Escalation.id == EscalationTimer.escalation_id)
        .where(Escalation.closed_on.is_(None), EscalationTimer.met_on.is_(None), EscalationTimer.due_on < today)
    )  # fmt: skip
    for row in timers:
        yield rules.timer_flag(
            row.id, row.provider_id, row.service_id, kind=row.kind, due_on=row.due_on, met_on=row.met_on, today=today
        )


def wanted_flags(session: Session, today: date) -> tuple[list[rules.Wanted], set[int]]:
    """Every flag that should be open as of `today`, and the ids of the active services."""
    ids, active = _active_services(session)
    found = [
        *_service_flags(session, ids, active, today),
        *_decline_flags(session, active, today),
        *_action_flags(session, active, today),
        *_escalation_flags(session, today),
    ]
    return [w for w in found if w is not None], set(active)


def _claim(by_identity: dict[tuple, object], key: tuple, fallback: tuple, item) -> None:
    # Two items with the same identity (it should not happen) fall back to their subject, so none is lost.
    by_identity[fallback if key in by_identity else key] = item


def sweep(session: Session, *, today: date, now: datetime) -> SweepResult:
    """Bring the open flags into line with the rules as of `today`; flushes, never commits."""
    wanted_list, active_ids = wanted_flags(session, today)
    open_flags = list(session.scalars(sa.select(Flag).where(Flag.resolved_at.is_(None)).order_by(Flag.id)))
    wanted: dict[tuple, rules.Wanted] = {}
    for w in wanted_list:
        _claim(wanted, rules.identity(w.kind, w.subject_key, w.service_id, w.evidence), (w.kind, w.subject_key), w)
    held: dict[tuple, Flag] = {}
    for flag in open_flags:
        key = rules.identity(flag.kind, flag.subject_key, flag.service_id, flag.evidence)
        _claim(held, key, (flag.kind, flag.subject_key), flag)

    # Resolve first, so a re-keyed flag never meets the open flag it replaces in the unique index.
    visit_kind_now = {w.service_id: w.kind for w in wanted.values() if w.kind in rules.VISIT_KINDS}
    resolved = 0
    for key, flag in held.items():
        if key in wanted:
            continue
        replaced_by = visit_kind_now.get(flag.service_id) if flag.kind in rules.VISIT_KINDS else None
        flag.resolved_at = now
        flag.resolved_note = rules.cleared_note(
            flag.kind,
            service_active=flag.service_id is None or flag.service_id in active_ids,
            replaced_by=replaced_by,
        )
        resolved += 1
    session.flush()

    updated = 0
    new = []
    for key, w in wanted.items():
        flag = held.get(key)
        if flag is None:
            new.append(
                Flag(
                    kind=w.kind, subject_key=w.subject_key, provider_id=w.provider_id, service_id=w.service_id,
                    severity=w.severity, evidence=w.evidence, since_on=w.since_on, raised_at=now,
                )
            )  # fmt: skip
            continue
        values = {
            "subject_key": w.subject_key, "provider_id": w.provider_id, "service_id": w.service_id,
            "severity": w.severity, "evidence": w.evidence, "since_on": w.since_on,
        }  # fmt: skip
        changed = {name: value for name, value in values.items() if getattr(flag, name) != value}
        if changed:
            for name, value in changed.items():
                setattr(flag, name, value)
            updated += 1
    # Rows alike (the same kind, the same empty columns) side by side: the ORM inserts each run in one statement.
    new.sort(key=lambda f: (KIND_ORDER[f.kind], f.service_id is None, f.since_on is None))
    session.add_all(new)
    session.flush()
    counts = Counter(w.kind for w in wanted.values())
    return SweepResult(
        raised=len(new), resolved=resolved, updated=updated, open_by_kind={kind: counts[kind] for kind in FlagKind}
    )


def open_summary(session: Session) -> str:
    """'Flags: 679 open (visit overdue 97, …)', for the demo seed's summary."""
    counts = dict(
        session.execute(
            sa.select(Flag.kind, sa.func.count(Flag.id)).where(Flag.resolved_at.is_(None)).group_by(Flag.kind)
        ).all()
    )
    parts = [f"{rules.kind_phrase(kind)} {counts[kind]}" for kind in FlagKind if counts.get(kind)]
    return f"Flags: {sum(counts.values())} open" + (f" ({', '.join(parts)})." if parts else ".")
