"""Demo action plans: actions raised from visits, in every status, with timelines that match the status."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.demo import names
from provider_monitor.demo.visit_notes import CORRECTIVE, DEVELOPMENTAL, OWNERS, PROGRESS, RETURNED, STRONG, SUBMITTED
from provider_monitor.enums import ActionKind, ActionPriority, ActionStatus, KeyQuestion, LocalRating
from provider_monitor.models import Action, ActionEvent, Provider, Service

S = ActionStatus
DAYS_TO_DUE = {ActionPriority.HIGH: 28, ActionPriority.MEDIUM: 56, ActionPriority.LOW: 90}
# How actions stand, by how their due date sits against today (weights in the order of STATUSES).
STATUSES = (S.OPEN, S.IN_PROGRESS, S.EVIDENCE_SUBMITTED, S.RETURNED, S.VERIFIED)
LONG_PAST = (1, 1, 0, 1, 97)
RECENTLY_PAST = (12, 15, 15, 13, 45)
NOT_YET_DUE = (40, 30, 15, 5, 10)
# The steps before the last, for each final status; a verified action was sometimes returned on the way.
PATHS = {
    S.OPEN: [],
    S.IN_PROGRESS: [S.IN_PROGRESS],
    S.EVIDENCE_SUBMITTED: [S.IN_PROGRESS, S.EVIDENCE_SUBMITTED],
    S.RETURNED: [S.IN_PROGRESS, S.EVIDENCE_SUBMITTED, S.RETURNED],
    S.VERIFIED: [S.IN_PROGRESS, S.EVIDENCE_SUBMITTED, S.VERIFIED],
}
RETURNED_ON_THE_WAY = [S.IN_PROGRESS, S.EVIDENCE_SUBMITTED, S.RETURNED, S.EVIDENCE_SUBMITTED, S.VERIFIED]


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=UTC)


@dataclass
class Plans:
    """Actions (pointing at their visit's position) and their timelines (pointing at the action's)."""

    actions: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)

    def raise_actions(
        self, rng, today, people, provider: Provider, service: Service, visit: int, visited_on: date,
        raised: datetime, officer_id: int, judgements: dict[KeyQuestion, LocalRating],
    ) -> None:  # fmt: skip
        """Corrective actions for each concern the visit found, and now and then a developmental one."""
        concerns = [q for q, j in judgements.items() if j not in STRONG][:3]
        wanted = [(q, judgements[q]) for q in concerns]
        if rng.random() < (0.35 if not concerns else 0.2):
            wanted.append((rng.choice(list(judgements)), None))
        for question, judgement in wanted:
            corrective = judgement is not None
            if corrective:
                priority = ActionPriority.HIGH if judgement == LocalRating.INADEQUATE else ActionPriority.MEDIUM
                description = rng.choice(CORRECTIVE[question])
            else:
                priority, description = ActionPriority.LOW, rng.choice(DEVELOPMENTAL[question])
            if rng.random() < 0.15:
                priority = rng.choice(list(ActionPriority))
            due_on = visited_on + timedelta(days=DAYS_TO_DUE[priority])
            status = self._status(rng, today, due_on)
            owner = rng.choice(OWNERS)
            verifier = service.contract_manager_id or rng.choice(people.managers).id
            index = len(self.actions)
            self.actions.append(
                {
                    "visit": visit, "service_id": service.id, "description": description, "key_question": question,
                    "kind": ActionKind.CORRECTIVE if corrective else ActionKind.DEVELOPMENTAL, "priority": priority,
                    "due_on": due_on, "owner": owner, "status": status, "created_by_id": officer_id,
                    "created_at": raised, "version_id": 1,
                }
            )  # fmt: skip
            worker = f"{names.person_name(rng)} ({owner}, {provider.name})"
            self._timeline(rng, today, index, raised, status, people.labels[officer_id], worker, verifier, people)

    @staticmethod
    def _status(rng: random.Random, today: date, due_on: date) -> ActionStatus:
        overdue_by = (today - due_on).days
        weights = LONG_PAST if overdue_by > 120 else RECENTLY_PAST if overdue_by > 0 else NOT_YET_DUE
        return rng.choices(STATUSES, weights=weights)[0]

    def _timeline(self, rng, today, index, raised, status, officer, worker, verifier_id, people) -> None:
        """Raised, then each move in turn, at increasing times between raising and now."""
        steps = RETURNED_ON_THE_WAY if status == S.VERIFIED and rng.random() < 0.2 else list(PATHS[status])
        if steps and steps[0] == S.IN_PROGRESS and rng.random() < 0.3:
            steps = steps[1:] or steps  # some providers send evidence without saying they have started
        # Providers work to the due date, give or take; nothing happens after yesterday.
        due_on = self.actions[index]["due_on"]
        end = min(today - timedelta(days=1), due_on + timedelta(days=rng.randint(-10, 40)))
        last = max(raised + timedelta(hours=1), _at(end, rng))
        span = max(1, int((last - raised).total_seconds() // 3600))
        times = sorted(raised + timedelta(hours=h) for h in rng.sample(range(1, span + 1), min(len(steps), span)))
        times += [last] * (len(steps) - len(times))
        events = [(raised, officer, None, S.OPEN, "Raised from the visit report.")]
        staff = {officer: self.actions[index]["created_by_id"], people.labels[verifier_id]: verifier_id}
        for when, step in zip(times, steps, strict=True):
            before = events[-1][3]
            if step in (S.RETURNED, S.VERIFIED):
                actor = people.labels[verifier_id]
                note = rng.choice(RETURNED) if step == S.RETURNED else None
            else:
                actor = worker
                note = rng.choice(SUBMITTED) if step == S.EVIDENCE_SUBMITTED else rng.choice(PROGRESS)
            events.append((when, actor, before, step, note))
        for when, actor, from_status, to_status, note in events:
            self.events.append(
                {"action": index, "at": when, "user_id": staff.get(actor), "actor_label": actor[:200],
                 "from_status": from_status, "to_status": to_status, "note": note}
            )  # fmt: skip
        action = self.actions[index]
        action["updated_at"] = events[-1][0]
        if status == S.VERIFIED:
            action.update(verified_at=events[-1][0], verified_by_id=verifier_id)

    def write(self, session: Session, visit_ids: dict[int, int], insert) -> None:
        """Insert the actions of visits that were kept, then their timelines."""
        keep = [i for i, a in enumerate(self.actions) if a["visit"] in visit_ids]
        rows = [_without(self.actions[i], "visit", visit_id=visit_ids[self.actions[i]["visit"]]) for i in keep]
        action_id = dict(zip(keep, insert(session, Action, rows), strict=True))
        events = [
            _without(e, "action", action_id=action_id[e["action"]]) for e in self.events if e["action"] in action_id
        ]
        insert(session, ActionEvent, events, returning=False)


def _without(row: dict, key: str, **extra) -> dict:
    """The row less one key, plus others (a position swapped for the id it was given)."""
    return {**{k: v for k, v in row.items() if k != key}, **extra}


def counts(session: Session) -> list[tuple[ActionStatus, date, int]]:
    """(status, due date, how many): enough to count statuses and RAG without loading every action."""
    stmt = sa.select(Action.status, Action.due_on, sa.func.count()).group_by(Action.status, Action.due_on)
    return [tuple(row) for row in session.execute(stmt)]
