"""Bulk building of what the flag sweep reads beyond visits and actions: rating history, contracts, deregistrations.

Grows after benchmarks.monitoring_data.MonitoringBuilder (which gives each regulated service one current
snapshot): each `grow()` works on the services added since the last call. Core bulk inserts and updates with
explicit ids; dates are relative to the day of the run, drawn from a seeded generator.

Per batch of services, by default:
- CQC rating history: ~10 snapshots per service in the register (so ~11.5 per regulated one), built back in
  time from the current snapshot, a report every 3 to 10 months, one to three key questions moving one step
  each time; ~6% of regulated services get a newer report in the last 90 days that lowers one or two ratings
  (sometimes Overall, sometimes to Inadequate), and a third of those a later one that puts them back up.
  The newest snapshot becomes current; the changes between snapshots are worked out with the app's own
  `rating_rules.detect_changes`, as `ratings.refresh_service` would store them;
- contracts renewed relative to today: ~3% of active contracts ended in the last 60 days (still active),
  ~6% end within 90 days, the rest later;
- ~1% of active registered services deregistered by CQC while still active on the register;
- ~1% of active services never given a routine visit: their visits become concern-led (unplanned), so the
  policy counts them as never visited.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from benchmarks.data import analyze, bulk_insert, sync_sequences
from benchmarks.monitoring_data import MonitoringBuilder
from provider_monitor.enums import (
    KeyQuestion,
    RatingSource,
    RegistrationStatus,
    ServiceStatus,
    VisitKind,
    VisitPurpose,
)
from provider_monitor.models import RatingChange, RatingSnapshot, Service, Visit
from provider_monitor.services.rating_rules import LABELS, QUESTIONS, Rating, State, detect_changes, rank

SNAPSHOTS_PER_SERVICE = 10  # per service in the register (unregulated services have none)
RECENT_DECLINE_SHARE = 0.06  # of regulated services
RECOVERED_SHARE = 1 / 3  # of those with a recent decline
CONTRACT_ENDED_SHARE = 0.03
CONTRACT_ENDING_SHARE = 0.06
DEREGISTERED_SHARE = 0.01  # of active registered services
NO_ROUTINE_VISIT_SHARE = 0.01  # of active services: only concern-led visits so far
CHUNK = 1_000  # services whose snapshots are built and inserted together


def _stamp(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=UTC)


class SweepDataBuilder:
    """Adds rating history and sets contracts and registrations for services that have none yet."""

    def __init__(self, session: Session, monitoring: MonitoringBuilder, *, seed: int = 20251104, today: date):
        self.session = session
        self.monitoring = monitoring  # shares its snapshot ids, so neither builder reuses the other's
        self.rng = random.Random(seed)
        self.today = today
        self.services_done = 0
        self.next_change_id = 1

    def grow(self, snapshots_per_service: float = SNAPSHOTS_PER_SERVICE) -> dict[str, int]:
        """Rows for every service added since the last call; commit. Returns rows added or changed per table."""
        services = self.session.execute(
            sa.select(Service.id, Service.status, Service.registration_status, Service.contract_end)
            .where(Service.id > self.services_done)
            .order_by(Service.id)
        ).all()
        if not services:
            return {}
        first, last = services[0].id, services[-1].id
        added = {"service (contract end moved)": self._contracts(services)}
        added["service (deregistered)"] = self._deregister(services)
        added["visit (made concern-led)"] = self._no_routine_visits(services)
        snapshots, changes = self._rating_history(first, last, snapshots_per_service * len(services))
        added["rating_snapshot (history)"], added["rating_change"] = snapshots, changes
        self.services_done = last
        sync_sequences(self.session)
        self.session.commit()
        analyze(self.session)
        self.session.commit()
        return added

    # Register ------------------------------------------------------------------------------------

    def _contracts(self, services) -> int:
        rng, rows = self.rng, []
        for s in services:
            if s.contract_end is None or s.status != ServiceStatus.ACTIVE:
                continue
            roll = rng.random()
            if roll < CONTRACT_ENDED_SHARE:
                end = self.today - timedelta(days=rng.randint(1, 60))
            elif roll < CONTRACT_ENDED_SHARE + CONTRACT_ENDING_SHARE:
                end = self.today + timedelta(days=rng.randint(0, 90))
            else:
                end = self.today + timedelta(days=rng.randint(91, 1500))
            rows.append({"b_id": s.id, "b_end": end})
        self._update(rows, contract_end=sa.bindparam("b_end"))
        return len(rows)

    def _deregister(self, services) -> int:
        rows = [
            {"b_id": s.id}
            for s in services
            if s.status == ServiceStatus.ACTIVE
            and s.registration_status == RegistrationStatus.REGISTERED
            and self.rng.random() < DEREGISTERED_SHARE
        ]
        self._update(rows, registration_status=RegistrationStatus.DEREGISTERED)
        return len(rows)

    def _no_routine_visits(self, services) -> int:
        chosen = [
            s.id for s in services if s.status == ServiceStatus.ACTIVE and self.rng.random() < NO_ROUTINE_VISIT_SHARE
        ]
        if not chosen:
            return 0
        result = self.session.execute(
            sa.update(Visit)
            .where(Visit.service_id.in_(chosen))
            .values(kind=VisitKind.UNPLANNED, purpose=VisitPurpose.CONCERN, full_quality_visit=False)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount

    def _update(self, rows: list[dict], **values) -> None:
        if rows:
            table = Service.__table__
            self.session.execute(table.update().where(table.c.id == sa.bindparam("b_id")).values(**values), rows)

    # Rating history ------------------------------------------------------------------------------

    def _rating_history(self, first: int, last: int, wanted: float) -> tuple[int, int]:
        current = self.session.scalars(
            sa.select(RatingSnapshot)
            .where(RatingSnapshot.service_id.between(first, last), RatingSnapshot.is_current.is_(True))
            .order_by(RatingSnapshot.service_id)
        ).all()
        if not current:
            return 0, 0
        newer_mean = RECENT_DECLINE_SHARE * (1 + RECOVERED_SHARE)
        older_mean = max(0.0, wanted / len(current) - 1 - newer_mean)
        snapshots = changes = 0
        for start in range(0, len(current), CHUNK):
            snapshot_rows, change_rows, superseded = [], [], []
            for snapshot in current[start : start + CHUNK]:
                older, newer = self._history_of(snapshot, older_mean)
                service_id = snapshot.service_id
                ordered = [(state, self._row(service_id, state, is_current=False)) for state in reversed(older)]
                ordered.append((_state_of(snapshot), None))
                ordered += [(state, self._row(service_id, state, is_current=state is newer[-1])) for state in newer]
                snapshot_rows += [row for _, row in ordered if row]
                ids = [(state, row["id"] if row else snapshot.id) for state, row in ordered]
                change_rows += self._changes(service_id, ids)
                if newer:
                    superseded.append({"b_id": snapshot.id})
            snapshots += bulk_insert(self.session, RatingSnapshot, snapshot_rows)
            changes += bulk_insert(self.session, RatingChange, change_rows)
            if superseded:
                table = RatingSnapshot.__table__
                self.session.execute(
                    table.update().where(table.c.id == sa.bindparam("b_id")).values(is_current=False), superseded
                )
        return snapshots, changes

    def _history_of(self, snapshot: RatingSnapshot, older_mean: float) -> tuple[list[State], list[State]]:
        """States before the current snapshot (newest first), and any after it (oldest first)."""
        rng = self.rng
        whole = int(older_mean)
        base = {q: rank(getattr(snapshot, q.value)) or 3 for q in QUESTIONS}
        values, day, older = base, snapshot.published_on, []
        for _ in range(whole + (rng.random() < older_mean - whole)):
            day -= timedelta(days=rng.randint(90, 300))
            values = self._moved(values, rng.randint(1, 3), direction=0)
            older.append(_state(day, values))
        newer: list[State] = []
        start = max(snapshot.published_on + timedelta(days=1), self.today - timedelta(days=89))
        if rng.random() < RECENT_DECLINE_SHARE and start < self.today - timedelta(days=1):
            day = start + timedelta(days=rng.randint(0, (self.today - start).days - 2))
            newer.append(_state(day, self._moved(base, rng.randint(1, 2), direction=-1)))
            if rng.random() < RECOVERED_SHARE:
                newer.append(_state(day + timedelta(days=rng.randint(1, (self.today - day).days - 1)), base))
        return older, newer

    def _moved(self, values: dict[KeyQuestion, int], count: int, *, direction: int) -> dict[KeyQuestion, int]:
        """`count` key questions one step up or down (either way when direction is 0), and Overall with them."""
        moved = dict(values)
        for question in self.rng.sample(QUESTIONS[1:], count):
            moved[question] = min(4, max(1, moved[question] + (direction or self.rng.choice((-1, 1)))))
        # Overall: the second weakest key question (one weak question does not pull it down, two do).
        overall = sorted(moved[q] for q in QUESTIONS[1:])[1]
        if direction < 0:
            # A lower report never raises Overall; now and then it takes it down a step by itself.
            overall = min(overall, values[KeyQuestion.OVERALL])
            if self.rng.random() < 0.3:
                overall = max(1, min(overall, values[KeyQuestion.OVERALL] - 1))
        moved[KeyQuestion.OVERALL] = overall
        return moved

    def _row(self, service_id: int, state: State, *, is_current: bool) -> dict:
        snapshot_id = self.monitoring.next_ids["snapshot"]
        self.monitoring.next_ids["snapshot"] += 1
        row = {
            "id": snapshot_id, "service_id": service_id, "published_on": state.published_on,
            "source": RatingSource.CQC_API, "fingerprint": state.fingerprint(), "is_current": is_current,
            "inherited_from": None, "recorded_at": _stamp(state.published_on, self.rng), "recorded_by_id": None,
        }  # fmt: skip
        for question in QUESTIONS:
            rating = state.ratings[question]
            row[question.value], row[f"{question.value}_date"] = rating.value, rating.published_on
            row[f"{question.value}_link"] = None
        return row

    def _changes(self, service_id: int, ordered: list[tuple[State, int]]) -> list[dict]:
        """The changes each snapshot brought (oldest first), as ratings.refresh_service stores them."""
        rows = []
        for (_, snapshot_id), found in zip(ordered, detect_changes([s for s, _ in ordered]), strict=True):
            for change in found:
                rows.append(
                    {
                        "id": self.next_change_id, "service_id": service_id, "snapshot_id": snapshot_id,
                        "key_question": change.question, "from_rating": change.before, "to_rating": change.after,
                        "direction": change.direction, "high_severity": change.high_severity,
                        "changed_on": change.published_on, "report_link": change.report_link,
                    }
                )  # fmt: skip
                self.next_change_id += 1
        return rows


def _state_of(snapshot: RatingSnapshot) -> State:
    """A stored snapshot as the rating rules see it."""
    ratings = {q: Rating(getattr(snapshot, q.value), getattr(snapshot, f"{q.value}_date")) for q in QUESTIONS}
    return State(snapshot.published_on, ratings)


def _state(day: date, values: dict[KeyQuestion, int]) -> State:
    """A full report on `day`: every key question rated that day."""
    return State(day, {q: Rating(LABELS[values[q]], day) for q in QUESTIONS})
