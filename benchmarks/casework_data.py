"""Bulk building of casework for benchmarks: provider concerns and escalations with their history.

Grows alongside benchmarks.data.RegisterBuilder and benchmarks.monitoring_data.MonitoringBuilder:
each `grow()` adds casework for the services built since the last call (ids stay as they were, so
URLs measured at a small size work at a large one). Core bulk inserts with explicit ids; dates are
relative to the day of the run, drawn from a seeded generator.

Per batch of services, by default:
- ~5% of services under an open escalation: mostly level 1 or 2, about one in eight at level 3 (red
  or amber suspension), a few at 4 or 5; each with 2–6 decisions that climb to its level, 0–3 meetings
  and 1–4 deadlines (met, missed or still running); a meeting now and then has an action raised at it;
- ~2% of services with a closed escalation in their past (escalated, then closed);
- a provider-wide escalation for about 1 in 300 providers that run three or more of the new services;
- ~3% of services with open concerns (escalated services far more often), ~10% with closed ones,
  a few about a provider as a whole; about half of the closed ones linked to a concern-led visit.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from benchmarks.data import analyze, bulk_insert, sync_sequences
from provider_monitor.enums import (
    ConcernCategory,
    ConcernSeverity,
    ConcernSource,
    ConcernStatus,
    DecisionKind,
    MeetingKind,
    Role,
    SuspensionStatus,
    TimerKind,
    VisitPurpose,
)
from provider_monitor.models import Action, Service, Visit
from provider_monitor.models.concern import Concern, concern_visit
from provider_monitor.models.escalation import Escalation, EscalationDecision, EscalationMeeting, EscalationTimer

ESCALATED_SHARE = 0.05  # of services, open escalation
CLOSED_ESCALATION_SHARE = 0.02  # of services, a closed one in their past
PROVIDER_WIDE_SHARE = 1 / 300  # of providers with three or more new services
OPEN_CONCERN_SHARE = 0.03  # of services
CLOSED_CONCERN_SHARE = 0.10  # of services
ESCALATED_OPEN_CONCERN = 0.4  # chance an escalated service has an open concern
LEVEL_WEIGHTS = ((1, 50), (2, 33), (3, 13), (4, 3), (5, 1))
SUSPENSION_LEVEL = 3
MEETING_KINDS = (MeetingKind.INITIAL, MeetingKind.FINDINGS, MeetingKind.REVIEW, MeetingKind.DECISION)
SEVERITIES = (ConcernSeverity.LOW, ConcernSeverity.MEDIUM, ConcernSeverity.HIGH, ConcernSeverity.CRITICAL)
CONFIDENTIAL_SOURCES = (ConcernSource.WHISTLEBLOWER, ConcernSource.FAMILY, ConcernSource.PUBLIC)
TIMER_DAYS = {
    TimerKind.SUSPENSION_LETTER: 9,  # 7 working days
    TimerKind.SUSPENSION_REVIEW: 28,
    TimerKind.APPEAL: 7,  # 5 working days
    TimerKind.LEVEL_REVIEW: 56,
}
HEAD_OF_SERVICE_LABEL = "Head of Adult Social Care (benchmark)"


def _stamp(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=UTC)


class CaseworkBuilder:
    """Adds concerns and escalations for services that have none yet."""

    def __init__(self, session: Session, managers: list[int], *, seed: int = 20251103, today: date | None = None):
        self.session = session
        self.managers = managers
        self.rng = random.Random(seed)
        self.today = today or date.today()
        self.services_done = 0
        self.providers_done: set[int] = set()  # providers given a provider-wide escalation
        self.next_ids = {"escalation": 1, "decision": 1, "meeting": 1, "timer": 1, "concern": 1}
        self.rows: dict[str, list] = {}

    # The public face -----------------------------------------------------------------------------

    def grow(self) -> dict[str, int]:
        """Casework for every service added since the last call; commit. Returns rows added per table."""
        services = self.session.execute(
            sa.select(Service.id, Service.provider_id, Service.link_officer_id)
            .where(Service.id > self.services_done)
            .order_by(Service.id)
        ).all()
        self.rows = {name: [] for name in ("escalation", "decision", "meeting", "timer", "concern", "link", "action")}
        escalated = self._escalate(services)
        self._concerns(services, escalated)
        if services:
            self.services_done = services[-1].id
        self._link_visits()
        self._meeting_actions()
        added = {
            "escalation": bulk_insert(self.session, Escalation, self.rows["escalation"]),
            "escalation_decision": bulk_insert(self.session, EscalationDecision, self.rows["decision"]),
            "escalation_meeting": bulk_insert(self.session, EscalationMeeting, self.rows["meeting"]),
            "escalation_timer": bulk_insert(self.session, EscalationTimer, self.rows["timer"]),
            "concern": bulk_insert(self.session, Concern, self.rows["concern"]),
            "concern_visit": bulk_insert(self.session, concern_visit, self.rows["link"]),
        }
        self._set_meeting_actions()
        added["action (raised at a meeting)"] = len(self.rows["action"])
        sync_sequences(self.session)
        self.session.commit()
        analyze(self.session)
        self.session.commit()
        return added

    # Escalations ---------------------------------------------------------------------------------

    def _escalate(self, services) -> set[int]:
        """Open escalations for ~5% of services (at least one at level 3, red), closed ones for ~2%."""
        rng = self.rng
        if not services:
            return set()
        chosen = rng.sample(services, max(1, round(len(services) * ESCALATED_SHARE)))
        for i, service in enumerate(chosen):
            level = SUSPENSION_LEVEL if i == 0 else rng.choices(*zip(*LEVEL_WEIGHTS, strict=True))[0]
            suspension = SuspensionStatus.RED if i == 0 else None
            decisions = 6 if i == 0 else rng.randint(2, 6)
            self._escalation(service.provider_id, service.id, service.link_officer_id, level, suspension, decisions)
        escalated = {service.id for service in chosen}
        others = [service for service in services if service.id not in escalated]
        for service in rng.sample(others, min(len(others), round(len(services) * CLOSED_ESCALATION_SHARE))):
            self._closed_escalation(service.provider_id, service.id, service.link_officer_id)
        self._provider_wide(services)
        return escalated

    def _provider_wide(self, services) -> None:
        counts: dict[int, int] = {}
        for service in services:
            counts[service.provider_id] = counts.get(service.provider_id, 0) + 1
        groups = sorted(p for p, n in counts.items() if n >= 3 and p not in self.providers_done)
        for provider_id in self.rng.sample(groups, round(len(groups) * PROVIDER_WIDE_SHARE)):
            self.providers_done.add(provider_id)
            self._escalation(provider_id, None, self.rng.choice(self.managers), 2, None, self.rng.randint(2, 4))

    def _escalation(self, provider_id, service_id, lead_id, level, suspension, decisions: int) -> None:
        rng = self.rng
        if level == SUSPENSION_LEVEL and suspension is None:
            suspension = rng.choice((SuspensionStatus.RED, SuspensionStatus.AMBER, SuspensionStatus.AMBER))
        opened = self.today - timedelta(days=rng.randint(30, 720))
        escalation_id = self._next("escalation")
        path = self._path(level, suspension, decisions)
        days = sorted(self._day_between(opened, self.today - timedelta(days=2)) for _ in path)
        days[0] = opened
        decision_rows = self._decisions(escalation_id, path, days)
        review = days[-1] + timedelta(days=rng.randint(28, 90))
        if rng.random() < 0.15:  # review overdue
            review = self.today - timedelta(days=rng.randint(1, 30))
        decision_rows[-1]["next_review_on"] = review
        created = _stamp(opened, rng)
        self.rows["escalation"].append(
            {
                "id": escalation_id, "provider_id": provider_id, "service_id": service_id, "level": level,
                "suspension_status": suspension if level == SUSPENSION_LEVEL else None, "opened_on": opened,
                "closed_on": None, "next_review_on": review, "lead_officer_id": lead_id,
                "conditions_to_step_down": "Evidence the action plan is complete and improvements are sustained.",
                "created_at": created, "updated_at": _stamp(days[-1], rng), "version_id": len(path),
            }
        )  # fmt: skip
        self._meetings(escalation_id, opened)
        self._timers(escalation_id, decision_rows, level, opened)

    def _closed_escalation(self, provider_id: int, service_id: int, lead_id: int | None) -> None:
        rng = self.rng
        opened = self.today - timedelta(days=rng.randint(400, 1500))
        closed = opened + timedelta(days=rng.randint(60, 300))
        escalation_id = self._next("escalation")
        path = [(rng.choice((1, 1, 2)), None), (0, None)]
        self._decisions(escalation_id, path, [opened, closed])
        created = _stamp(opened, rng)
        self.rows["escalation"].append(
            {
                "id": escalation_id, "provider_id": provider_id, "service_id": service_id, "level": 0,
                "suspension_status": None, "opened_on": opened, "closed_on": closed, "next_review_on": None,
                "lead_officer_id": lead_id, "conditions_to_step_down": None, "created_at": created,
                "updated_at": _stamp(closed, rng), "version_id": 2,
            }
        )  # fmt: skip

    def _path(self, level: int, suspension, decisions: int) -> list[tuple[int, SuspensionStatus | None]]:
        """The (level, suspension) each decision moves to: a walk from level 1 or so that ends at `level`."""
        rng, path, current = self.rng, [], 0
        for n in range(decisions):
            if n == decisions - 1:
                step = level
            elif current == 0:
                step = rng.randint(1, max(1, level))
            else:
                step = max(1, min(5, current + rng.choice((-1, 0, 0, 1, 1))))
            placements = (suspension or rng.choice(tuple(SuspensionStatus))) if step == SUSPENSION_LEVEL else None
            path.append((step, placements))
            current = step
        path[-1] = (level, suspension if level == SUSPENSION_LEVEL else None)
        return path

    def _decisions(self, escalation_id: int, path, days: list[date]) -> list[dict]:
        rows, before = [], (0, None)
        for (level, suspension), day in zip(path, days, strict=True):
            by_manager = max(level, before[0]) <= 1
            row = {
                "id": self._next("decision"), "escalation_id": escalation_id,
                "kind": _kind(before, (level, suspension)), "decided_on": day,
                "decided_by_id": self.rng.choice(self.managers) if by_manager else None,
                "decided_by_label": "QMM manager (benchmark)" if by_manager else HEAD_OF_SERVICE_LABEL,
                "decided_by_role": Role.MANAGER if by_manager else Role.HEAD_OF_SERVICE,
                "from_level": before[0], "to_level": level, "from_suspension": before[1], "to_suspension": suspension,
                "reason": "Concerns from the latest visit and partner intelligence; reviewed at the decision meeting.",
                "conditions_to_step_down": None if level == 0 else "Complete the action plan and sustain it.",
                "next_review_on": None if level == 0 else day + timedelta(days=28), "supersedes_id": None,
                "recorded_at": _stamp(day, self.rng),
            }  # fmt: skip
            rows.append(row)
            before = (level, suspension)
        self.rows["decision"] += rows
        return rows

    def _meetings(self, escalation_id: int, opened: date) -> None:
        rng = self.rng
        for n in range(rng.randint(0, 3)):
            held = self._day_between(opened, self.today - timedelta(days=1))
            created = _stamp(held, rng)
            self.rows["meeting"].append(
                {
                    "id": self._next("meeting"), "escalation_id": escalation_id, "kind": MEETING_KINDS[n % 4],
                    "held_on": held, "attendees": "Registered manager; QMM officer; safeguarding lead; ICB lead",
                    "organisations": "Provider; ICB; CQC", "minutes": "Discussed progress against the action plan.",
                    "minutes_internal": rng.random() < 0.5, "decisions": "Keep the level; review in four weeks.",
                    "recorded_by_id": rng.choice(self.managers), "created_at": created, "updated_at": created,
                    "version_id": 1,
                }
            )  # fmt: skip

    def _timers(self, escalation_id: int, decisions: list[dict], level: int, opened: date) -> None:
        rng = self.rng
        kinds = [TimerKind.LEVEL_REVIEW]
        if level == SUSPENSION_LEVEL:
            kinds = [TimerKind.SUSPENSION_LETTER, TimerKind.SUSPENSION_REVIEW, TimerKind.APPEAL, TimerKind.LEVEL_REVIEW]
        for n in range(rng.randint(1, 4)):
            kind = kinds[n] if n < len(kinds) else TimerKind.LEVEL_REVIEW
            length = TIMER_DAYS[kind]
            state = rng.choices(("met", "missed", "running"), weights=(60, 15, 25))[0]
            if state == "met":
                started = self._day_between(opened, self.today - timedelta(days=length + 1))
            elif state == "missed":
                started = self.today - timedelta(days=length + rng.randint(1, 30))
            else:
                started = self.today - timedelta(days=rng.randint(0, length))
            started = max(started, opened)
            due = started + timedelta(days=length)
            met = min(self.today, due - timedelta(days=rng.randint(0, length // 2))) if state == "met" else None
            decision = next((d for d in reversed(decisions) if d["decided_on"] <= started), decisions[0])
            self.rows["timer"].append(
                {
                    "id": self._next("timer"), "escalation_id": escalation_id, "decision_id": decision["id"],
                    "kind": kind, "started_on": started, "due_on": due, "met_on": met,
                    "met_note": "Sent on time." if met else None,
                    "met_by_id": rng.choice(self.managers) if met else None,
                }
            )  # fmt: skip

    # Concerns ------------------------------------------------------------------------------------

    def _concerns(self, services, escalated: set[int]) -> None:
        rng = self.rng
        # Escalated services take their share of open concerns; the rest are spread over the others.
        others = max(1, len(services) - len(escalated))
        p_open = max(0.0, OPEN_CONCERN_SHARE * len(services) - ESCALATED_OPEN_CONCERN * len(escalated)) / others
        for service in services:
            chance = ESCALATED_OPEN_CONCERN if service.id in escalated else p_open
            if rng.random() < chance:
                for _ in range(rng.choice((1, 1, 1, 2))):
                    self._concern(service, ConcernStatus.OPEN)
            if rng.random() < CLOSED_CONCERN_SHARE:
                for _ in range(rng.choice((1, 1, 2, 3))):
                    self._concern(service, ConcernStatus.CLOSED)

    def _concern(self, service, status: ConcernStatus) -> None:
        rng = self.rng
        closed = status == ConcernStatus.CLOSED
        received = self.today - timedelta(days=rng.randint(200, 2000) if closed else rng.randint(0, 120))
        source = rng.choice(tuple(ConcernSource))
        category = rng.choice(tuple(ConcernCategory))
        safeguarding = category == ConcernCategory.SAFEGUARDING
        confidential = source in CONFIDENTIAL_SOURCES and rng.random() < 0.5
        created = _stamp(received, rng)
        self.rows["concern"].append(
            {
                "id": self._next("concern"), "provider_id": service.provider_id,
                "service_id": None if rng.random() < 0.04 else service.id, "received_on": received,
                "source": source, "category": category, "severity": rng.choices(SEVERITIES, weights=(30, 45, 20, 5))[0],
                "description": "Reports of missed medication and short staffing on night shifts.",
                "people_affected": rng.randint(1, 12) if rng.random() < 0.7 else None,
                "source_identity": "Name and phone number given in confidence" if confidential else None,
                "safeguarding_reference": f"SG-{rng.randint(10000, 99999)}" if safeguarding else None,
                "safeguarding_detail": "Section 42 enquiry opened." if safeguarding else None,
                "confidential": confidential, "status": status,
                "closed_on": received + timedelta(days=rng.randint(10, 150)) if closed else None,
                "closed_reason": "Looked into at a visit; the provider's response was good enough." if closed else None,
                "logged_by_id": service.link_officer_id, "created_at": created, "updated_at": created, "version_id": 1,
            }
        )  # fmt: skip

    def _link_visits(self) -> None:
        """About half of the closed concerns about a service are linked to one of its concern-led visits."""
        wanted = [c for c in self.rows["concern"] if c["service_id"] and c["status"] == ConcernStatus.CLOSED]
        visits: dict[int, list[int]] = {}
        for chunk in _chunks(sorted({c["service_id"] for c in wanted}), 500):
            rows = self.session.execute(
                sa.select(Visit.service_id, Visit.id).where(
                    Visit.service_id.in_(chunk), Visit.purpose == VisitPurpose.CONCERN
                )
            )
            for service_id, visit_id in rows:
                visits.setdefault(service_id, []).append(visit_id)
        for concern in wanted:
            if visits.get(concern["service_id"]) and self.rng.random() < 0.5:
                self.rows["link"].append(
                    {"concern_id": concern["id"], "visit_id": self.rng.choice(visits[concern["service_id"]])}
                )

    # Actions raised at meetings --------------------------------------------------------------------

    def _meeting_actions(self) -> None:
        """About a third of meetings about one service get one of its existing actions (set after the insert)."""
        services = {e["id"]: e["service_id"] for e in self.rows["escalation"] if e["service_id"]}
        meetings = [m for m in self.rows["meeting"] if m["escalation_id"] in services and self.rng.random() < 0.35]
        actions: dict[int, list[int]] = {}
        for chunk in _chunks(sorted({services[m["escalation_id"]] for m in meetings}), 500):
            for service_id, action_id in self.session.execute(
                sa.select(Action.service_id, Action.id).where(Action.service_id.in_(chunk), Action.meeting_id.is_(None))
            ):
                actions.setdefault(service_id, []).append(action_id)
        for meeting in meetings:
            free = actions.get(services[meeting["escalation_id"]])
            if free:
                self.rows["action"].append({"b_id": free.pop(), "b_meeting": meeting["id"]})

    def _set_meeting_actions(self) -> None:
        if not self.rows["action"]:
            return
        table = Action.__table__
        self.session.execute(
            table.update().where(table.c.id == sa.bindparam("b_id")).values(meeting_id=sa.bindparam("b_meeting")),
            self.rows["action"],
        )

    # Helpers -------------------------------------------------------------------------------------

    def _next(self, kind: str) -> int:
        value = self.next_ids[kind]
        self.next_ids[kind] += 1
        return value

    def _day_between(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randint(0, max(0, (end - start).days)))


def _kind(before: tuple[int, SuspensionStatus | None], after: tuple[int, SuspensionStatus | None]) -> DecisionKind:
    """As escalation_rules.kind_of would call it (red to amber at level 3 is a step down)."""
    if after[0] == 0:
        return DecisionKind.CLOSE
    if after[0] > before[0]:
        return DecisionKind.ESCALATE
    if after[0] < before[0]:
        return DecisionKind.STEP_DOWN
    if after[0] == SUSPENSION_LEVEL and before[1] != after[1]:
        return DecisionKind.STEP_DOWN if after[1] == SuspensionStatus.AMBER else DecisionKind.ESCALATE
    return DecisionKind.REVIEW


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
