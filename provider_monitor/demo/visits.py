"""Several years of monitoring visits for the demo market, at the policy's pace, with their reports.

Routine planned visits follow the default visit-frequency policy (visit_rules), drifting early or
late as real diaries do; concern-led unplanned visits come more often to poorly rated services. Old
reports are final; recent ones are in draft or shared within the comment window; some services are
overdue, some never visited, and some have a visit booked. Rows go in with bulk inserts (no audit
rows for history), so the whole market takes well under a second or two.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.demo import action_plans
from provider_monitor.demo.visit_notes import CANCELLED, COMPLIANCE_NOTES, SPOKE_TO, STRONG, evidence, summary
from provider_monitor.enums import (
    ComplianceArea,
    ComplianceResult,
    KeyQuestion,
    LocalRating,
    Role,
    ServiceStatus,
    VisitKind,
    VisitPurpose,
    VisitStatus,
)
from provider_monitor.models import Provider, RatingSnapshot, Service, User, Visit, VisitCompliance, VisitFinding
from provider_monitor.models.visit import visit_officer
from provider_monitor.services import visit_policy
from provider_monitor.services.action_rules import rag
from provider_monitor.services.visit_rules import Policy, add_months, band_for, interval_for

HISTORY_YEARS = 4
NEVER_VISITED_SHARE = 0.02  # newly contracted services not visited yet, besides the newly registered
BEHIND_SHARE = 0.12  # services whose last routine visit slipped: overdue now
BOOKED_SHARE = 0.6  # of services due within two months, the share with the next visit booked
CANCELLED_SHARE = 0.04
RATINGS = (LocalRating.INADEQUATE, LocalRating.REQUIRES_IMPROVEMENT, LocalRating.GOOD, LocalRating.OUTSTANDING)
QUESTIONS = tuple(q for q in KeyQuestion if q != KeyQuestion.OVERALL)
# Unplanned, concern-led visits a year, by the service's standing.
CONCERN_RATE = {
    LocalRating.OUTSTANDING: 0.05,
    LocalRating.GOOD: 0.12,
    LocalRating.REQUIRES_IMPROVEMENT: 0.4,
    LocalRating.INADEQUATE: 0.7,
}


def at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=UTC)


@dataclass
class People:
    """Staff the visits and actions name: officers, managers who sign reports off, and labels."""

    officers: list[User]
    managers: list[User]
    labels: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, by_role: dict[Role, list[User]]) -> People:
        people = cls(officers=by_role[Role.OFFICER], managers=by_role[Role.MANAGER])
        for users in by_role.values():
            people.labels.update({u.id: f"{u.name} ({u.role.label})" for u in users})
        return people


@dataclass
class Rows:
    """Everything to insert; children point at their visit by its position in `visits`."""

    visits: list[dict] = field(default_factory=list)
    officers: list[tuple[int, int]] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    compliance: list[dict] = field(default_factory=list)
    plans: action_plans.Plans = field(default_factory=action_plans.Plans)


class VisitMaker:
    def __init__(self, rng: random.Random, today: date, people: People, overall: dict[int, str | None]):
        self.rng, self.today, self.people, self.overall = rng, today, people, overall
        self.policy = Policy()
        self.rows = Rows()

    # One service's history ----------------------------------------------------------------------

    def service(self, provider: Provider, service: Service) -> None:
        rng, today = self.rng, self.today
        since = service.registration_date or service.contract_start or today - timedelta(days=3000)
        if since > today - timedelta(days=150) or rng.random() < NEVER_VISITED_SHARE:
            if service.status == ServiceStatus.ACTIVE and rng.random() < 0.5:
                self._planned(service, today + timedelta(days=rng.randint(5, 40)), VisitPurpose.QUALITY_AUDIT)
            return
        start = max(since + timedelta(days=rng.randint(20, 120)), today - timedelta(days=365 * HISTORY_YEARS))
        # A closed service's visits stop about when it closed.
        last_day = today - timedelta(days=1 if service.status == ServiceStatus.ACTIVE else rng.randint(200, 700))
        day, local, routine = start, None, []  # routine: (day visited, row) of each routine visit
        while day <= last_day:
            local, visited, index = self._visit(
                provider, service, day, VisitKind.PLANNED, self._purpose(service, local), local
            )
            routine.append((visited, index))
            day = add_months(visited, self._interval(service, local)) + timedelta(days=self._drift())
        if service.status != ServiceStatus.ACTIVE:
            return
        self._concerns(provider, service, start, local)
        next_due = add_months(routine[-1][0], self._interval(service, local)) if routine else today
        if routine and rng.random() < BEHIND_SHARE and next_due > today and (today - routine[-1][0]).days > 45:
            # The last routine visit never happened after all: it (and what hangs off it) is left out.
            self.rows.visits[routine[-1][1]]["dropped"] = True
            next_due = min(next_due, today - timedelta(days=rng.randint(5, 120)))
        if (next_due - today).days < 60 and rng.random() < BOOKED_SHARE:
            self._planned(
                service, max(next_due, today + timedelta(days=rng.randint(3, 30))), VisitPurpose.QUALITY_AUDIT
            )

    def _interval(self, service: Service, local: LocalRating | None) -> int:
        band = band_for(
            cqc_overall=self.overall.get(service.id), local_rating=local and local.value, regulated=service.regulated
        )
        return interval_for(self.policy, band)

    def _drift(self) -> int:
        """Days off the policy date: mostly a little early, sometimes weeks late."""
        return self.rng.randint(-25, 7) if self.rng.random() < 0.85 else self.rng.randint(8, 75)

    def _purpose(self, service: Service, last: LocalRating | None) -> VisitPurpose:
        if last is not None and last not in STRONG:
            return VisitPurpose.FOLLOW_UP
        if service.contract_manager_id and self.rng.random() < 0.2:
            return VisitPurpose.CONTRACT_COMPLIANCE
        return VisitPurpose.QUALITY_AUDIT

    def _concerns(self, provider: Provider, service: Service, start: date, local: LocalRating | None) -> None:
        rate = CONCERN_RATE[local or LocalRating.GOOD]
        for year in range(HISTORY_YEARS):
            if self.rng.random() < rate:
                day = self.today - timedelta(days=self.rng.randint(1, 364) + 365 * year)
                if day > start:
                    self._visit(provider, service, day, VisitKind.UNPLANNED, VisitPurpose.CONCERN, local, True)

    # One visit ------------------------------------------------------------------------------------

    def _rating(self, service: Service, last: LocalRating | None, concern: bool) -> LocalRating:
        """Correlated with CQC Overall (or the last local rating); a concern visit tends to find worse."""
        anchor = self.overall.get(service.id) or (last.value if last else "Good")
        position = next((i for i, r in enumerate(RATINGS) if r.value == anchor), 2)
        roll = self.rng.random()
        step = -1 if roll < (0.35 if concern else 0.15) else (1 if roll > 0.93 else 0)
        return RATINGS[min(max(position + step, 0), 3)]

    def _officers(self, service: Service) -> list[int]:
        lead = service.link_officer_id or self.rng.choice(self.people.officers).id
        team = [lead]
        if self.rng.random() < 0.25:
            other = self.rng.choice(self.people.officers).id
            team += [other] if other != lead else []
        return team

    def _planned(self, service: Service, day: date, purpose: VisitPurpose) -> int:
        officers = self._officers(service)
        return self._add(
            service, officers, kind=VisitKind.PLANNED, purpose=purpose, status=VisitStatus.PLANNED,
            planned_on=day, visited_on=None, created=day - timedelta(days=self.rng.randint(14, 60)),
        )  # fmt: skip

    def _visit(self, provider, service, day, kind, purpose, last, concern=False) -> tuple[LocalRating, date, int]:
        """A visit that took place on `day`, its findings, compliance and report state; maybe its actions."""
        rng = self.rng
        if kind == VisitKind.PLANNED and rng.random() < CANCELLED_SHARE and day < self.today - timedelta(days=60):
            index = self._planned(service, day, purpose)
            self.rows.visits[index].update(status=VisitStatus.CANCELLED, cancelled_reason=rng.choice(CANCELLED))
            day += timedelta(days=rng.randint(14, 40))
        rating = self._rating(service, last, concern)
        officers = self._officers(service)
        status, shared, due, final = self._report_state(day)
        logged = at(day + timedelta(days=rng.randint(0, 3)), rng)
        index = self._add(
            service, officers, kind=kind, purpose=purpose, status=status,
            planned_on=None if concern else day, visited_on=day, created=day - timedelta(days=rng.randint(7, 40)),
            full_quality_visit=concern and rng.random() < 0.35, local_rating=rating, summary=summary(rating),
            spoke_to_people=True, spoke_to_carers=rng.random() < 0.6, spoke_to_staff=True,
            spoke_to_manager=rng.random() < 0.9, people_spoken_to_notes=rng.choice(SPOKE_TO), steps_completed=5,
            logged_at=min(logged, at(self.today, rng)), logged_by_id=officers[0], shared_at=shared,
            shared_by_id=officers[0] if shared else None, comments_due_on=due, finalised_at=final,
            finalised_by_id=rng.choice(self.people.managers).id if final else None,
        )  # fmt: skip
        judgements = self._findings(index, rating)
        self._compliance(index, rating)
        if status in (VisitStatus.SHARED, VisitStatus.FINAL):
            raised = shared or logged
            self.rows.plans.raise_actions(
                rng, self.today, self.people, provider, service, index, day, raised, officers[0], judgements
            )
        return rating, day, index

    def _report_state(self, day: date) -> tuple[VisitStatus, datetime | None, date | None, datetime | None]:
        """Final when old; recent reports in draft, or shared with the provider for comments (14 days)."""
        rng, age = self.rng, (self.today - day).days
        window = timedelta(days=self.policy.comment_window_days)
        roll = rng.random()
        if age <= 6 or (age <= 20 and roll < 0.5) or (age <= 40 and roll < 0.15):
            return VisitStatus.DRAFT, None, None, None
        shared = at(day + timedelta(days=rng.randint(2, min(6, age - 1))), rng)
        due = shared.date() + window
        if age <= 20 or (age <= 40 and roll < 0.4):
            return VisitStatus.SHARED, shared, due, None
        final = at(min(due + timedelta(days=rng.randint(1, 10)), self.today - timedelta(days=1)), rng)
        return VisitStatus.FINAL, shared, due, max(final, shared)

    def _findings(self, index: int, rating: LocalRating) -> dict[KeyQuestion, LocalRating]:
        """A judgement per key question around the overall one (which at least one of them matches)."""
        position = RATINGS.index(rating)
        judgements = {}
        for question in QUESTIONS:
            step = self.rng.choices((-1, 0, 1), weights=(1, 10, 1))[0]
            judgements[question] = RATINGS[min(max(position + step, 0), 3)]
        judgements[self.rng.choice(QUESTIONS)] = rating
        for question, judgement in judgements.items():
            self.rows.findings.append(
                {"visit": index, "key_question": question, "judgement": judgement,
                 "evidence": evidence(self.rng, question, judgement)}
            )  # fmt: skip
        return judgements

    def _compliance(self, index: int, rating: LocalRating) -> None:
        weights = (8, 1, 0, 1) if rating in STRONG else (3, 4, 2, 1)
        results = (ComplianceResult.MET, ComplianceResult.PARTLY_MET, ComplianceResult.NOT_MET)
        for area in ComplianceArea:
            result = self.rng.choices((*results, ComplianceResult.NOT_ASSESSED), weights=weights)[0]
            good, bad = COMPLIANCE_NOTES[area]
            notes = None if result == ComplianceResult.NOT_ASSESSED else (good if result == results[0] else bad)
            self.rows.compliance.append({"visit": index, "area": area, "result": result, "notes": notes})

    def _add(self, service: Service, officers: list[int], *, created: date, **values) -> int:
        row = {
            "service_id": service.id, "created_by_id": officers[0], "created_at": at(created, self.rng),
            "updated_at": at(min(values.get("visited_on") or created, self.today), self.rng), "version_id": 1,
            **values,
        }  # fmt: skip
        self.rows.visits.append(row)
        self.rows.officers.extend((len(self.rows.visits) - 1, officer) for officer in officers)
        return len(self.rows.visits) - 1

    # Writing --------------------------------------------------------------------------------------

    def write(self, session: Session) -> None:
        """Bulk insert visits, then their officers, findings, compliance and actions with the new ids."""
        rows = self.rows
        keep = [i for i, row in enumerate(rows.visits) if not row.get("dropped")]
        values = [rows.visits[i] for i in keep]
        ids = _insert(session, Visit, values)
        visit_id = dict(zip(keep, ids, strict=True))
        links = [{"visit_id": visit_id[i], "user_id": u} for i, u in dict.fromkeys(rows.officers) if i in visit_id]
        if links:
            session.execute(sa.insert(visit_officer), links)
        for model, children in ((VisitFinding, rows.findings), (VisitCompliance, rows.compliance)):
            kept = [{**{k: v for k, v in c.items() if k != "visit"}, "visit_id": visit_id[c["visit"]]} for c in children
                    if c["visit"] in visit_id]  # fmt: skip
            _insert(session, model, kept, returning=False)
        rows.plans.write(session, visit_id, _insert)


def _complete(model, row: dict) -> dict:
    """Every column of the table, from the row or its default, so all rows of a batch match."""
    values = {}
    for column in model.__table__.columns:
        if column.key in row:
            values[column.key] = row[column.key]
        elif not column.primary_key:
            default = column.default.arg if column.default is not None and column.default.is_scalar else None
            values[column.key] = default
    return values


def _insert(session: Session, model, rows: list[dict], returning: bool = True) -> list[int]:
    """Insert in batches; the new ids in the rows' order when asked."""
    ids: list[int] = []
    table = model.__table__
    for start in range(0, len(rows), 2000):
        batch = [_complete(model, row) for row in rows[start : start + 2000]]
        if returning:
            ids += session.scalars(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), batch).all()
        elif batch:
            session.execute(sa.insert(table), batch)
    return ids


def add_visits(session: Session, rng: random.Random, services: list[tuple[Provider, Service]], staff, today: date):
    """Visits, reports and action plans for every service (flushed services and staff; the caller commits)."""
    ordered = sorted(services, key=lambda pair: pair[1].id)
    overall = dict(
        session.execute(
            sa.select(RatingSnapshot.service_id, RatingSnapshot.overall).where(RatingSnapshot.is_current.is_(True))
        ).all()
    )
    maker = VisitMaker(rng, today, People.of(staff.by_role), overall)
    for provider, service in ordered:
        maker.service(provider, service)
    maker.write(session)
    session.flush()


def summary_line(session: Session, today: date) -> str:
    """One line on the visits and actions held: report states, due dates and RAG."""
    states = Counter(dict(session.execute(sa.select(Visit.status, sa.func.count()).group_by(Visit.status)).all()))
    active = sa.select(Service.id).where(Service.status == ServiceStatus.ACTIVE)
    due = Counter(d.state.value for d in visit_policy.due_dates(session, active, today).values())
    actions = action_plans.counts(session)
    colours = Counter(rag(status, due_on, today).value for status, due_on, n in actions for _ in range(n))
    by_status = Counter()
    for status, _, n in actions:
        by_status[status.label.lower()] += n
    listed = ", ".join(f"{label} {n}" for label, n in sorted(by_status.items()))
    return (
        f"Visits: {sum(states.values())} ({', '.join(f'{s.label.lower()} {states[s]}' for s in VisitStatus)}); "
        f"active services overdue {due['overdue']}, never visited {due['never_visited']}, "
        f"due soon {due['due_soon']}. Actions: {sum(by_status.values())} ({listed}); "
        f"RAG red {colours['red']}, amber {colours['amber']}, green {colours['green']}."
    )
