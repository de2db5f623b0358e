"""Bulk building of monitoring data for benchmarks: current CQC ratings, visits and actions.

Grows alongside benchmarks.data.RegisterBuilder: each `grow()` adds rows for the services built
since the last call (ids stay as they were, so URLs measured at a small size work at a large one).
Rows go in with Core bulk inserts and explicit ids, as the register's do. Dates are relative to
the day of the run (the pages work out due dates and RAG from today), drawn from a seeded
generator: the same seed gives the same data relative to that day.

Per service, by default: ten visits over about six years (routine and concern-led, almost all
with final reports; some in draft, shared, booked or cancelled), three or four actions from them
in every status, each with a "raised" event, and a current rating snapshot for regulated services.
At England scale (30,000 services) that is 300,000 visits and 100,000 actions.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from benchmarks.data import analyze, bulk_insert, sync_sequences
from provider_monitor.enums import (
    ActionKind,
    ActionPriority,
    ActionStatus,
    KeyQuestion,
    LocalRating,
    RatingSource,
    ServiceStatus,
    VisitKind,
    VisitPurpose,
    VisitStatus,
)
from provider_monitor.models import Action, ActionEvent, RatingSnapshot, Service, Visit

VISITS_PER_SERVICE = 10
ACTIONS_PER_SERVICE = 10 / 3
OVERALL = (("Outstanding", 4), ("Good", 76), ("Requires improvement", 18), ("Inadequate", 2))
LOCAL = tuple(LocalRating)
QUESTIONS = tuple(q for q in KeyQuestion if q != KeyQuestion.OVERALL)
ACTION_STATUSES = tuple(ActionStatus)
ACTION_WEIGHTS = (12, 10, 8, 65, 5)  # open, in progress, evidence submitted, verified, returned (enum order)


def _stamp(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=UTC)


class MonitoringBuilder:
    """Adds ratings, visits and actions for services that have none yet."""

    def __init__(self, session: Session, *, seed: int = 20251102, today: date | None = None):
        self.session = session
        self.rng = random.Random(seed)
        self.today = today or date.today()
        self.services_done = 0  # highest service id already given monitoring data
        self.next_ids = {"visit": 1, "action": 1, "event": 1, "snapshot": 1}

    def grow(
        self, visits_per_service: float = VISITS_PER_SERVICE, actions_per_service: float = ACTIONS_PER_SERVICE
    ) -> dict[str, int]:
        """Rows for every service added since the last call; commit. Returns rows added per table."""
        services = self.session.execute(
            sa.select(Service.id, Service.regulated, Service.status, Service.link_officer_id)
            .where(Service.id > self.services_done)
            .order_by(Service.id)
        ).all()
        snapshots, visits, actions, events = [], [], [], []
        for service in services:
            if service.regulated:
                snapshots.append(self._snapshot(service.id))
            service_visits = self._visits(service, visits_per_service)
            visits += service_visits
            logged = [v for v in service_visits if v["visited_on"] is not None]
            for _ in range(self._count(actions_per_service) if logged else 0):
                action = self._action(service.id, self.rng.choice(logged))
                actions.append(action)
                events.append(self._raised_event(action))
        if services:
            self.services_done = services[-1].id
        added = {
            "rating_snapshot": bulk_insert(self.session, RatingSnapshot, snapshots),
            "visit": bulk_insert(self.session, Visit, visits),
            "action": bulk_insert(self.session, Action, actions),
            "action_event": bulk_insert(self.session, ActionEvent, events),
        }
        sync_sequences(self.session)
        self.session.commit()
        analyze(self.session)
        self.session.commit()
        return added

    def _count(self, mean: float) -> int:
        """A whole number averaging `mean` (floor or ceiling at random)."""
        whole = int(mean)
        return whole + (self.rng.random() < mean - whole)

    def _next(self, kind: str) -> int:
        value = self.next_ids[kind]
        self.next_ids[kind] += 1
        return value

    def _snapshot(self, service_id: int) -> dict:
        overall = self.rng.choices([r for r, _ in OVERALL], weights=[w for _, w in OVERALL])[0]
        published = self.today - timedelta(days=self.rng.randint(30, 1500))
        row = {
            "id": self._next("snapshot"), "service_id": service_id, "published_on": published,
            "source": RatingSource.CQC_API, "fingerprint": f"bench-{service_id}", "is_current": True,
            "inherited_from": None, "recorded_at": _stamp(published, self.rng), "recorded_by_id": None,
        }  # fmt: skip
        for question in KeyQuestion:
            row[question.value] = overall
            row[f"{question.value}_date"] = published
            row[f"{question.value}_link"] = None
        return row

    def _visits(self, service, per_service: float) -> list[dict]:
        """Routine visits about yearly back from today, a concern-led one now and then; the newest vary in state."""
        rng, rows = self.rng, []
        count = self._count(per_service)
        day = self.today - timedelta(days=rng.randint(1, 400))
        for n in range(count):
            concern = rng.random() < 0.15
            status = VisitStatus.FINAL
            visited: date | None = day
            planned: date | None = None if concern else day
            if n == 0 and service.status == ServiceStatus.ACTIVE:
                roll = rng.random()
                if roll < 0.3:  # the next visit is booked
                    status, visited, planned = (
                        VisitStatus.PLANNED,
                        None,
                        self.today + timedelta(days=rng.randint(1, 90)),
                    )
                elif (self.today - day).days < 40:
                    status = VisitStatus.DRAFT if roll < 0.6 else VisitStatus.SHARED
            elif rng.random() < 0.02:
                status, visited, planned = VisitStatus.CANCELLED, None, day
            rows.append(self._visit_row(service, concern, status, planned, visited))
            day -= timedelta(days=rng.randint(150, 420))
        return rows

    def _visit_row(self, service, concern: bool, status: VisitStatus, planned, visited) -> dict:
        rng = self.rng
        logged = visited is not None
        shared = _stamp(visited + timedelta(days=5), rng) if status in (VisitStatus.SHARED, VisitStatus.FINAL) else None
        created = _stamp((visited or planned) - timedelta(days=30), rng)
        return {
            "id": self._next("visit"), "service_id": service.id,
            "kind": VisitKind.UNPLANNED if concern else VisitKind.PLANNED,
            "purpose": VisitPurpose.CONCERN if concern else VisitPurpose.QUALITY_AUDIT,
            "status": status, "planned_on": planned, "visited_on": visited,
            "full_quality_visit": concern and rng.random() < 0.3,
            "spoke_to_people": logged, "spoke_to_carers": False, "spoke_to_staff": logged, "spoke_to_manager": logged,
            "people_spoken_to_notes": None,
            "local_rating": rng.choices(LOCAL, weights=(4, 74, 19, 3))[0] if logged else None,
            "summary": None, "steps_completed": 5 if logged else 0, "created_by_id": service.link_officer_id,
            "logged_at": _stamp(visited, rng) if logged else None, "logged_by_id": service.link_officer_id,
            "shared_at": shared, "shared_by_id": service.link_officer_id if shared else None,
            "comments_due_on": shared.date() + timedelta(days=14) if shared else None,
            "finalised_at": shared + timedelta(days=20) if status == VisitStatus.FINAL else None,
            "finalised_by_id": None, "cancelled_reason": "Rearranged" if status == VisitStatus.CANCELLED else None,
            "created_at": created, "updated_at": created, "version_id": 1,
        }  # fmt: skip

    def _action(self, service_id: int, visit: dict) -> dict:
        rng = self.rng
        status = rng.choices(ACTION_STATUSES, weights=ACTION_WEIGHTS)[0]
        # Most actions from old visits were done long ago; the pending ones are mostly recent.
        due = visit["visited_on"] + timedelta(days=rng.choice((28, 56, 90)))
        if status != ActionStatus.VERIFIED and rng.random() < 0.7:
            due = self.today + timedelta(days=rng.randint(-60, 90))
        raised = _stamp(visit["visited_on"] + timedelta(days=3), rng)
        verified = status == ActionStatus.VERIFIED
        return {
            "id": self._next("action"), "service_id": service_id, "visit_id": visit["id"],
            "description": f"Action {rng.randint(1, 10**6)}: review and evidence improvements",
            "key_question": rng.choice(QUESTIONS), "kind": rng.choice(tuple(ActionKind)),
            "priority": rng.choice(tuple(ActionPriority)), "due_on": due, "owner": "Registered manager",
            "status": status, "created_by_id": visit["created_by_id"],
            "verified_at": raised + timedelta(days=30) if verified else None, "verified_by_id": None,
            "created_at": raised, "updated_at": raised, "version_id": 1,
        }  # fmt: skip

    def _raised_event(self, action: dict) -> dict:
        return {
            "id": self._next("event"), "action_id": action["id"], "at": action["created_at"], "user_id": None,
            "actor_label": "Benchmark officer", "from_status": None, "to_status": ActionStatus.OPEN,
            "note": "Raised from the visit report.",
        }  # fmt: skip
